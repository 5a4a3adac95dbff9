/*
 * ipctest.c: `run ipctest` tries seL4's IPC rules one at a time and prints one line per case:
 * badges, caps sent with and without Grant, a badged cap to the endpoint itself unwrapped,
 * three caps and one receive slot, truncation to 120 words, Call and Reply, rights (Send needs
 * Write, Recv needs Read), NBRecv and NBSend with nobody there, a Call without Grant or
 * GrantReply, a server that drops its reply cap, and an endpoint deleted under a waiting
 * thread. test.py compares the lines with what seL4 does, and the lines of a kernel built
 * without the fastpath (FASTPATH=0) with these.
 *
 * The root task lowers itself to priority 50, below every thread it makes, so that a thread it
 * wakes runs at once, up to its next block, before the root goes on: each case is over when
 * the root's system call returns. The server (priority 90) records what it received in
 * `seen`, and answers, or not, as `mode` says. The threads that are meant to stay blocked or to
 * fault have priorities of their own, for test.py to find them in `ps`.
 */
#include "threads.h"

#define SLOT_EP    2                  /* the endpoint: the server's, each caller's own cap to it */
#define SLOT_RECEIVE 4                /* the server's receive slot */
#define SLOT_SAVED   5                /* where the server saves a reply cap */
#define SLOT_MOVED   6                /* and moves it to */

/* The threads, by number: the server, and five that each make one system call. */
enum { SERVER, NO_READ, NO_GRANT, DROPPED, SAVED, WAITER, THREADS };
static const seL4_Word prio[THREADS] = { 90, 60, 66, 77, 78, 61 };
#define ROOT_PRIO 50

/* ---- The server ---- */

/* What the server does after recording a message. */
static volatile enum {
    RECEIVE,                          /* receive the next (a Recv deletes an unused reply cap) */
    ANSWER,                           /* every word plus one, label 0, by ReplyRecv */
    ANSWER_REPLY,                     /* the same by Reply, then Recv */
    SAVE_DELETE,                      /* SaveCaller, Move, Delete, then Recv */
} mode;

/* What the server received last. */
static volatile struct {
    seL4_Word count, badge, label, length, extra, unwrapped, mr[4], last, badges[3], user_data;
    seL4_Error saved, moved, deleted;
} seen;

static volatile seL4_Word returned[THREADS];   /* thread i's system call came back */

static void server(seL4_Word unused)
{
    (void)unused;
    seL4_IPCBuffer *b = IPC(SERVER);
    seL4_Word badge, mr[4];
    seL4_MessageInfo_t info = seL4_RecvWithMRs(SLOT_EP, &badge, &mr[0], &mr[1], &mr[2], &mr[3]);
    for (;;) {
        seL4_Word n = seL4_MessageInfo_get_length(info);
        seen.badge = badge;
        seen.label = seL4_MessageInfo_get_label(info);
        seen.length = n;
        seen.extra = seL4_MessageInfo_get_extraCaps(info);
        seen.unwrapped = seL4_MessageInfo_get_capsUnwrapped(info);
        for (int i = 0; i < 4; i++)
            seen.mr[i] = mr[i];
        seen.last = n == 0 ? 0 : n <= 4 ? mr[n - 1] : b->msg[n - 1];
        for (int i = 0; i < 3; i++)
            seen.badges[i] = b->caps_or_badges[i];
        seen.user_data = b->userData;
        seen.count++;
        if (mode == ANSWER || mode == ANSWER_REPLY) {
            for (seL4_Word i = 0; i < n; i++)
                if (i < 4)
                    mr[i]++;
                else
                    b->msg[i]++;
            seL4_MessageInfo_t answer = seL4_MessageInfo_new(0, 0, 0, n);
            if (mode == ANSWER) {
                info = seL4_ReplyRecvWithMRs(SLOT_EP, answer, &badge, &mr[0], &mr[1], &mr[2],
                                             &mr[3]);
                continue;
            }
            seL4_ReplyWithMRs(answer, &mr[0], &mr[1], &mr[2], &mr[3]);
        } else if (mode == SAVE_DELETE) {
            seen.saved = seL4_CNode_SaveCaller(SLOT_CNODE, SLOT_SAVED, 64);
            /* Move's source CNode is an extra cap, and the stub writes it to the buffer the
             * program's one pointer names (the root's): the kernel reads this thread's. */
            b->caps_or_badges[0] = SLOT_CNODE;
            seen.moved = seL4_CNode_Move(SLOT_CNODE, SLOT_MOVED, 64, SLOT_CNODE, SLOT_SAVED, 64);
            seen.deleted = seL4_CNode_Delete(SLOT_CNODE, SLOT_MOVED, 64);
        }
        info = seL4_RecvWithMRs(SLOT_EP, &badge, &mr[0], &mr[1], &mr[2], &mr[3]);
    }
}

