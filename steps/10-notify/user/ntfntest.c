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
#include "threads.h"

#define SLOT_EP    2                  /* in each thread's CNode: the cap it waits on */

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
    threads_init("ntfntest");
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
