/*
 * sched.c: ready queues, the priority bitmap, and the choice of the next thread.
 *
 * One FIFO queue of runnable threads per priority, and a two-level bitmap that says which
 * queues are not empty, so finding the highest ready priority takes two `clz` instructions
 * whatever the number of threads. The running thread is not in any queue (seL4's rule): it
 * goes back to its queue only when it stops running while still runnable.
 *
 * Nothing here is preemptible: the kernel runs with IRQs masked. That is the whole of the
 * locking on one core.
 */
#include "sched.h"

#include <stdbool.h>
#include <stdint.h>

#include "kprintf.h"
#include "notification.h"
#include "sysregs.h"
#include "tcb.h"
#include "trap.h"
#include "vspace.h"

/* ANCHOR: sched_state_def */
/* The scheduler's state (struct scheduler, sched.h): in one place, which the IPC fastpath
 * reads too. */
struct scheduler sched;
/* ANCHOR_END: sched_state_def */

/* ANCHOR: bitmap */
static void bitmap_set(unsigned prio)
{
    sched.bitmap[prio / 64] |= UL(1) << (prio % 64);
    sched.bitmap_top |= UL(1) << (prio / 64);
}

static void bitmap_clear(unsigned prio)
{
    sched.bitmap[prio / 64] &= ~(UL(1) << (prio % 64));
    if (sched.bitmap[prio / 64] == 0)
        sched.bitmap_top &= ~(UL(1) << (prio / 64));
}

/* highest_ready() is in sched.h. */
/* ANCHOR_END: bitmap */

/* ANCHOR: queues */
/* t joins the back of its priority's queue (its turn comes after everyone's there). */
static void queue_append(struct tcb *t)
{
    struct ready_queue *q = &sched.ready[t->priority];
    t->next = 0;
    t->prev = q->tail;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
    t->queued = true;
    bitmap_set(t->priority);
}

/* t goes to the front: a thread that was preempted keeps its place in the round. */
static void queue_prepend(struct tcb *t)
{
    struct ready_queue *q = &sched.ready[t->priority];
    t->prev = 0;
    t->next = q->head;
    if (q->head)
        q->head->prev = t;
    else
        q->tail = t;
    q->head = t;
    t->queued = true;
    bitmap_set(t->priority);
}

static void queue_remove(struct tcb *t)
{
    struct ready_queue *q = &sched.ready[t->priority];
    if (t->prev)
        t->prev->next = t->next;
    else
        q->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        q->tail = t->prev;
    t->next = t->prev = 0;
    t->queued = false;
    if (!q->head)
        bitmap_clear(t->priority);
}
/* ANCHOR_END: queues */

/* ANCHOR: sched_next */
#ifdef DEBUG
static void check_invariant(void);
#else
static inline void check_invariant(void) {}
#endif

/* Decide who runs. The current thread, if it is still runnable, goes to the *front* of its
 * queue: if nothing better is ready it is picked again at once, and if it was preempted it
 * keeps its turn. (A thread whose timeslice ran out, or that yielded, is already at the
 * back.) Then the head of the highest non-empty queue runs, or the idle thread. */
static void choose_thread(void)
{
    struct tcb *cur = sched.current;

    sched.choose = false;
    if (cur->state == THREAD_RUNNING && !cur->queued)
        queue_prepend(cur);
    if (sched.bitmap_top == 0) {
        sched.current = sched.idle;
        return;
    }
    struct tcb *next = sched.ready[highest_ready()].head;
    queue_remove(next);
    sched.current = next;
}

/* Choose, and give the lower half of the address space to the chosen thread (step 07): only
 * here can the running thread change, so the exits that resume the same thread pay nothing. */
static void choose_thread_and_space(void)
{
    choose_thread();
    vspace_activate(tcb_ttbr0(sched.current));
}

/* Called on every way out of the kernel (exception.S's trap_restore gets its answer). Most
 * exits change nothing: one flag says so. A different answer than the frame the kernel was
 * entered with *is* the context switch. */
struct trap_frame *sched_next(void)
{
    if (sched.choose)
        choose_thread_and_space();
    check_invariant();
    return &sched.current->regs;
}
/* ANCHOR_END: sched_next */

/* ANCHOR: make_ready */
/* t has just become runnable: queue it, and have the next kernel exit choose again if t
 * should run instead of the current thread (anything beats the idle thread). */
