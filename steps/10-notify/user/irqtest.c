/*
 * irqtest.c: a root task (booted as init: make build STEP=10 INIT=build/10-notify/user/
 * irqtest.elf) that tries seL4's interrupt rules one at a time and prints one line per case:
 * which lines IRQControl_Get refuses and why (the kernel's own, one already claimed, one
 * out of range, a full slot), IRQHandler_SetNotification's rights, an interrupt delivered
 * exactly once per Ack however often the device raises it, an interrupt that reaches a server
 * through its bound notification while it answers a Call (the IPC fastpath must leave that
 * ReplyRecv to the slowpath), IRQHandler_Clear, and a line freed by deleting its last
 * IRQHandler cap and claimed again.
 * test.py (step 10) compares the lines with what seL4 does.
 *
 * The device is the BCM2835 system timer, whose compare 1 raises irq 33 when the counter
 * reaches it, and holds it raised until the match bit is cleared (BCM2835 ARM Peripherals,
 * chapter 12). As the root task it holds IRQControl, which cannot be copied (so a program the
 * console starts could not try IRQControl_Get), and the device untypeds of the peripherals the
 * kernel does not keep; it makes a frame of the timer's page and maps it.
 *
 * As in ntfntest.c, this thread lowers itself to priority 50, below its three threads: a
 * driver (90) that waits on the notification the line signals and counts what it receives, a
 * bystander (80) that waits on another notification, and a server (70) that answers Calls on
 * an endpoint and is bound to a third notification. A thread woken by an interrupt runs at
 * once, before this thread goes on.
 */
#include "threads.h"

/* ANCHOR: irqtest_timer */
#define IRQ_TIMER       1             /* the kernel's tick (irq.h's numbers) */
#define IRQ_CASCADE     8             /* the BCM2835 controller's line into the core */
#define IRQ_COMPARE1    33            /* system timer compare 1 */
#define IRQ_COMPARE2    34
#define IRQ_LINES       96            /* lines 0..95 */

#define ST_PAGE         0x3F003000UL  /* the system timer's registers */
#define ST_VA           0x20000000UL  /* where this program maps them */
#define ST_CS           0x00          /* control/status: bit n, compare n matched (1 clears) */
#define ST_CLO          0x04          /* the counter's low 32 bits: microseconds */
#define ST_C1           0x10          /* compare 1 */
#define CS_MATCH1       (1u << 1)
#define MATCH_US        100           /* compare 1 set this far ahead: 100,000 instructions */

static volatile uint32_t *st(unsigned offset)
{
    return (volatile uint32_t *)(ST_VA + offset);
}

/* Stop asserting the line: clear compare 1's match bit. */
static void clear_match(void)
{
    *st(ST_CS) = CS_MATCH1;
}

/* Make compare 1 match in MATCH_US, wait until it has, and yield: an interrupt the match
 * raised, if the line is unmasked, has been taken when Yield returns (the kernel takes it on
 * its way out), so the driver has counted it. The match bit stays set: the line stays
 * raised until clear_match. */
static void match(void)
{
    clear_match();
    *st(ST_C1) = *st(ST_CLO) + MATCH_US;
    while (!(*st(ST_CS) & CS_MATCH1))
        ;
    seL4_Yield();
}

/* The timer's page, a frame from the device untyped around it (threads.c), mapped at ST_VA
 * (uncached: the kernel maps a device frame as Device memory). */
static seL4_Error map_timer(void)
{
    seL4_CPtr frame = device_frame(ST_PAGE);
    return frame ? map(frame, ST_VA) : seL4_FailedLookup;
}
/* ANCHOR_END: irqtest_timer */

/* ANCHOR: irqtest_threads */
enum { DRIVER, BYSTANDER, SERVER, THREADS };
static const seL4_Word prio[THREADS] = { 90, 80, 70 };
#define ROOT_PRIO   50
#define SLOT_NTFN   2                 /* in each thread's CNode: what it waits on (the server:
                                         its endpoint) */
#define LABEL_SPIN  1                 /* a Call to the server: wait for compare 1's match */
#define BADGE_BOUND 0x80              /* the server's notification, as the line signals it */

/* What each thread received last, and how many times. */
static volatile struct {
    seL4_Word count, badge;
} seen[THREADS];

static void waiter(seL4_Word i)
{
    for (;;) {
        seL4_Word badge = 0;
        seL4_Wait(SLOT_NTFN, &badge);
        seen[i].badge = badge;
        seen[i].count++;
    }
}

/* The server: answers each Call with ReplyRecv. A Call labelled LABEL_SPIN makes it poll the
 * timer, in user mode, until compare 1 matches: the interrupt comes while it runs, and its
 * bound notification becomes Active. Its ReplyRecv must then reply and return the signal at
 * once (a Recv with a signal pending): the fastpath, which would block it on the endpoint,
 * has to leave this one to the slowpath. It counts the signals its Recv returns. */
