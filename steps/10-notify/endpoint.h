/*
 * endpoint.h: endpoints, where threads meet to pass a message (seL4's synchronous IPC). An
 * endpoint holds no message: it holds a queue of threads that wait, all senders or all
 * receivers, and a message goes from one thread's registers to the other's at the moment
 * they meet.
 */
#ifndef ENDPOINT_H
#define ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "tcb.h"

/* ANCHOR: endpoint */
enum ep_state { EP_IDLE = 0, EP_SEND = 1, EP_RECV = 2 };   /* who waits: nobody, senders, ... */

/* 16 bytes, as seL4's: the queue's head, and its tail with the state in the low bits (a TCB
 * is 16-byte aligned, so they are free). */
struct endpoint {
    struct tcb *head;
    uintptr_t tail_state;
};
_Static_assert(sizeof(struct endpoint) == 16, "an endpoint is 16 bytes");

static inline enum ep_state ep_state(const struct endpoint *ep)
{
    return (enum ep_state)(ep->tail_state & 3);
}
static inline struct tcb *ep_tail(const struct endpoint *ep)
{
    return (struct tcb *)(ep->tail_state & ~(uintptr_t)3);
}
static inline struct endpoint *ep_of(struct cap c)
{
    return cap_obj(c);
}
/* ANCHOR_END: endpoint */

/* ANCHOR: ipc_api */
/* The system calls' work, for the current thread t (ipc.c). */
void ipc_send(struct tcb *t, struct cap ep, bool blocking, bool call);
void ipc_recv(struct tcb *t, struct cap ep, bool blocking);
void ipc_reply(struct tcb *t);
void ipc_reply_with(struct tcb *t, struct cte *reply);
void ipc_save_caller(struct tcb *t, struct cte *dst);
/* A thread stops waiting wherever it waits (suspend, delete); an endpoint's last cap went. */
void ipc_cancel(struct tcb *t);
void ipc_cancel_all(struct endpoint *ep);
void ep_dequeue(struct endpoint *ep, struct tcb *t);
/* Suspend a thread: out of any IPC, then out of the scheduler (seL4's suspend). */
void thread_suspend(struct tcb *t);
/* Step 10: the current thread t faulted; send the fault to its fault handler (false: it has
 * none). `w`: the fault's FAULT_WORDS words (abi.h says which). */
bool fault_send(struct tcb *t, enum fault_type type, const uint64_t *w);
/* ANCHOR_END: ipc_api */

/* ANCHOR: fastpath_api */
/* The fastpaths (fastpath.c), called by exception.S for an svc from EL0 with x7 = -1 or -2,
 * with the thread's TCB (its frame is its first member): the frame to resume, or 0 when a
 * condition fails and trap_handle must do it. FASTPATH=0 builds leave them out. */
struct trap_frame *fastpath_call(struct tcb *t);
struct trap_frame *fastpath_reply_recv(struct tcb *t);
/* ANCHOR_END: fastpath_api */

#endif