/* ---- The threads that make one system call each ---- */

/* Recv through a cap without Read: a cap fault, so the kernel stops the thread. */
static void recv_no_read(seL4_Word i)
{
    seL4_Word badge;
    seL4_RecvWithMRs(SLOT_EP, &badge, 0, 0, 0, 0);
    returned[i] = 1;
    seL4_TCB_Suspend(SLOT_TCB);
}

/* A Call with label 13 + i through the thread's slot 2. */
static void caller(seL4_Word i)
{
    seL4_Word mr0 = i;
    seL4_CallWithMRs(SLOT_EP, seL4_MessageInfo_new(13 + i - NO_GRANT, 0, 0, 1), &mr0, 0, 0, 0);
    returned[i] = 1;
    seL4_TCB_Suspend(SLOT_TCB);
}

/* ---- The root's side ---- */

static struct thread t[THREADS];
static seL4_CPtr scratch;             /* an empty slot of the root's, for what it takes out */

/* Take the cap out of the server's receive slot into `scratch`: NoError if there was one. */
static seL4_Error take_received(void)
{
    return seL4_CNode_Move(seL4_CapInitThreadCNode, scratch, 64, t[SERVER].cnode, SLOT_RECEIVE,
                           4);
}

/* A Call that also returns x0, which seL4_Call does not show: the badge of a reply, 0. */
static seL4_MessageInfo_t call(seL4_CPtr ep, seL4_MessageInfo_t info, seL4_Word *x0)
{
    seL4_Word mr[4] = { seL4_GetMR(0), seL4_GetMR(1), seL4_GetMR(2), seL4_GetMR(3) };
    seL4_arch_sys_send_recv_(seL4_SysCall, ep, x0, info.words[0], &info.words[0], &mr[0], &mr[1],
                             &mr[2], &mr[3]);
    for (int i = 0; i < 4; i++)
        seL4_SetMR(i, mr[i]);
    return info;
}

/* NBRecv with x1 set to something else than 0 on the way in: what x0 and x1 say after. */
static void nb_recv(seL4_CPtr ep, seL4_Word *x0_out, seL4_Word *x1_out)
{
    register seL4_Word x0 __asm__("x0") = ep;
    register seL4_Word x1 __asm__("x1") = 0x1234;
    register seL4_Word x7 __asm__("x7") = (seL4_Word)seL4_SysNBRecv;
    __asm__ volatile("svc #0" : "+r"(x0), "+r"(x1) : "r"(x7)
                     : "x2", "x3", "x4", "x5", "memory");
    *x0_out = x0;
    *x1_out = x1;
}

static const char *answered(unsigned i)
{
    return returned[i] ? "got an answer" : "got no answer";
}

