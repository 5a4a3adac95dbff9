/*
 * kv.c: `run kv` is a key-value server and three clients, each a thread of this program. The
 * root task makes one endpoint and mints one cap to it per client, with the client's number as
 * the badge; the server holds the plain cap. A client Calls with label = the operation, MR0 =
 * the key, MR1 = the value; the server answers with seL4_ReplyRecv, which answers one client
 * and waits for the next in one system call. The badge is the only name the server has for a
 * client, and it keys its table by (badge, key): a client cannot read or overwrite another's
 * keys, whatever key numbers it picks.
 *
 * The server runs below its clients, so every client's Call waits in the endpoint's queue
 * while the server works, and the server takes the calls first come, first served: one call
 * of each client in turn. It prints one line per call.
 *
 * `run kv stress [N]`: four clients make N Calls each (100,000 if N is not given), with
 * random keys, operations and message lengths from 3 to 120 words (a fixed seed per client),
 * and check every answer, word for word, against a table of their own. The root prints what
 * each client counted and what the server counted; test.py computes the same counts from the
 * same random numbers.
 *
 * Threads sharing an address space share libsel4's one IPC buffer pointer (sel4/functions.h),
 * which is the root task's: the threads use the ...WithMRs calls, which keep MR0-MR3 in
 * registers, and reach their own IPC buffers through their own pointers.
 */
#include "threads.h"

#define SLOT_EP    2                  /* the kv endpoint: the server's plain, a client's badged */
#define SLOT_DONE  4                  /* a client's cap to the root's "done" endpoint */

/* ---- The protocol ---- */

enum { KV_PUT = 1, KV_GET = 2 };                     /* a request's label */
enum { KV_OK = 0, KV_NONE = 1, KV_FULL = 2, KV_BAD = 3 };  /* an answer's label */

/* ANCHOR: kv_server */
#define KV_ENTRIES 128

static struct entry {
    seL4_Word badge, key, value;                      /* badge 0: a free entry */
} table[KV_ENTRIES];

/* The entry of (badge, key); with `add`, a new one if there is none and room is left. */
static struct entry *lookup(seL4_Word badge, seL4_Word key, int add)
{
    struct entry *free = 0;
    for (unsigned i = 0; i < KV_ENTRIES; i++) {
        if (table[i].badge == badge && table[i].key == key)
            return &table[i];
        if (!table[i].badge && !free)
            free = &table[i];
    }
    if (add && free) {
        free->badge = badge;
        free->key = key;
    }
    return add ? free : 0;
}

/* One request: the answer's label, its MR0 in *value. */
static seL4_Word serve(seL4_Word badge, seL4_Word op, seL4_Word key, seL4_Word *value)
{
    struct entry *e = lookup(badge, key, op == KV_PUT);
    if (op == KV_PUT && e)
        e->value = *value;
    else if (op == KV_GET && e)
        *value = e->value;
    else
        return op == KV_PUT ? KV_FULL : op == KV_GET ? KV_NONE : KV_BAD;
    return KV_OK;
}

static const char *const answer_name[] = { "ok", "not found", "full", "bad request" };

/* The server's loop: wait for the first call, then answer each call and wait for the next
 * in one system call. mr[0] and mr[1] travel in x2 and x3 both ways: the request's key and
 * value in, the answer's value out. */
static void server(seL4_Word unused)
{
    (void)unused;
    seL4_Word badge, mr[2];
    seL4_MessageInfo_t info = seL4_RecvWithMRs(SLOT_EP, &badge, &mr[0], &mr[1], 0, 0);
    for (;;) {
        seL4_Word op = seL4_MessageInfo_get_label(info), key = mr[0], value = mr[1];
        seL4_Word label = serve(badge, op, key, &value);
        if (op == KV_PUT)
            printf("kv: badge %lu: put %lu = %lu: %s\n", badge, key, value, answer_name[label]);
        else if (label == KV_OK)
            printf("kv: badge %lu: get %lu: %lu\n", badge, key, value);
        else
            printf("kv: badge %lu: get %lu: %s\n", badge, key, answer_name[label]);
        mr[0] = value;
        info = seL4_ReplyRecvWithMRs(SLOT_EP, seL4_MessageInfo_new(label, 0, 0, 1), &badge,
                                     &mr[0], &mr[1], 0, 0);
    }
}
/* ANCHOR_END: kv_server */

/* ---- The clients ---- */

#define CLIENTS          3              /* `run kv` */
#define STRESS_CLIENTS   4              /* `run kv stress` */
#define STRESS_CALLS     100000         /* each, unless `run kv stress N` says otherwise */
#define KEYS             16             /* a stress client's keys: 0..15 */

/* What each client saw (index: its number, 1..), for the root to print at the end. */
static struct counts {
    seL4_Word calls, puts, gets, found, wrong;
} counts[STRESS_CLIENTS + 1];

