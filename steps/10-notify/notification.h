/*
 * notification.h: notifications, seL4's asynchronous signals. A notification holds one word.
 * Signal ORs the badge of the signalling cap into it and never blocks; Wait takes the whole
 * word and leaves 0, or blocks until a Signal comes; Poll takes it without blocking. A thread
 * may also be bound to one notification: then a Recv on an endpoint returns early, with the
 * word, when the notification is signalled (step 10).
 */
#ifndef NOTIFICATION_H
#define NOTIFICATION_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "tcb.h"

/* ANCHOR: notification */
/* Nobody waits and no signal is pending; threads wait (the word is 0); a signal is pending
 * (nobody waits). seL4's three states, with its numbers. */
enum ntfn_state { NTFN_IDLE = 0, NTFN_WAITING = 1, NTFN_ACTIVE = 2 };

/* 32 bytes (seL4_NotificationBits = 5): the waiters' queue, as an endpoint's (the state in
 * the tail's low bits), the pending word, and the thread bound to it, if any. */
struct notification {
    struct tcb *head;
    uintptr_t tail_state;
    uint64_t word;
    struct tcb *bound;
};
_Static_assert(sizeof(struct notification) == 32, "a notification is 32 bytes");

static inline enum ntfn_state ntfn_state(const struct notification *n)
{
    return (enum ntfn_state)(n->tail_state & 3);
}
static inline struct tcb *ntfn_tail(const struct notification *n)
{
    return (struct tcb *)(n->tail_state & ~(uintptr_t)3);
}
static inline struct notification *ntfn_of(struct cap c)
{
    return cap_obj(c);
}
/* ANCHOR_END: notification */

/* ANCHOR: ntfn_api */
/* Signal with `badge` (the cap's); Wait (blocking) or Poll by t, through a cap with Read. */
void ntfn_signal(struct notification *n, uint64_t badge);
void ntfn_wait(struct tcb *t, struct notification *n, bool blocking);
/* t is bound to an Active notification: it gets the word now (a Recv on an endpoint that
 * returns at once). */
void ntfn_complete_bound(struct tcb *t);
/* t waits on a notification: out of its queue, Inactive (seL4's cancelSignal). */
void ntfn_cancel(struct tcb *t);
/* The notification's last cap is gone: its bound thread is unbound, its waiters restart. */
void ntfn_cancel_all(struct notification *n);
void ntfn_bind(struct tcb *t, struct notification *n);
void ntfn_unbind(struct tcb *t);
/* ANCHOR_END: ntfn_api */

#endif