int main(const char *arg)
{
    (void)arg;
    seL4_CPtr root = seL4_CapInitThreadCNode;
    threads_init("ipctest");
    seL4_CPtr ep = make(seL4_EndpointObject, 0), other = make(seL4_EndpointObject, 0);
    seL4_CPtr doomed = make(seL4_EndpointObject, 0), frame = make(seL4_ARM_SmallPageObject, 0);
    scratch = next_slot++;
    /* Caps to the one endpoint, each with rights and a badge of its own. */
    struct { seL4_CPtr slot; seL4_CapRights_t rights; seL4_Word badge; } caps[] = {
        { 0, seL4_AllRights, 5 },                     /* 0: everything */
        { 0, seL4_CanWrite, 6 },                      /* 1: Write only */
        { 0, seL4_CapRights_new(1, 0, 0, 1), 7 },     /* 2: Write and GrantReply */
        { 0, seL4_CanRead, 8 },                       /* 3: Read only */
        { 0, seL4_AllRights, 9 },                     /* 4: to be sent, and unwrapped */
        { 0, seL4_CapRights_new(1, 1, 0, 1), 10 },    /* 5, 6: for two callers */
        { 0, seL4_CapRights_new(1, 1, 0, 1), 11 },
    };
    seL4_Error e = ep && other && doomed && frame ? seL4_NoError : seL4_NotEnoughMemory;
    for (unsigned i = 0; !e && i < sizeof caps / sizeof *caps; i++)
        e = seL4_CNode_Mint(root, caps[i].slot = next_slot++, 64, root, ep, 64, caps[i].rights,
                            caps[i].badge);
    seL4_CPtr b5 = caps[0].slot, w6 = caps[1].slot, gr7 = caps[2].slot, r8 = caps[3].slot;
    seL4_CPtr b9 = caps[4].slot;
    /* Each thread's slot 2: the server the endpoint's own cap, the others what they try. */
    void (*entry[THREADS])(seL4_Word) = { server, recv_no_read, caller, caller, caller,
                                          recv_no_read };
    seL4_CPtr given[THREADS] = { ep, w6, w6, caps[5].slot, caps[6].slot, doomed };
    for (unsigned i = 0; !e && i < THREADS; i++) {
        e = thread_new(&t[i], i, entry[i], i, prio[i]);
        if (!e)
            e = seL4_CNode_Copy(t[i].cnode, SLOT_EP, 4, root, given[i], 64, seL4_AllRights);
    }
    /* Where a cap sent to the server goes: slot 4 of the CNode in its slot 3. */
    IPC(SERVER)->receiveCNode = SLOT_CNODE;
    IPC(SERVER)->receiveIndex = SLOT_RECEIVE;
    IPC(SERVER)->receiveDepth = 64;
    IPC(SERVER)->userData = 0x5555;
    if (!e)
        e = seL4_TCB_Resume(t[SERVER].tcb);
    if (!e)
        e = seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, ROOT_PRIO);
    if (e) {
        printf("ipctest: setting up: %s\n", error_name(e));
        return 1;
    }
    printf("ipctest: the server waits at priority %lu; this thread runs at %d\n", prio[SERVER],
           ROOT_PRIO);
    seL4_Word frame_pa = seL4_ARM_Page_GetAddress(frame).paddr;

    /* ANCHOR: ipctest_caps */
    mode = RECEIVE;
    seL4_SetMR(0, 11);
    seL4_SetMR(1, 22);
    seL4_Send(b5, seL4_MessageInfo_new(0x33, 0, 0, 2));
    printf("ipctest: badge: the server got badge %lu, label 0x%lx, %lu words: %lu %lu\n",
           seen.badge, seen.label, seen.length, seen.mr[0], seen.mr[1]);

    seL4_SetCap(0, frame);
    seL4_Send(w6, seL4_MessageInfo_new(1, 0, 1, 0));
    e = take_received();
    printf("ipctest: a cap sent without Grant: badge %lu, extraCaps %lu, receive slot %s\n",
           seen.badge, seen.extra, e ? "empty" : "filled");

    seL4_SetCap(0, frame);
    seL4_Send(b5, seL4_MessageInfo_new(2, 0, 1, 0));
    e = take_received();
    printf("ipctest: a cap sent with Grant: extraCaps %lu, capsUnwrapped 0x%lx, receive slot: "
           "%s\n", seen.extra, seen.unwrapped, e ? "empty" :
           seL4_ARM_Page_GetAddress(scratch).paddr == frame_pa ? "the frame" : "another cap");
    seL4_CNode_Delete(root, scratch, 64);

    seL4_SetCap(0, b9);
    seL4_Send(b5, seL4_MessageInfo_new(3, 0, 1, 0));
    e = take_received();
    printf("ipctest: a badged cap to the same endpoint: extraCaps %lu, capsUnwrapped 0x%lx, "
           "badge %lu, receive slot %s\n", seen.extra, seen.unwrapped, seen.badges[0],
           e ? "empty" : "filled");

    seL4_SetCap(0, frame);
    seL4_SetCap(1, b9);
    seL4_SetCap(2, frame);
    seL4_Send(b5, seL4_MessageInfo_new(4, 0, 3, 0));
    e = take_received();
    printf("ipctest: three caps, one receive slot: extraCaps %lu, capsUnwrapped 0x%lx, badge %lu, "
           "receive slot: %s\n", seen.extra, seen.unwrapped, seen.badges[1], e ? "empty" :
           seL4_ARM_Page_GetAddress(scratch).paddr == frame_pa ? "the frame" : "another cap");
    seL4_CNode_Delete(root, scratch, 64);
    /* ANCHOR_END: ipctest_caps */

    for (int i = 0; i < seL4_MsgMaxLength; i++)
        seL4_SetMR(i, 1000 + i);
    seL4_Send(b5, seL4_MessageInfo_new(5, 0, 0, 121));
    printf("ipctest: 121 words sent: %lu arrived, the last %lu\n", seen.length, seen.last);
    seL4_Send(b5, seL4_MessageInfo_new(6, 0, 0, 127));
    printf("ipctest: 127 words sent: %lu arrived, the last %lu; the server's userData 0x%lx\n",
           seen.length, seen.last, seen.user_data);

    seL4_Word x0 = 99;
    mode = ANSWER;
    seL4_SetMR(0, 41);
    seL4_MessageInfo_t info = call(b5, seL4_MessageInfo_new(7, 0, 0, 1), &x0);
    printf("ipctest: Call: the server got badge %lu, label %lu; the answer: label %lu, %lu word "
           "%lu, x0 %lu\n", seen.badge, seen.label, seL4_MessageInfo_get_label(info),
           seL4_MessageInfo_get_length(info), seL4_GetMR(0), x0);

    mode = ANSWER_REPLY;
    for (int i = 0; i < 10; i++)
        seL4_SetMR(i, 100 + i);
    info = call(b5, seL4_MessageInfo_new(8, 0, 0, 10), &x0);
    unsigned plus_one = 0;
    for (int i = 0; i < 10; i++)
        plus_one += seL4_GetMR(i) == (seL4_Word)(101 + i);
    printf("ipctest: Call with 10 words, answered by Reply: %lu words came back, %u of them "
           "one more\n", seL4_MessageInfo_get_length(info), plus_one);

    mode = ANSWER;
    seL4_SetCap(0, frame);
    seL4_SetMR(0, 1);
    info = call(gr7, seL4_MessageInfo_new(9, 0, 1, 1), &x0);
    seL4_Word mr0 = seL4_GetMR(0);     /* before the Move, whose error would overwrite it */
    e = take_received();
    printf("ipctest: Call on a cap with GrantReply, not Grant: badge %lu, extraCaps %lu, receive "
           "slot %s; the answer: label %lu, %lu\n", seen.badge, seen.extra, e ? "empty" : "filled",
           seL4_MessageInfo_get_label(info), mr0);

    seL4_Word count = seen.count;
    seL4_Send(r8, seL4_MessageInfo_new(10, 0, 0, 0));
    info = call(r8, seL4_MessageInfo_new(10, 0, 0, 0), &x0);
    printf("ipctest: a cap without Write: Send does nothing, Call answers %s %lu; the server got "
           "%lu messages\n", error_name(seL4_MessageInfo_get_label(info)), seL4_GetMR(0),
           seen.count - count);

    seL4_Word x1;
    nb_recv(ep, &x0, &x1);
    printf("ipctest: NBRecv with nothing pending: x0 0x%lx, x1 0x%lx\n", x0, x1);

    mode = RECEIVE;
    seL4_SetMR(0, 0);
    seL4_NBSend(other, seL4_MessageInfo_new(11, 0, 0, 1));
    nb_recv(other, &x0, &x1);
    seL4_NBSend(b5, seL4_MessageInfo_new(12, 0, 0, 1));
    printf("ipctest: NBSend with no receiver: dropped (NBRecv then: x1 0x%lx); to a waiting "
           "receiver: delivered (label %lu)\n", x1, seen.label);

    seL4_TCB_Resume(t[NO_READ].tcb);
    printf("ipctest: Recv on a cap without Read (priority %lu): %s\n", prio[NO_READ],
           returned[NO_READ] ? "it returned" : "it never returned");

    mode = SAVE_DELETE;
    seL4_TCB_Resume(t[NO_GRANT].tcb);
    printf("ipctest: Call on a cap without Grant or GrantReply: the server got badge %lu, label "
           "%lu; SaveCaller %s, Move %s; the caller (priority %lu) %s\n", seen.badge, seen.label,
           error_name(seen.saved), error_name(seen.moved), prio[NO_GRANT], answered(NO_GRANT));

    mode = RECEIVE;
    seL4_TCB_Resume(t[DROPPED].tcb);
    printf("ipctest: the server received again instead of replying (badge %lu): the caller "
           "(priority %lu) %s\n", seen.badge, prio[DROPPED], answered(DROPPED));

    mode = SAVE_DELETE;
    seL4_TCB_Resume(t[SAVED].tcb);
    printf("ipctest: the server saved its reply cap (%s), moved it (%s) and deleted it (%s): "
           "the caller (priority %lu) %s\n", error_name(seen.saved), error_name(seen.moved),
           error_name(seen.deleted), prio[SAVED], answered(SAVED));

    seL4_TCB_Resume(t[WAITER].tcb);
    printf("ipctest: a thread (priority %lu) waits on an endpoint; its cap and ours are deleted\n",
           prio[WAITER]);
    seL4_CNode_Delete(t[WAITER].cnode, SLOT_EP, 4);
    seL4_CNode_Delete(root, doomed, 64);
    printf("ipctest: the endpoint is gone: the waiter ran its Recv again and %s\n",
           returned[WAITER] ? "returned" : "never returned");
    printf("ipctest: done\n");
    return 0;
}