/* ANCHOR: kv_client */
/* One Call: label = op, MR0 = key, MR1 = *value; the answer's label, its MR0 in *value. The
 * badge is not in the message: the kernel adds it, from the cap the client calls through. */
static seL4_Word call(seL4_Word op, seL4_Word key, seL4_Word *value)
{
    seL4_Word mr0 = key, mr1 = *value;
    seL4_MessageInfo_t info = seL4_CallWithMRs(SLOT_EP, seL4_MessageInfo_new(op, 0, 0, 2),
                                               &mr0, &mr1, 0, 0);
    *value = mr0;
    return seL4_MessageInfo_get_label(info);
}

/* Client n: two puts, then two gets. Every client puts key 1; only client 1 puts key 2. */
static void client(seL4_Word n)
{
    struct counts *c = &counts[n];
    seL4_Word v = 100 * n;
    c->wrong += call(KV_PUT, 1, &v) != KV_OK;
    v = n;
    c->wrong += call(KV_PUT, n + 1, &v) != KV_OK;
    c->wrong += call(KV_GET, 1, &v) != KV_OK || v != 100 * n;        /* its own key 1 */
    seL4_Word label = call(KV_GET, 2, &v);
    c->wrong += n == 1 ? label != KV_OK || v != 1 : label != KV_NONE;  /* only 1 has key 2 */
    c->calls = 4;
    seL4_SendWithMRs(SLOT_DONE, seL4_MessageInfo_new(0, 0, 0, 0), 0, 0, 0, 0);
    seL4_TCB_Suspend(SLOT_TCB);
}
/* ANCHOR_END: kv_client */

/* ---- Stress: long messages, random operations, every word checked ---- */

static seL4_Word stress_calls = STRESS_CALLS;
static seL4_Word served[STRESS_CLIENTS + 1], malformed;   /* the server's counts, by badge */

/* xorshift64 (Marsaglia 2003): repeatable, and test.py computes the same numbers. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Word j of message `seq` of client `who` (the answer's words use ~who). */
static seL4_Word word(seL4_Word who, seL4_Word seq, seL4_Word j)
{
    return who * 0x9e3779b97f4a7c15UL ^ seq << 8 ^ j;
}

/* The answer's length: short answers (fastpath-sized) to short requests. */
static seL4_Word answer_length(seL4_Word badge, seL4_Word seq, seL4_Word len)
{
    return len <= 4 ? 2 + seq % 3 : 5 + (seq * 7 + badge) % 116;
}

static void stress_server(seL4_Word unused)
{
    (void)unused;
    seL4_IPCBuffer *b = IPC(0);
    seL4_Word badge, mr[4];
    seL4_MessageInfo_t info = seL4_RecvWithMRs(SLOT_EP, &badge, &mr[0], &mr[1], &mr[2], &mr[3]);
    for (;;) {
        seL4_Word len = seL4_MessageInfo_get_length(info), seq = mr[2], value = mr[1];
        int ok = len >= 3 && badge >= 1 && badge <= STRESS_CLIENTS;
        for (seL4_Word j = 3; ok && j < len; j++)
            ok = (j < 4 ? mr[3] : b->msg[j]) == word(badge, seq, j);
        seL4_Word label = ok ? serve(badge, seL4_MessageInfo_get_label(info), mr[0], &value)
                             : KV_BAD;
        served[ok ? badge : 0]++;
        malformed += !ok;
        seL4_Word n = answer_length(badge, seq, len);
        mr[0] = value;
        mr[1] = seq;
        mr[2] = word(~badge, seq, 2);
        mr[3] = word(~badge, seq, 3);
        for (seL4_Word j = 4; j < n; j++)
            b->msg[j] = word(~badge, seq, j);
        info = seL4_ReplyRecvWithMRs(SLOT_EP, seL4_MessageInfo_new(label, 0, 0, n), &badge,
                                     &mr[0], &mr[1], &mr[2], &mr[3]);
    }
}

/* Stress client n: a put for one call in three, keys 0..15; three calls in four are 3 or 4
 * words long (fastpath-sized), the rest 5 to 120. Its model: what it has put. */