static void make_ready(struct tcb *t)
{
    queue_append(t);
    if (sched.current == sched.idle || t->priority > sched.current->priority)
        sched.choose = true;
}

/* Step 09: a thread an IPC has released (a receiver that got its message, a caller that got
 * its answer) runs again. */
void sched_wake(struct tcb *t)
{
    t->state = THREAD_RUNNING;
    make_ready(t);
}
/* ANCHOR_END: make_ready */

/* ANCHOR: sched_tick */
/* Every tick is charged to the thread it interrupted. After SCHED_TIMESLICE of them, a
 * thread goes to the back of its queue with a new timeslice: its equals each get a turn
 * before it runs again. Higher priorities do not need this (they preempt at once), and
 * lower ones cannot use it (they never run while it is runnable). */
void sched_tick(void)
{
    struct tcb *cur = sched.current;

    cur->ticks_used++;
    if (cur->state != THREAD_RUNNING)
        return;                       /* the idle thread has no timeslice */
    if (--cur->timeslice > 0)
        return;
    cur->timeslice = SCHED_TIMESLICE;
    queue_append(cur);
    sched.choose = true;
}
/* ANCHOR_END: sched_tick */

/* ANCHOR: sched_yield */
/* The Yield system call: the current thread goes to the back of its queue. Alone at its
 * priority, it is chosen again at once. Its turn is over, so its next one starts with a
 * whole timeslice (seL4 keeps counting instead, so that a tick can end a turn a few
 * instructions before the thread would have yielded, and the round loses its order). A
 * thread that has just blocked itself (its state is no longer Running) is not queued at
 * all: yielding is how it leaves the processor. */
void sched_yield(void)
{
    struct tcb *cur = sched.current;

    cur->timeslice = SCHED_TIMESLICE;
    if (cur->state == THREAD_RUNNING)
        queue_append(cur);
    sched.choose = true;
}
/* ANCHOR_END: sched_yield */

/* ANCHOR: thread_ops */
struct tcb *sched_current(void)
{
    return sched.current;
}

void sched_resume(struct tcb *t)
{
    if (t->state != THREAD_INACTIVE)
        return;
    t->state = THREAD_RUNNING;
    make_ready(t);
}

/* Stop t wherever it is: out of every queue, Inactive (seL4's suspend). The current thread
 * too: the next kernel exit chooses another. */
void sched_suspend(struct tcb *t)
{
    if (t == sched.idle)
        return;
    if (t->queued)
        queue_remove(t);
    t->state = THREAD_INACTIVE;
    if (t == sched.current)
        sched.choose = true;
}

/* A queued thread moves to the back of its new priority's queue. The change may mean that
 * another thread should run now: t, if it went above the current thread, or someone else,
 * if the current thread went below them. */
void sched_set_priority(struct tcb *t, uint8_t priority)
{
    if (t->queued) {
        queue_remove(t);
        t->priority = priority;
        queue_append(t);
    } else {
        t->priority = priority;
    }
    struct tcb *cur = sched.current;
    if ((t->queued && priority > cur->priority) ||
        (t == cur && sched.bitmap_top && highest_ready() > priority))
        sched.choose = true;
}

/* The current thread stops being runnable (it waits, or it is done): the next kernel exit
 * chooses another. */
void sched_block(enum thread_state why)
{
    sched.current->state = why;
    sched.choose = true;
}
/* ANCHOR_END: thread_ops */

/* ANCHOR: sched_start */
static void idle_thread(void)
{
    for (;;)
        __asm__ volatile("wfi");      /* sleep until an interrupt is pending: it is taken at
                                         once, IRQs are unmasked here */
}

/* The idle thread: TCB 0, the kernel's only thread. It runs idle_thread at EL1t with IRQs
 * unmasked, on kernel_main's stack, which kernel_main leaves for good in sched_start. It is
 * never queued and has no timeslice; its state says Idle. No cap names its TCB, which is not
 * made from untyped memory: it is the kernel's own. */
static struct tcb_object idle_object __attribute__((aligned(16)));   /* SP_EL1 points here */
extern char __boot_stack_top[];       /* link.ld */

