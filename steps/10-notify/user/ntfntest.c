/*
 * ntfntest.c: `run ntfntest` tries seL4's notification rules one at a time and prints one line
 * per case: two badged Signals then one Wait (one word, both bits), Poll with nothing pending,
 * a thread blocked in Wait woken by a Signal, rights (Signal needs Write), a thread bound to
 * the notification that waits on an endpoint, and a notification deleted under a waiter.
 * test.py (step 10) compares the lines with what seL4 does.
 *
 * As in ipctest.c, the root lowers itself to priority 50, below every thread it makes, so a
 * thread it wakes runs at once, up to its next block, before the root goes on.
 */
#include "ulib.h"

/* ---- Making threads: objects from the untyped, as ipctest.c does ---- */

static seL4_CPtr ut, next_slot;

static seL4_CPtr make(seL4_Word type, seL4_Word size_bits)
{
    seL4_CPtr slot = next_slot++;
    seL4_Error e = seL4_Untyped_Retype(ut, type, size_bits, seL4_CapInitThreadCNode, 0, 0,
                                       slot, 1);
    if (e)
        printf("ntfntest: retype of type %lu: %s\n", type, error_name(e));
    return e ? 0 : slot;
}
/* Map a frame read-write in the root's address space, making page tables as needed. */
static seL4_Error map(seL4_CPtr frame, seL4_Word va)
{
    for (;;) {
        seL4_Error e = seL4_ARM_Page_Map(frame, seL4_CapInitThreadVSpace, va, seL4_ReadWrite,
                                         seL4_ARM_Default_VMAttributes | seL4_ARM_ExecuteNever);
        if (e != seL4_FailedLookup)
            return e;
        seL4_CPtr pt = make(seL4_ARM_PageTableObject, 0);
        if (!pt || (e = seL4_ARM_PageTable_Map(pt, seL4_CapInitThreadVSpace, va,
                                               seL4_ARM_Default_VMAttributes)))
            return pt ? e : seL4_NotEnoughMemory;
    }
}

/* Thread i's memory: a guard page, its stack, a guard page, its IPC buffer. */
#define THREAD_VA(i)   (0x10000000UL + (seL4_Word)(i) * 0x4000)
#define STACK_TOP(i)   (THREAD_VA(i) + 0x2000)
#define IPC_VA(i)      (THREAD_VA(i) + 0x3000)
#define IPC(i)         ((seL4_IPCBuffer *)IPC_VA(i))

/* Slots of a thread's CNode (16 slots; a cptr is read with depth 64 through its guard). */
#define SLOT_TCB   1
#define SLOT_EP    2                  /* the cap the thread waits on */
#define SLOT_CNODE 3

struct thread {
    seL4_CPtr tcb, cnode;
};

/* Thread i, stopped: its TCB, CNode (slots 1 and 3 filled), stack and IPC buffer; it will
 * start at entry(arg) at priority prio when resumed. */
static seL4_Error thread_new(struct thread *t, unsigned i, void (*entry)(seL4_Word),
                             seL4_Word arg, seL4_Word prio)
{
    seL4_CPtr root = seL4_CapInitThreadCNode;
    t->tcb = make(seL4_TCBObject, 0);
    t->cnode = make(seL4_CapTableObject, 4);
    seL4_CPtr stack = make(seL4_ARM_SmallPageObject, 0);
    seL4_CPtr ipc = make(seL4_ARM_SmallPageObject, 0);
    if (!t->tcb || !t->cnode || !stack || !ipc)
        return seL4_NotEnoughMemory;
    seL4_Word guard = seL4_CNode_CapData_new(0, 64 - 4).words[0];
    seL4_UserContext regs = { .pc = (seL4_Word)entry, .sp = STACK_TOP(i), .x0 = arg,
                              .tpidr_el0 = IPC_VA(i) };   /* its IPC buffer (sel4/functions.h) */
    seL4_Error e = map(stack, STACK_TOP(i) - 4096);
    if (!e)
        e = map(ipc, IPC_VA(i));
    if (!e)
        e = seL4_CNode_Copy(t->cnode, SLOT_TCB, 4, root, t->tcb, 64, seL4_AllRights);
    if (!e)
        e = seL4_CNode_Mint(t->cnode, SLOT_CNODE, 4, root, t->cnode, 64, seL4_AllRights, guard);
    if (!e)
        e = seL4_TCB_Configure(t->tcb, 0, t->cnode, guard, seL4_CapInitThreadVSpace, 0,
                               IPC_VA(i), ipc);
    if (!e)
        e = seL4_TCB_SetPriority(t->tcb, seL4_CapInitThreadTCB, prio);
    if (!e)
        e = seL4_TCB_WriteRegisters(t->tcb, 0, 0, sizeof regs / sizeof(seL4_Word), &regs);
    return e;
}