static void stress_client(seL4_Word n)
{
    seL4_IPCBuffer *b = IPC(n);
    struct counts *c = &counts[n];
    seL4_Word model[KEYS];
    int have[KEYS] = { 0 };
    uint64_t s = n * 0x9e3779b97f4a7c15UL;
    for (seL4_Word seq = 0; seq < stress_calls; seq++) {
        uint64_t r = next(&s);
        seL4_Word op = r % 3 == 0 ? KV_PUT : KV_GET, key = (r >> 8) % KEYS;
        seL4_Word value = op == KV_PUT ? r >> 16 : 0;
        seL4_Word len = (r >> 4) & 3 ? 3 + ((r >> 6) & 1) : 5 + (r >> 24) % 116;
        for (seL4_Word j = 4; j < len; j++)
            b->msg[j] = word(n, seq, j);
        seL4_Word mr[4] = { key, value, seq, word(n, seq, 3) };
        seL4_MessageInfo_t info = seL4_CallWithMRs(SLOT_EP, seL4_MessageInfo_new(op, 0, 0, len),
                                                   &mr[0], &mr[1], &mr[2], &mr[3]);
        seL4_Word want = op == KV_PUT || have[key] ? KV_OK : KV_NONE;
        seL4_Word got = seL4_MessageInfo_get_label(info), m = seL4_MessageInfo_get_length(info);
        int ok = got == want && m == answer_length(n, seq, len) && mr[1] == seq &&
                 (op == KV_PUT || want == KV_NONE || mr[0] == model[key]);
        for (seL4_Word j = 2; ok && j < m; j++)
            ok = (j < 4 ? mr[j] : b->msg[j]) == word(~n, seq, j);
        if (op == KV_PUT) {
            model[key] = value;
            have[key] = 1;
            c->puts++;
        } else {
            c->gets++;
            c->found += got == KV_OK;
        }
        c->wrong += !ok;
        c->calls++;
    }
    seL4_SendWithMRs(SLOT_DONE, seL4_MessageInfo_new(0, 0, 0, 0), 0, 0, 0, 0);
    seL4_TCB_Suspend(SLOT_TCB);
}

/* ---- The root task ---- */

static seL4_Word parse(const char *s)
{
    seL4_Word v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (seL4_Word)(*s++ - '0');
    return v;
}

int main(const char *arg)
{
    int stress = arg[0] == 's';        /* "stress" or "stress N" */
    if (stress && arg[6] == ' ' && parse(arg + 7))
        stress_calls = parse(arg + 7);
    unsigned clients = stress ? STRESS_CLIENTS : CLIENTS;
    /* The server below its clients (and in stress, above the last one); the root above all. */
    static const seL4_Word prio[] = { 50, 80, 70, 60 }, stress_prio[] = { 65, 90, 80, 70, 60 };
    threads_init("kv");
    seL4_CPtr ep = make(seL4_EndpointObject, 0), done = make(seL4_EndpointObject, 0);
    struct thread t[STRESS_CLIENTS + 1];
    seL4_Error e = ep && done ? seL4_NoError : seL4_NotEnoughMemory;
    for (unsigned i = 0; !e && i <= clients; i++) {
        e = thread_new(&t[i], i, i ? stress ? stress_client : client
                                   : stress ? stress_server : server,
                       i, stress ? stress_prio[i] : prio[i]);
        /* The server's cap: the endpoint's own, unbadged. A client's: Write (to send) and
         * GrantReply (so that a Call leaves the server a reply cap), badge = its number. */
        if (!e && i == 0)
            e = seL4_CNode_Copy(t[i].cnode, SLOT_EP, 4, seL4_CapInitThreadCNode, ep, 64,
                                seL4_AllRights);
        if (!e && i > 0)
            e = seL4_CNode_Mint(t[i].cnode, SLOT_EP, 4, seL4_CapInitThreadCNode, ep, 64,
                                seL4_CapRights_new(1, 0, 0, 1), i);
        if (!e && i > 0)
            e = seL4_CNode_Mint(t[i].cnode, SLOT_DONE, 4, seL4_CapInitThreadCNode, done, 64,
                                seL4_CanWrite, i);
    }
    for (unsigned i = 0; !e && i <= clients; i++)
        e = seL4_TCB_Resume(t[i].tcb);
    if (e) {
        printf("kv: setting up: %s\n", error_name(e));
        return 1;
    }
    printf("kv: a server (priority %lu) and %u clients (priorities", stress ? stress_prio[0]
                                                                             : prio[0], clients);
    for (unsigned i = 1; i <= clients; i++)
        printf(" %lu", stress ? stress_prio[i] : prio[i]);
    printf("), badges 1-%u\n", clients);
    /* The root waits until every client has said it is done: its Recv lets them run. */
    for (unsigned i = 0; i < clients; i++)
        seL4_Recv(done, 0);
    for (unsigned i = 1; i <= clients; i++) {
        struct counts *c = &counts[i];
        if (stress)
            printf("kv: client %u: %lu calls, %lu puts, %lu gets, %lu found, %lu wrong\n", i,
                   c->calls, c->puts, c->gets, c->found, c->wrong);
        else
            printf("kv: client %u: %lu calls, %lu wrong answers\n", i, c->calls, c->wrong);
    }
    if (stress)
        printf("kv: server: %lu %lu %lu %lu calls from badges 1-4, %lu malformed\n", served[1],
               served[2], served[3], served[4], malformed);
    return 0;
}