void sched_init(void)
{
    struct tcb *t = &idle_object.tcb;
    t->regs.elr = (uint64_t)idle_thread;
    t->regs.spsr = SPSR_M_EL1T | SPSR_D | SPSR_A | SPSR_F;
    t->regs.sp_el0 = (uint64_t)__boot_stack_top;
    t->state = THREAD_IDLE;
    tcb_set_name(t, "idle");
    tcb_id_take(t);                   /* the first: 0 */
    sched.idle = t;
    sched.current = t;
}

/* Leave kernel_main for good: run the best thread there is. Its trap frame unmasks IRQs
 * (SPSR_EL1.I = 0): from here on, that is the only way IRQs are ever unmasked on this core. */
void sched_start(void)
{
    sched.choose = true;
    trap_start(sched_next());
}
/* ANCHOR_END: sched_start */

/* ANCHOR: invariant */
#ifdef DEBUG
/* A debug build (make DEBUG=1) checks invariant 5 on every kernel exit: the running thread
 * has the highest runnable priority, every other runnable thread is in exactly the ready
 * queue of its priority, the bitmap agrees with the queues, and no blocked thread is in one.
 * A violation stops the kernel, naming the invariant. */
static void violated(const char *what, const struct tcb *t)
{
    kprintf("\n*** invariant 5 violated: %s (thread %u, %s)\n", what, t ? t->id : 0,
            t ? t->name : "-");
    kprintf("*** kernel panic: core 0 halted\n");
    for (;;)
        __asm__ volatile("wfe");
}

/* Walk queue p: well linked, every member Running, queued, of priority p. Returns its length. */
static unsigned check_queue(unsigned p)
{
    const struct ready_queue *q = &sched.ready[p];
    const struct tcb *prev = 0;
    unsigned n = 0;

    for (const struct tcb *t = q->head; t; prev = t, t = t->next) {
        if (++n > MAX_THREADS || t->prev != prev)
            violated("a ready queue is not a well-linked list", t);
        if (!t->in_use || t->state != THREAD_RUNNING || !t->queued || t->priority != p)
            violated("a thread in a ready queue is not runnable at that priority", t);
    }
    if (q->tail != prev)
        violated("a ready queue's tail is not its last thread", prev);
    bool bit = sched.bitmap[p / 64] >> (p % 64) & 1;
    if (bit != (n > 0))
        violated("the bitmap disagrees with a ready queue", q->head);
    return n;
}

/* Step 10: a notification's waiter is in its notification's queue. */
static bool in_ntfn_queue(const struct tcb *t)
{
    unsigned n = 0;
    for (const struct tcb *w = t->blocked_ntfn->head; w && ++n <= MAX_THREADS; w = w->next)
        if (w == t)
            return true;
    return false;
}

static void check_invariant(void)
{
    const struct tcb *cur = sched.current;
    unsigned queued = 0, runnable = 0;

    if (cur->queued)
        violated("the running thread is in a ready queue", cur);
    if (cur == sched.idle ? cur->state != THREAD_IDLE : cur->state != THREAD_RUNNING)
        violated("the running thread is not runnable", cur);
    if (sched.bitmap_top && (cur == sched.idle || highest_ready() > cur->priority))
        violated("a ready thread has a higher priority than the running one", cur);
    for (unsigned w = 0; w < BITMAP_WORDS; w++)
        if ((sched.bitmap_top >> w & 1) != (sched.bitmap[w] != 0))
            violated("the bitmap's top word disagrees with its words", 0);
    for (unsigned p = 0; p < SCHED_PRIORITIES; p++)
        queued += check_queue(p);
    for (uint64_t id = 0; id < MAX_THREADS; id++) {
        const struct tcb *t = tcb_by_id(id);
        if (!t)
            continue;
        runnable += t != cur && t->state == THREAD_RUNNING;
        if ((t->blocked_ntfn != 0) != (t->state == THREAD_BLOCKED_ON_NOTIFICATION))
            violated("a thread blocked on a notification has no notification", t);
        if (t->blocked_ntfn && !in_ntfn_queue(t))
            violated("a thread blocked on a notification is not in its queue", t);
        if (t != cur && t->state == THREAD_RUNNING && !t->queued)
            violated("a runnable thread is in no ready queue", t);
        if (t->state != THREAD_RUNNING && t->queued)
            violated("a thread that cannot run is in a ready queue", t);
    }
    if (queued != runnable)
        violated("the ready queues do not hold exactly the runnable threads", 0);
}
#endif
/* ANCHOR_END: invariant */