/* The threads, by number: two waiters on the notification, a bound thread that waits on an
 * endpoint, and a waiter whose notification is deleted. */
enum { WAITER, WAITER2, BOUND, DOOMED, THREADS };
static const seL4_Word prio[THREADS] = { 90, 80, 70, 61 };
#define ROOT_PRIO 50

/* What each thread received last, and how many times. */
static volatile struct {
    seL4_Word count, badge, label, length;
} seen[THREADS];

static void waiter(seL4_Word i)
{
    for (;;) {
        seL4_Word badge = 0;
        seL4_Wait(SLOT_EP, &badge);
        seen[i].badge = badge;
        seen[i].count++;
    }
}

static void receiver(seL4_Word i)
{
    for (;;) {
        seL4_Word badge = 0;
        seL4_MessageInfo_t info = seL4_Recv(SLOT_EP, &badge);
        seen[i].badge = badge;
        seen[i].label = seL4_MessageInfo_get_label(info);
        seen[i].length = seL4_MessageInfo_get_length(info);
        seen[i].count++;
    }
}

static struct thread t[THREADS];

int main(const char *arg)
{
    (void)arg;
    seL4_CPtr root = seL4_CapInitThreadCNode;
    next_slot = bootinfo->empty.start;
    ut = bootinfo->untyped.start;
    seL4_CPtr ntfn = make(seL4_NotificationObject, 0), bound = make(seL4_NotificationObject, 0);
    seL4_CPtr doomed = make(seL4_NotificationObject, 0), ep = make(seL4_EndpointObject, 0);
    /* Caps to the first notification, with badges 0x1 and 0x2 and all rights; one with badge
     * 0x4 and Write only; one with badge 0x8 and Read only. */
    struct { seL4_CPtr slot; seL4_CapRights_t rights; seL4_Word badge; } caps[] = {
        { 0, seL4_AllRights, 0x1 },
        { 0, seL4_AllRights, 0x2 },
        { 0, seL4_CanWrite, 0x4 },
        { 0, seL4_CanRead, 0x8 },
    };
    seL4_Error e = ntfn && bound && doomed && ep ? seL4_NoError : seL4_NotEnoughMemory;
    for (unsigned i = 0; !e && i < sizeof caps / sizeof *caps; i++)
        e = seL4_CNode_Mint(root, caps[i].slot = next_slot++, 64, root, ntfn, 64, caps[i].rights,
                            caps[i].badge);
    seL4_CPtr b1 = caps[0].slot, b2 = caps[1].slot, w4 = caps[2].slot, r8 = caps[3].slot;
    seL4_CPtr bound16 = next_slot++;
    if (!e)
        e = seL4_CNode_Mint(root, bound16, 64, root, bound, 64, seL4_AllRights, 0x10);
    void (*entry[THREADS])(seL4_Word) = { waiter, waiter, receiver, waiter };
    seL4_CPtr given[THREADS] = { ntfn, ntfn, ep, doomed };
    for (unsigned i = 0; !e && i < THREADS; i++) {
        e = thread_new(&t[i], i, entry[i], i, prio[i]);
        if (!e)
            e = seL4_CNode_Copy(t[i].cnode, SLOT_EP, 4, root, given[i], 64, seL4_AllRights);
    }
    if (!e)
        e = seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, ROOT_PRIO);
    if (e) {
        printf("ntfntest: setting up: %s\n", error_name(e));
        return 1;
    }
    printf("ntfntest: three notifications and an endpoint; this thread runs at %d\n", ROOT_PRIO);

    /* ANCHOR: ntfntest_word */
    seL4_Word word = 0;
    seL4_Signal(b1);
    seL4_Signal(b2);
    seL4_Wait(ntfn, &word);
    printf("ntfntest: Signal with badges 0x1 and 0x2, then Wait: the word 0x%lx\n", word);

    word = 1;
    seL4_MessageInfo_t info = seL4_Poll(ntfn, &word);
    printf("ntfntest: Poll with nothing pending: the word 0x%lx, message info 0x%lx\n", word,
           info.words[0]);

    seL4_Signal(w4);
    seL4_Signal(w4);
    seL4_Poll(ntfn, &word);
    printf("ntfntest: two Signals with badge 0x4 (Write only), then Poll: the word 0x%lx\n",
           word);
    /* ANCHOR_END: ntfntest_word */

    /* ANCHOR: ntfntest_waiters */
    seL4_TCB_Resume(t[WAITER].tcb);
    seL4_TCB_Resume(t[WAITER2].tcb);
    printf("ntfntest: two threads wait (priorities %lu, %lu): received %lu and %lu times\n",
           prio[WAITER], prio[WAITER2], seen[WAITER].count, seen[WAITER2].count);
    seL4_Signal(b2);
    printf("ntfntest: Signal with badge 0x2: the first waiter got 0x%lx (%lu), the second "
           "%lu signals\n", seen[WAITER].badge, seen[WAITER].count, seen[WAITER2].count);
    seL4_Signal(b1);
    printf("ntfntest: Signal with badge 0x1: the second waiter got 0x%lx (%lu)\n",
           seen[WAITER2].badge, seen[WAITER2].count);

    seL4_Signal(r8);
    seL4_MessageInfo_t answer = seL4_Call(r8, seL4_MessageInfo_new(0, 0, 0, 0));
    printf("ntfntest: Signal and Call on a cap without Write: the waiters got %lu and %lu "
           "signals; Call answers %s %lu\n", seen[WAITER].count, seen[WAITER2].count,
           error_name(seL4_MessageInfo_get_label(answer)), seL4_GetMR(0));
    seL4_TCB_Suspend(t[WAITER].tcb);
    seL4_TCB_Suspend(t[WAITER2].tcb);
    seL4_Signal(b1);
    seL4_Poll(ntfn, &word);
    printf("ntfntest: both waiters suspended, Signal 0x1 then Poll: the word 0x%lx, the waiters "
           "got %lu and %lu signals\n", word, seen[WAITER].count, seen[WAITER2].count);
    /* ANCHOR_END: ntfntest_waiters */

    /* ANCHOR: ntfntest_bound */
    e = seL4_TCB_BindNotification(t[BOUND].tcb, bound);
    seL4_Error again = seL4_TCB_BindNotification(t[BOUND].tcb, ntfn);
    seL4_TCB_Resume(t[BOUND].tcb);
    printf("ntfntest: BindNotification %s, again %s; the bound thread waits on an endpoint\n",
           error_name(e), error_name(again));
    seL4_Signal(bound16);
    printf("ntfntest: Signal of its notification (0x10): it got badge 0x%lx, label %lu, "
           "length %lu (%lu)\n", seen[BOUND].badge, seen[BOUND].label, seen[BOUND].length,
           seen[BOUND].count);
    seL4_SetMR(0, 7);
    seL4_Send(ep, seL4_MessageInfo_new(3, 0, 0, 1));
    printf("ntfntest: a message on the endpoint: badge 0x%lx, label %lu, length %lu (%lu)\n",
           seen[BOUND].badge, seen[BOUND].label, seen[BOUND].length, seen[BOUND].count);
    e = seL4_TCB_UnbindNotification(t[BOUND].tcb);
    again = seL4_TCB_UnbindNotification(t[BOUND].tcb);
    seL4_Signal(bound16);
    seL4_Poll(bound, &word);
    printf("ntfntest: UnbindNotification %s, again %s; a Signal then stays pending: Poll 0x%lx "
           "(%lu)\n", error_name(e), error_name(again), word, seen[BOUND].count);
    /* A signal pending before the Recv: the Recv (here an NBRecv) returns it at once. */
    e = seL4_TCB_BindNotification(seL4_CapInitThreadTCB, bound);
    seL4_Signal(bound16);
    seL4_Word badge = 0;
    info = seL4_NBRecv(ep, &badge);
    again = seL4_TCB_UnbindNotification(seL4_CapInitThreadTCB);
    printf("ntfntest: this thread bound (%s), signalled, NBRecv on the endpoint: badge 0x%lx, "
           "label %lu, length %lu; unbound (%s)\n", error_name(e), badge,
           seL4_MessageInfo_get_label(info), seL4_MessageInfo_get_length(info),
           error_name(again));
    /* ANCHOR_END: ntfntest_bound */

    /* ANCHOR: ntfntest_delete */
    seL4_TCB_Resume(t[DOOMED].tcb);
    printf("ntfntest: a thread (priority %lu) waits on a notification; its cap and ours are "
           "deleted\n", prio[DOOMED]);
    seL4_CNode_Delete(t[DOOMED].cnode, SLOT_EP, 4);
    seL4_CNode_Delete(root, doomed, 64);
    printf("ntfntest: the notification is gone: the waiter ran its Wait again and %s\n",
           seen[DOOMED].count ? "returned" : "never returned");
    /* ANCHOR_END: ntfntest_delete */
    printf("ntfntest: done\n");
    return 0;
}
