/*
 * ipcfuzz.c: `run ipcfuzz [SEED]`: four threads make IPC system calls with random arguments
 * on random caps of their own CNodes: Send, NBSend, Recv, NBRecv, Call, Reply, ReplyRecv and
 * Yield, with random labels, lengths (0 to 127), extra caps (0 to 3, random cptrs) and receive
 * slots. Each thread's CNode holds caps to three endpoints, with every mix of rights and
 * badges, its own CNode's cap (so that received caps have somewhere to go; sent as an extra
 * cap, another thread may invoke it) and empty slots, which fill up as caps arrive. (Its TCB
 * cap, in slot 1, is for its own end: a random cptr reaches it once in a million calls.)
 *
 * Random calls block: on an endpoint nobody sends to, on a reply that never comes. The root
 * runs below the four, so it runs only when all of them are blocked (or have faulted: a call
 * through a missing cap, or with one as an extra cap). Then it restarts each unfinished one
 * at the top of its loop (Suspend, then WriteRegisters with resume): its count of calls is in
 * memory, so it goes on where it stopped. A kernel that survives, and gives back every block,
 * ASID and thread when the program is killed, has no IPC path a user can break.
 */
#include "threads.h"

/* ANCHOR: ipcfuzz */
#define FUZZERS          4
#define CALLS            20000          /* each */
#define FUZZ_SEED        0x1bcf0e1d2c3b4a59UL
#define ROOT_PRIO        50
#define FIRST_EP_SLOT    4              /* slots 4..11: endpoint caps; 12..15 start empty */

static const seL4_Word prio[FUZZERS] = { 70, 70, 80, 60 };
static uint64_t seed;
static struct fuzzer {
    uint64_t state;                     /* its random numbers */
    seL4_Word calls, done;
} fuzzer[FUZZERS];

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A cptr. Each fault costs a line on the console (thousands of instructions per character, on
 * the screen), so faults are kept rare: the cptr to call is one of the endpoint caps, slots
 * 4-11 (which all have Read: no Recv faults), and one time in 256 anything at all (a
 * missing cap, a cap fault); an extra cap to send is any slot from 3 to 15 (the CNode's own
 * cap, the endpoints, whatever has arrived), and one time in 1024 anything. */
static seL4_Word ep_cptr(uint64_t r)
{
    return r % 256 == 0 ? r >> 8 & 0xfff : FIRST_EP_SLOT + (r >> 8) % 8;
}

static seL4_Word extra_cptr(uint64_t r)
{
    return r % 1024 == 0 ? r >> 10 & 0xfff : 3 + (r >> 10) % 13;
}

static const seL4_Word syscalls[] = {
    seL4_SysSend, seL4_SysNBSend, seL4_SysRecv, seL4_SysNBRecv, seL4_SysCall, seL4_SysReply,
    seL4_SysReplyRecv, seL4_SysYield,
};

/* Thread i's loop. It starts here, and starts again here each time the root restarts it. */
static void fuzz(seL4_Word i)
{
    struct fuzzer *f = &fuzzer[i];
    seL4_IPCBuffer *b = IPC(i);
    while (f->calls < CALLS) {
        f->calls++;
        uint64_t r = next(&f->state);
        for (int j = 4; j < 8; j++)                   /* a few words past MR3, random */
            b->msg[j] = next(&f->state);
        for (int j = 0; j < 3; j++)
            b->caps_or_badges[j] = extra_cptr(next(&f->state));
        uint64_t p = next(&f->state);
        b->receiveCNode = p % 8 ? SLOT_CNODE : p >> 3 & 15;
        b->receiveIndex = 12 + (p >> 16 & 3);
        b->receiveDepth = p % 32 ? 64 : p >> 24 & 127;
        register seL4_Word x0 __asm__("x0") = ep_cptr(r >> 3);
        uint64_t m = next(&f->state);                 /* label, caps, length */
        register seL4_Word x1 __asm__("x1") = m % 8 ? m : m & 0x3ffff;   /* a real label */
        register seL4_Word x2 __asm__("x2") = r, x3 __asm__("x3") = ~r;
        register seL4_Word x4 __asm__("x4") = r >> 7, x5 __asm__("x5") = i;
        register seL4_Word x7 __asm__("x7") = syscalls[r % 8];
        __asm__ volatile("svc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5)
                         : "r"(x7) : "memory");
    }
    f->done = 1;
    seL4_TCB_Suspend(SLOT_TCB);
}
/* ANCHOR_END: ipcfuzz */

static seL4_Word parse_seed(const char *s)
{
    seL4_Word v = 0;
    for (; *s; s++) {
        unsigned d = *s >= 'a' ? *s - 'a' + 10 : *s >= 'A' ? *s - 'A' + 10 : *s - '0';
        v = v * 16 + (d & 15);
    }
    return v ? v : FUZZ_SEED;
}

int main(const char *arg)
{
    seL4_CPtr root = seL4_CapInitThreadCNode;
    seed = parse_seed(arg);
    threads_init("ipcfuzz");
    seL4_CPtr ep[3];
    for (int i = 0; i < 3; i++)
        ep[i] = make(seL4_EndpointObject, 0);
    struct thread t[FUZZERS];
    seL4_Error e = ep[0] && ep[1] && ep[2] ? seL4_NoError : seL4_NotEnoughMemory;
    uint64_t s = seed;
    for (unsigned i = 0; !e && i < FUZZERS; i++) {
        fuzzer[i].state = next(&s);
        e = thread_new(&t[i], i, fuzz, i, prio[i]);
        /* Slots 4-11: caps to the three endpoints, random rights (all four bits, any mix)
         * and a badge or none. */
        for (unsigned slot = FIRST_EP_SLOT; !e && slot < 12; slot++) {
            uint64_t r = next(&s);
            seL4_Word rights = (r >> 2 & 13) | 2;     /* Read; Grant, GrantReply: any mix */
            if (r >> 12 & 7)
                rights |= 1;                          /* Write, mostly */
            e = seL4_CNode_Mint(t[i].cnode, slot, 4, root, ep[r % 3], 64,
                                (seL4_CapRights_t){ { rights } }, r & 16 ? r >> 8 & 7 : 0);
        }
    }
    if (!e)
        e = seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, ROOT_PRIO);
    if (e) {
        printf("ipcfuzz: setting up: %s\n", error_name(e));
        return 1;
    }
    printf("ipcfuzz: seed 0x%lx, %d threads, %d calls each\n", seed, FUZZERS, CALLS);
    /* Start them all; then, each time they are all blocked, restart the unfinished ones. */
    seL4_Word restarts = 0;
    for (;;) {
        unsigned left = 0;
        for (unsigned i = 0; i < FUZZERS; i++) {
            if (fuzzer[i].done)
                continue;
            left++;
            seL4_UserContext regs = { .pc = (seL4_Word)fuzz, .sp = STACK_TOP(i), .x0 = i,
                                      .tpidr_el0 = IPC_VA(i) };
            seL4_TCB_Suspend(t[i].tcb);
            e = seL4_TCB_WriteRegisters(t[i].tcb, 1, 0, sizeof regs / sizeof(seL4_Word), &regs);
            if (e)
                printf("ipcfuzz: restarting thread %u: %s\n", i, error_name(e));
        }
        if (!left)
            break;
        restarts++;
    }
    printf("ipcfuzz: done, %d calls, %lu rounds of restarts, kernel alive\n", FUZZERS * CALLS,
           restarts);
    return 0;
}