static void server(seL4_Word i)
{
    seL4_Word badge = 0;
    seL4_MessageInfo_t info = seL4_Recv(SLOT_NTFN, &badge);
    for (;;) {
        if (badge == BADGE_BOUND) {
            seen[i].badge = badge;
            seen[i].count++;
        } else if (seL4_MessageInfo_get_label(info) == LABEL_SPIN) {
            while (!(*st(ST_CS) & CS_MATCH1))
                ;
        }
        info = seL4_ReplyRecv(SLOT_NTFN, seL4_MessageInfo_new(0, 0, 0, 0), &badge);
    }
}
/* ANCHOR_END: irqtest_threads */

static struct thread t[THREADS];

/* IRQControl_Get of `irq` into slot `slot` of this program's CNode. */
static seL4_Error get(seL4_Word irq, seL4_CPtr slot)
{
    return seL4_IRQControl_Get(seL4_CapIRQControl, irq, seL4_CapInitThreadCNode, slot, 64);
}

int main(const char *arg)
{
    (void)arg;
    seL4_CPtr root = seL4_CapInitThreadCNode;
    threads_init("irqtest");
    seL4_Error e = map_timer();
    if (e) {
        printf("irqtest: the system timer's page: %s\n", error_name(e));
        return 1;
    }
    clear_match();
    seL4_CPtr ntfn = make(seL4_NotificationObject, 0), other = make(seL4_NotificationObject, 0);
    seL4_CPtr bound = make(seL4_NotificationObject, 0), ep = make(seL4_EndpointObject, 0);
    seL4_CPtr badge20 = next_slot++, badge40 = next_slot++, read_only = next_slot++;
    seL4_CPtr badge80 = next_slot++;
    e = ntfn && other && bound && ep ? seL4_NoError : seL4_NotEnoughMemory;
    if (!e)
        e = seL4_CNode_Mint(root, badge20, 64, root, ntfn, 64, seL4_AllRights, 0x20);
    if (!e)
        e = seL4_CNode_Mint(root, badge40, 64, root, ntfn, 64, seL4_AllRights, 0x40);
    if (!e)
        e = seL4_CNode_Mint(root, read_only, 64, root, ntfn, 64, seL4_CanRead, 0x20);
    if (!e)
        e = seL4_CNode_Mint(root, badge80, 64, root, bound, 64, seL4_AllRights, BADGE_BOUND);
    seL4_CPtr given[THREADS] = { ntfn, other, ep };
    for (unsigned i = 0; !e && i < THREADS; i++) {
        e = thread_new(&t[i], i, i == SERVER ? server : waiter, i, prio[i]);
        if (!e)
            e = seL4_CNode_Copy(t[i].cnode, SLOT_NTFN, 4, root, given[i], 64, seL4_CanRead);
    }
    if (!e)
        e = seL4_TCB_BindNotification(t[SERVER].tcb, bound);
    if (!e)
        e = seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, ROOT_PRIO);
    if (e) {
        printf("irqtest: setting up: %s\n", error_name(e));
        return 1;
    }
    for (unsigned i = 0; i < THREADS; i++)
        seL4_TCB_Resume(t[i].tcb);
    printf("irqtest: a driver (priority %lu) waits on a notification, a bystander (%lu) on "
           "another, a server (%lu) on an endpoint; this thread runs at %d\n", prio[DRIVER],
           prio[BYSTANDER], prio[SERVER], ROOT_PRIO);

    /* ANCHOR: irqtest_get */
    seL4_CPtr handler = next_slot++, spare = next_slot++;
    printf("irqtest: IRQControl_Get of irq %d (the kernel's tick): %s\n", IRQ_TIMER,
           error_name(get(IRQ_TIMER, handler)));
    printf("irqtest: IRQControl_Get of irq %d (the cascade from the BCM2835 controller): %s\n",
           IRQ_CASCADE, error_name(get(IRQ_CASCADE, handler)));
    e = get(IRQ_LINES, handler);
    printf("irqtest: IRQControl_Get of irq %d: %s %lu..%lu\n", IRQ_LINES, error_name(e),
           seL4_GetMR(0), seL4_GetMR(1));
    e = get(IRQ_COMPARE1, handler);
    printf("irqtest: IRQControl_Get of irq %d (system timer compare 1): %s\n", IRQ_COMPARE1,
           error_name(e));
    if (e) {
        printf("irqtest: irq %d is not ours: stopped\n", IRQ_COMPARE1);
        return 1;
    }
    printf("irqtest: IRQControl_Get of irq %d again, to another slot: %s\n", IRQ_COMPARE1,
           error_name(get(IRQ_COMPARE1, spare)));
    printf("irqtest: IRQControl_Get of irq %d to the slot that holds irq %d's: %s\n",
           IRQ_COMPARE2, IRQ_COMPARE1, error_name(get(IRQ_COMPARE2, handler)));
    e = seL4_IRQControl_GetTrigger(seL4_CapIRQControl, IRQ_COMPARE2, 0, root, spare, 64);
    printf("irqtest: IRQControl_GetTrigger of irq %d: %s\n", IRQ_COMPARE2, error_name(e));

    e = seL4_IRQHandler_SetNotification(handler, read_only);
    seL4_Word which = seL4_GetMR(0);
    seL4_Error ok = seL4_IRQHandler_SetNotification(handler, badge20);
    printf("irqtest: IRQHandler_SetNotification with a read-only cap: %s %lu; with a cap of "
           "badge 0x20: %s\n", error_name(e), which, error_name(ok));
    /* ANCHOR_END: irqtest_get */

    /* ANCHOR: irqtest_ack */
    match();
    printf("irqtest: compare 1 matched: the driver got badge 0x%lx (%lu)\n", seen[DRIVER].badge,
           seen[DRIVER].count);
    for (int i = 0; i < 3; i++)
        match();
    printf("irqtest: 3 more matches, no Ack: the driver got %lu signals\n", seen[DRIVER].count);
    e = seL4_IRQHandler_Ack(handler);
    printf("irqtest: Ack (%s), the last match still pending: the driver got %lu signals\n",
           error_name(e), seen[DRIVER].count);
    clear_match();
    e = seL4_IRQHandler_Ack(handler);
    match();
    printf("irqtest: the match cleared, Ack (%s), one more match: the driver got %lu signals\n",
           error_name(e), seen[DRIVER].count);
    printf("irqtest: the bystander, waiting on another notification, got %lu signals\n",
           seen[BYSTANDER].count);
    /* ANCHOR_END: irqtest_ack */

    /* ANCHOR: irqtest_bound */
    clear_match();
    e = seL4_IRQHandler_SetNotification(handler, badge80);
    seL4_IRQHandler_Ack(handler);
    *st(ST_C1) = *st(ST_CLO) + MATCH_US;
    seL4_MessageInfo_t answer = seL4_Call(ep, seL4_MessageInfo_new(LABEL_SPIN, 0, 0, 0));
    printf("irqtest: the line to the server's bound notification (%s); a Call that it answers "
           "once compare 1 has matched (label %lu): its ReplyRecv returned badge 0x%lx (%lu)\n",
           error_name(e), seL4_MessageInfo_get_label(answer), seen[SERVER].badge,
           seen[SERVER].count);
    /* ANCHOR_END: irqtest_bound */

    /* ANCHOR: irqtest_clear */
    clear_match();
    e = seL4_IRQHandler_Clear(handler);
    seL4_IRQHandler_Ack(handler);
    match();
    printf("irqtest: IRQHandler_Clear (%s), Ack, a match: the driver got %lu signals\n",
           error_name(e), seen[DRIVER].count);
    e = seL4_IRQHandler_SetNotification(handler, badge20);
    seL4_IRQHandler_Ack(handler);
    printf("irqtest: SetNotification (%s) and Ack, the match still pending: the driver got %lu "
           "signals\n", error_name(e), seen[DRIVER].count);
    /* ANCHOR_END: irqtest_clear */

    /* ANCHOR: irqtest_delete */
    clear_match();
    e = seL4_CNode_Copy(root, spare, 64, root, handler, 64, seL4_AllRights);
    ok = seL4_CNode_Delete(root, handler, 64);
    printf("irqtest: the IRQHandler cap copied (%s), the original deleted (%s): IRQControl_Get "
           "of irq %d: %s\n", error_name(e), error_name(ok), IRQ_COMPARE1,
           error_name(get(IRQ_COMPARE1, handler)));
    e = seL4_CNode_Delete(root, spare, 64);
    match();
    printf("irqtest: the copy deleted too (%s), a match: the driver got %lu signals\n",
           error_name(e), seen[DRIVER].count);
    e = get(IRQ_COMPARE1, handler);
    seL4_Yield();
    printf("irqtest: IRQControl_Get of irq %d: %s; the match still pending, and no "
           "notification set: the driver got %lu signals\n", IRQ_COMPARE1, error_name(e),
           seen[DRIVER].count);
    e = seL4_IRQHandler_SetNotification(handler, badge40);
    seL4_IRQHandler_Ack(handler);
    printf("irqtest: SetNotification with badge 0x40 (%s) and Ack: the driver got badge 0x%lx "
           "(%lu)\n", error_name(e), seen[DRIVER].badge, seen[DRIVER].count);
    clear_match();
    e = seL4_CNode_Delete(root, handler, 64);      /* irq 33 is free again */
    printf("irqtest: the IRQHandler cap deleted (%s); done\n", error_name(e));
    /* ANCHOR_END: irqtest_delete */
    return 0;
}
