/*
 * fastpath.c: Call and ReplyRecv in the common case, straight from one thread to the other.
 * A client Calls a server that waits; the server answers with ReplyRecv and waits again. Each
 * function checks everything that would make the general path (ipc.c) do something else, and
 * gives up (returns 0) at the first difference: then the slowpath does it, with the same
 * result. What is left is a handful of loads and stores, and a direct switch. seL4 has the
 * same two fastpaths (its fastpath.c), with the same conditions but for the ones our kernel
 * has no use for (scheduling domains, other cores).
 */
#include "endpoint.h"

#include <stdint.h>

#include "abi.h"
#include "cnode.h"
#include "notification.h"
#include "sched.h"
#include "tcb.h"
#include "vspace.h"

#if FASTPATH
/* ANCHOR: fastpath_common */
/* The cap the thread names in x0, if it is an endpoint cap with `rights` and the message is
 * a simple one: at most four words (they travel in registers) and no caps. */
static inline struct cte *fast_lookup(struct tcb *t, unsigned rights)
{
    uint64_t cptr = t->regs.x[0];
    if ((t->regs.x[1] & 0x1ff) > 4)                 /* extraCaps (8:7) 0, length (6:0) <= 4 */
        return 0;
    struct lookup_fault lf;
    struct cte *s = cspace_lookup(tcb_slots(t)[TCB_CSPACE].cap, cptr, &lf);
    if (!s)
        return 0;
    if (cap_type(s->cap) != CAP_ENDPOINT || (cap_rights(s->cap) & rights) != rights)
        return 0;
    return s;
}

/* The words, the badge, and the message info (the label and length; no caps). */
static inline void fast_transfer(struct tcb *from, struct tcb *to, uint64_t badge)
{
    uint64_t info = from->regs.x[1];
    switch (info & 0x7f) {                          /* the length: copy that many, no more */
    case 4: to->regs.x[5] = from->regs.x[5];        /* fall through */
    case 3: to->regs.x[4] = from->regs.x[4];        /* fall through */
    case 2: to->regs.x[3] = from->regs.x[3];        /* fall through */
    case 1: to->regs.x[2] = from->regs.x[2];        /* fall through */
    default: break;
    }
    to->regs.x[0] = badge;
    to->regs.x[1] = info & ~UINT64_C(0xf80);        /* capsUnwrapped and extraCaps: 0 */
}

/* Switch to `to` for good: it is the highest-priority runnable thread (checked), so nothing
 * is queued and nothing needs choosing. A debug build checks that on the way out, as every
 * other exit does (sched_next). */
static inline struct trap_frame *fast_switch(struct tcb *from, struct tcb *to, uint64_t ttbr0)
{
    from->regs.fault_ip = from->regs.elr - 4;       /* the svc, as trap.c would record it */
    to->state = THREAD_RUNNING;
    sched.current = to;
    vspace_activate(ttbr0);
#ifdef DEBUG
    return sched_next();
#else
    return &to->regs;
#endif
}
/* ANCHOR_END: fastpath_common */

/* ANCHOR: fastpath_call */
struct trap_frame *fastpath_call(struct tcb *t)
{
    struct cte *s = fast_lookup(t, RIGHT_WRITE);
    if (!s || !(cap_rights(s->cap) & (RIGHT_GRANT | RIGHT_GRANT_REPLY)))
        return 0;                                   /* no reply cap could be made */
    struct endpoint *ep = ep_of(s->cap);
    if (ep_state(ep) != EP_RECV)
        return 0;                                   /* nobody waits to receive */
    struct tcb *dest = ep->head;
    uint64_t ttbr0 = tcb_ttbr0(dest);
    if (!ttbr0)
        return 0;                                   /* no address space to run it in */
    if (dest->priority < t->priority && sched.bitmap_top && highest_ready() > dest->priority)
        return 0;                                   /* someone else should run */
    struct cte *master = &tcb_slots(t)[TCB_REPLY], *slot = &tcb_slots(dest)[TCB_CALLER];
    if (cap_type(master->cap) != CAP_REPLY || cap_type(slot->cap) != CAP_NULL)
        return 0;

    /* No way back from here. dest leaves the endpoint's queue (it was the head)... */
    struct tcb *next = dest->next;
    ep->head = next;
    if (next)
        next->prev = 0;
    else
        ep->tail_state = EP_IDLE;
    dest->next = 0;
    dest->blocked_on = 0;
    /* ... gets the reply cap, a child of the caller's master, right after it in the tree ... */
    struct cte *after = cte_next(master);
    slot->cap = cap_make(CAP_REPLY, cap_rights(s->cap) & RIGHT_GRANT ? REPLY_CAN_GRANT : 0,
                         cap_pa(master->cap), 0);
    slot->prev = master;
    slot->next_flags = (uintptr_t)after;
    master->next_flags = (uintptr_t)slot | (master->next_flags & 31);
    if (after)
        after->prev = slot;
    /* ... and the message, while the caller waits for the answer. */
    t->state = THREAD_BLOCKED_ON_REPLY;
    fast_transfer(t, dest, s->cap.w0);
    return fast_switch(t, dest, ttbr0);
}
/* ANCHOR_END: fastpath_call */

/* ANCHOR: fastpath_reply_recv */
struct trap_frame *fastpath_reply_recv(struct tcb *t)
{
    struct cte *s = fast_lookup(t, RIGHT_READ);
    if (!s)
        return 0;
    struct endpoint *ep = ep_of(s->cap);
    if (ep_state(ep) == EP_SEND)
        return 0;                                   /* a sender waits: receive it at once */
    if (t->bound_ntfn && ntfn_state(t->bound_ntfn) == NTFN_ACTIVE)
        return 0;                                   /* step 10: a signal is pending */
    struct cte *reply = &tcb_slots(t)[TCB_CALLER];
    if (cap_type(reply->cap) != CAP_REPLY)
        return 0;                                   /* nobody to answer */
    struct tcb *caller = tcb_of(reply->cap);
    if (caller->fault)
        return 0;                                   /* step 10: an answer to a fault */
    uint64_t ttbr0 = tcb_ttbr0(caller);
    if (!ttbr0)
        return 0;
    if (sched.bitmap_top && highest_ready() > caller->priority)
        return 0;                                   /* someone else should run */

    /* No way back from here. The reply cap is used up (a reply cap has no children and
     * finalises nothing: it only leaves the tree)... */
    struct cte *prev = reply->prev, *after = cte_next(reply);
    prev->next_flags = (uintptr_t)after | (prev->next_flags & 31);
    if (after)
        after->prev = prev;
    *reply = (struct cte){ 0 };
    /* ... this thread waits at the endpoint's tail ... */
    struct tcb *tail = ep_tail(ep);
    t->blocked_on = ep;
    t->state = THREAD_BLOCKED_ON_RECEIVE;
    t->next = 0;
    t->prev = tail;
    if (tail)
        tail->next = t;
    else
        ep->head = t;
    ep->tail_state = (uintptr_t)t | EP_RECV;
    /* ... and the caller gets the answer. */
    fast_transfer(t, caller, 0);
    return fast_switch(t, caller, ttbr0);
}
/* ANCHOR_END: fastpath_reply_recv */
#endif
