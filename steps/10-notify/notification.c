/*
 * notification.c: seL4's notifications (sendSignal, receiveSignal and their cancels). The
 * word a thread receives arrives in x0, where an endpoint's badge does; x1, the message info,
 * is 0: no label, no words (seL4 leaves x1 as the thread had it, and libsel4's seL4_Wait does
 * not read it; 0 is one of the values it may then be, and the one a program can count on).
 */
#include "notification.h"

#include <stdbool.h>
#include <stdint.h>

#include "endpoint.h"
#include "sched.h"
#include "tcb.h"

/* ANCHOR: ntfn_queue */
/* FIFO, linked through next/prev like an endpoint's queue: a waiting thread is in no other. */
static void ntfn_enqueue(struct notification *n, struct tcb *t)
{
    struct tcb *tail = ntfn_tail(n);
    t->next = 0;
    t->prev = tail;
    if (tail)
        tail->next = t;
    else
        n->head = t;
    n->tail_state = (uintptr_t)t | NTFN_WAITING;
    t->blocked_ntfn = n;
}

static void ntfn_dequeue(struct notification *n, struct tcb *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        n->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        n->tail_state = t->prev ? (uintptr_t)t->prev | NTFN_WAITING : NTFN_IDLE;
    t->next = t->prev = 0;
    t->blocked_ntfn = 0;
}
/* ANCHOR_END: ntfn_queue */

static void deliver(struct tcb *t, uint64_t word)
{
    t->regs.x[0] = word;
    t->regs.x[1] = 0;
}

/* ANCHOR: ntfn_signal */
void ntfn_signal(struct notification *n, uint64_t badge)
{
    switch (ntfn_state(n)) {
    case NTFN_IDLE: {
        /* A bound thread waiting for a message on an endpoint takes the signal instead. */
        struct tcb *b = n->bound;
        if (b && b->state == THREAD_BLOCKED_ON_RECEIVE) {
            ipc_cancel(b);
            deliver(b, badge);
            sched_wake(b);
        } else {
            n->word = badge;
            n->tail_state = NTFN_ACTIVE;
        }
        break;
    }
    case NTFN_WAITING: {                /* the first waiter gets this badge, and only it */
        // EXERCISE: ntfn_signal: threads wait (NTFN_WAITING): the first in the queue, and only it, leaves the queue (ntfn_dequeue), gets the badge as its word (deliver) and becomes ready (sched_wake); the word stays 0 and the others wait on. A signal already pending (NTFN_ACTIVE): OR the badge into the word, so that one Wait later returns every badge signalled since. The case above it (nobody waits, the word empty) is done. seL4 manual, "Notifications"; the chapter's "Notifications"
        struct tcb *t = n->head;
        ntfn_dequeue(n, t);
        deliver(t, badge);
        sched_wake(t);
        // EXERCISE_STANDIN: ntfn_signal
        //         /* Stand-in: the signal is lost, and the waiters wait on. */
        // EXERCISE_END: ntfn_signal
        break;
    }
    case NTFN_ACTIVE:
        // EXERCISE: ntfn_signal
        n->word |= badge;
        // EXERCISE_STANDIN: ntfn_signal
        //         /* Stand-in: the signal is lost; the word keeps the badges it had. */
        // EXERCISE_END: ntfn_signal
        break;
    }
}
/* ANCHOR_END: ntfn_signal */

/* ANCHOR: ntfn_wait */
void ntfn_wait(struct tcb *t, struct notification *n, bool blocking)
{
    if (ntfn_state(n) == NTFN_ACTIVE) {
        deliver(t, n->word);
        n->word = 0;
        n->tail_state = NTFN_IDLE;
    } else if (blocking) {
        ntfn_enqueue(n, t);
        sched_block(THREAD_BLOCKED_ON_NOTIFICATION);
    } else {
        deliver(t, 0);                  /* Poll, nothing pending: the word is 0 */
    }
}

void ntfn_complete_bound(struct tcb *t)
{
    struct notification *n = t->bound_ntfn;
    deliver(t, n->word);
    n->word = 0;
    n->tail_state = NTFN_IDLE;
}
/* ANCHOR_END: ntfn_wait */

/* ANCHOR: ntfn_cancel */
void ntfn_cancel(struct tcb *t)
{
    ntfn_dequeue(t->blocked_ntfn, t);
    t->state = THREAD_INACTIVE;
}

/* Every waiter runs its Wait again (its PC back on the svc), and finds the cap gone
 * (seL4's cancelAllSignals and Restart), as ipc_cancel_all does for an endpoint. */
void ntfn_cancel_all(struct notification *n)
{
    if (n->bound)
        ntfn_unbind(n->bound);
    while (n->head) {
        struct tcb *t = n->head;
        ntfn_dequeue(n, t);
        t->regs.elr = t->regs.fault_ip;
        sched_wake(t);
    }
}

void ntfn_bind(struct tcb *t, struct notification *n)
{
    n->bound = t;
    t->bound_ntfn = n;
}

void ntfn_unbind(struct tcb *t)
{
    if (t->bound_ntfn) {
        t->bound_ntfn->bound = 0;
        t->bound_ntfn = 0;
    }
}
/* ANCHOR_END: ntfn_cancel */
