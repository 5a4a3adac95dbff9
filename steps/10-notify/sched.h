/*
 * sched.h: the scheduler. Which thread runs: the highest priority that can, round-robin among
 * equals, each for at most a timeslice of ticks. seL4's classic scheduler, for one core.
 */
#ifndef SCHED_H
#define SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "tcb.h"
#include "trap.h"

/* ANCHOR: sched_params */
#define SCHED_TIMESLICE   5           /* ticks (timer.h: 2 ms each) a thread runs before its
                                         equals get a turn: seL4's default, 10 ms */
#define SCHED_PRIORITIES  (PRIO_MAX + 1)
/* ANCHOR_END: sched_params */

/* ANCHOR: sched_state */
struct ready_queue {
    struct tcb *head, *tail;          /* run from the head, join at the tail */
};
#define BITMAP_WORDS (SCHED_PRIORITIES / 64)

struct scheduler {
    struct tcb *current;              /* running (in no ready queue) */
    struct tcb *idle;                 /* runs when every queue is empty */
    bool choose;                      /* the current thread may not be the one to run */
    uint64_t bitmap_top;
    uint64_t bitmap[BITMAP_WORDS];
    struct ready_queue ready[SCHED_PRIORITIES];
};
extern struct scheduler sched;

/* The highest priority with a ready thread. Only if bitmap_top != 0: clz of 0 is undefined
 * in C (the instruction would give 64). 63 - clz(x) is the number of x's highest set bit. */
static inline unsigned highest_ready(void)
{
    unsigned word = 63 - (unsigned)__builtin_clzll(sched.bitmap_top);
    return word * 64 + 63 - (unsigned)__builtin_clzll(sched.bitmap[word]);
}
/* ANCHOR_END: sched_state */

/* ANCHOR: sched_api */
/* Called in the kernel, with IRQs masked (in the kernel they always are). */
void sched_init(void);
void sched_start(void) __attribute__((noreturn));
struct trap_frame *sched_next(void);  /* every kernel exit: the frame to resume */
void sched_tick(void);                /* the timer's interrupt */
void sched_yield(void);               /* the Yield system call */
void sched_resume(struct tcb *t);     /* Inactive -> Running: into its ready queue */
void sched_suspend(struct tcb *t);    /* out of every queue, Inactive (any thread) */
void sched_wake(struct tcb *t);       /* Running again, queued (step 09: after an IPC) */
void sched_set_priority(struct tcb *t, uint8_t priority);
void sched_block(enum thread_state why);  /* the current thread stops being runnable */
struct tcb *sched_current(void);
/* ANCHOR_END: sched_api */

#endif
