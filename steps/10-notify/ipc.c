/*
 * ipc.c: seL4's synchronous IPC, the slow path (fastpath.c takes the common case). Send and
 * Recv meet at an endpoint: whichever comes first waits in its queue, and the second copies
 * the message straight from the sender's registers (and IPC buffer) to the receiver's. Call
 * is Send plus a one-shot reply cap, left in the receiver's Caller slot, that Reply uses up.
 */
#include "endpoint.h"

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "cnode.h"
#include "notification.h"
#include "sched.h"
#include "tcb.h"

/* ANCHOR: ep_queue */
/* Threads wait in FIFO order, linked through next/prev (a waiting thread is in no ready
 * queue, so the links are free). */
static void ep_enqueue(struct endpoint *ep, struct tcb *t, enum ep_state state)
{
    struct tcb *tail = ep_tail(ep);
    t->next = 0;
    t->prev = tail;
    if (tail)
        tail->next = t;
    else
        ep->head = t;
    ep->tail_state = (uintptr_t)t | state;
}

void ep_dequeue(struct endpoint *ep, struct tcb *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        ep->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        ep->tail_state = t->prev ? (uintptr_t)t->prev | ep_state(ep) : EP_IDLE;
    t->next = t->prev = 0;
    t->blocked_on = 0;
}
/* ANCHOR_END: ep_queue */

/* ANCHOR: transfer_words */
/* Message words: the first four from register to register, the rest from IPC buffer to IPC
 * buffer, if both threads have one (else the message stops at four). */
static unsigned copy_words(struct tcb *from, struct tcb *to, unsigned len)
{
    unsigned n = len < 4 ? len : 4;
    for (unsigned i = 0; i < n; i++)
        to->regs.x[2 + i] = from->regs.x[2 + i];
    if (len <= 4)
        return len;
    struct ipc_buffer *fb = tcb_ipc_buffer(from), *rb = tcb_ipc_buffer(to);
    if (!fb || !rb)
        return 4;
    for (unsigned i = 4; i < len; i++)
        rb->msg[i] = fb->msg[i];
    return len;
}
/* ANCHOR_END: transfer_words */

/* ANCHOR: transfer_caps */
/* The receiver's one slot for a cap, named in its IPC buffer: (receiveCNode, receiveIndex,
 * receiveDepth) in its own CSpace. 0 if that names no empty slot. */
static struct cte *receive_slot(struct tcb *t, const struct ipc_buffer *b)
{
    struct lookup_fault f;
    unsigned left;
    struct cte *s = cspace_resolve(tcb_slots(t)[TCB_CSPACE].cap, b->receive_cnode, 64, &left, &f);
    if (!s || b->receive_depth < 1 || b->receive_depth > 64)
        return 0;
    struct cte *d = cspace_resolve(s->cap, b->receive_index, (unsigned)b->receive_depth, &left,
                                   &f);
    return d && !left && cap_type(d->cap) == CAP_NULL ? d : 0;
}

/* Up to three caps, named by cptrs in the sender's IPC buffer, and only if the sender's cap
 * has Grant. A cap to the endpoint the message goes through is not copied: its badge is
 * ("unwrapped"; seL4 does this whether the cap has a badge or not). Any other cap is copied
 * into the receiver's slot, a child of the sent one, once: the second such cap stops the
 * transfer. extraCaps says how many went. */
static unsigned transfer_caps(struct tcb *from, struct tcb *to, uint64_t info,
                              const struct endpoint *ep, bool grant, unsigned *unwrapped)
{
    unsigned n = (unsigned)msginfo_caps(info), i;
    struct cte *src[MSG_MAX_EXTRA_CAPS];
    *unwrapped = 0;
    if (!grant || n == 0)
        return 0;
    struct ipc_buffer *fb = tcb_ipc_buffer(from), *rb = tcb_ipc_buffer(to);
    if (!fb || !rb)
        return 0;
    struct cap root = tcb_slots(from)[TCB_CSPACE].cap;
    for (i = 0; i < n; i++) {               /* all or nothing, as seL4 looks them up */
        struct lookup_fault f;
        src[i] = cspace_lookup(root, fb->caps_or_badges[i], &f);
        if (!src[i])
            return 0;
    }
    struct cte *dst = receive_slot(to, rb);
    for (i = 0; i < n; i++) {
        struct cap c = src[i]->cap, d;
        enum error e;
        if (cap_type(c) == CAP_ENDPOINT && ep_of(c) == ep) {
            rb->caps_or_badges[i] = c.w0;
            *unwrapped |= 1u << i;
            continue;
        }
        if (!dst || !cap_derive(src[i], &d, &e) || cap_type(d) == CAP_NULL)
            break;
        cte_insert(src[i], dst, d);
        dst = 0;
    }
    return i;
}
/* ANCHOR_END: transfer_caps */

static void fault_transfer(struct tcb *from, struct tcb *to, uint64_t badge);

/* ANCHOR: transfer */
/* The message of `from` (its x1 says how long, with what label and caps) to `to`, with the
 * badge of the sender's cap in x0. (Step 10: a thread that faulted sends its fault instead.) */
static void transfer(struct tcb *from, struct tcb *to, uint64_t badge, bool grant,
                     const struct endpoint *ep)
{
    if (from->fault) {
        fault_transfer(from, to, badge);
        return;
    }
    uint64_t info = from->regs.x[1];
    unsigned len = (unsigned)msginfo_length(info), unwrapped;
    if (len > MSG_MAX_LENGTH)
        len = MSG_MAX_LENGTH;               /* seL4 cuts a message at 120 words */
    len = copy_words(from, to, len);
    unsigned caps = transfer_caps(from, to, info, ep, grant, &unwrapped);
    to->regs.x[0] = badge;
    to->regs.x[1] = msginfo(msginfo_label(info), unwrapped, caps, len);
}

/* Call: the caller waits for the answer, and the receiver gets the one cap that can give it,
 * a child of the caller's reply master (slot 2), in its own Caller slot (slot 3). */
static void setup_reply(struct tcb *caller, struct tcb *receiver, bool grant)
{
    struct cte *master = &tcb_slots(caller)[TCB_REPLY];
    struct cte *slot = &tcb_slots(receiver)[TCB_CALLER];
    cte_delete_one(slot);
    cte_insert(master, slot, cap_make(CAP_REPLY, grant ? REPLY_CAN_GRANT : 0,
                                      cap_pa(master->cap), 0));
    caller->state = THREAD_BLOCKED_ON_REPLY;
}
/* ANCHOR_END: transfer */

static void fault_reply(struct tcb *t, struct tcb *caller);

/* ANCHOR: ipc_send */
/* Send, NBSend and Call through an endpoint cap (it has Write: invoke.c checked). A waiting
 * receiver gets the message now; otherwise the sender waits (NBSend gives up). A Call with
 * neither Grant nor GrantReply can get no answer: the caller just stops, as in seL4. */
void ipc_send(struct tcb *t, struct cap c, bool blocking, bool call)
{
    struct endpoint *ep = ep_of(c);
    bool grant = cap_rights(c) & RIGHT_GRANT, grant_reply = cap_rights(c) & RIGHT_GRANT_REPLY;

    if (ep_state(ep) == EP_RECV) {
        struct tcb *dest = ep->head;
        ep_dequeue(ep, dest);
        transfer(t, dest, c.w0, grant, ep);
        sched_wake(dest);
        if (call) {
            if (grant || grant_reply)
                setup_reply(t, dest, grant);
            sched_block(grant || grant_reply ? THREAD_BLOCKED_ON_REPLY : THREAD_INACTIVE);
        }
    } else if (blocking) {
        t->ipc_badge = c.w0;
        t->ipc_flags = (call ? IPC_CALL : 0) | (grant ? IPC_GRANT : 0) |
                       (grant_reply ? IPC_GRANT_REPLY : 0);
        t->blocked_on = ep;
        ep_enqueue(ep, t, EP_SEND);
        sched_block(THREAD_BLOCKED_ON_SEND);
    }
}
/* ANCHOR_END: ipc_send */

/* ANCHOR: ipc_recv */
/* Recv and NBRecv (the cap has Read). A reply this thread still owed is given up first (seL4's
 * rule: a server that receives again without replying has dropped that caller). */
void ipc_recv(struct tcb *t, struct cap c, bool blocking)
{
    struct endpoint *ep = ep_of(c);

    cte_delete_one(&tcb_slots(t)[TCB_CALLER]);
    /* Step 10: a signal pending on the thread's bound notification comes first. */
    if (t->bound_ntfn && ntfn_state(t->bound_ntfn) == NTFN_ACTIVE) {
        ntfn_complete_bound(t);
        return;
    }
    if (ep_state(ep) == EP_SEND) {
        struct tcb *s = ep->head;
        ep_dequeue(ep, s);
        transfer(s, t, s->ipc_badge, s->ipc_flags & IPC_GRANT, ep);
        if (!(s->ipc_flags & IPC_CALL))
            sched_wake(s);
        else if (s->ipc_flags & (IPC_GRANT | IPC_GRANT_REPLY))
            setup_reply(s, t, s->ipc_flags & IPC_GRANT);
        else
            s->state = THREAD_INACTIVE;
    } else if (blocking) {
        t->blocked_on = ep;
        ep_enqueue(ep, t, EP_RECV);
        sched_block(THREAD_BLOCKED_ON_RECEIVE);
    } else {
        t->regs.x[0] = 0;                   /* NBRecv, nothing there: no badge, no message */
        t->regs.x[1] = 0;
    }
}

/* Reply (and the first half of ReplyRecv): the answer goes to the caller, through the reply
 * cap in the Caller slot, which is then gone. No reply cap: nothing happens. */
void ipc_reply(struct tcb *t)
{
    ipc_reply_with(t, &tcb_slots(t)[TCB_CALLER]);
}

/* The same through any slot that holds a reply cap: the Caller slot, or a CNode slot a server
 * moved it to with SaveCaller (Send on that cap replies, as in seL4). */
void ipc_reply_with(struct tcb *t, struct cte *slot)
{
    if (cap_type(slot->cap) != CAP_REPLY || (cap_bits(slot->cap) & REPLY_MASTER))
        return;
    struct tcb *caller = tcb_of(slot->cap);
    bool grant = cap_bits(slot->cap) & REPLY_CAN_GRANT;
    cte_unlink(slot);                       /* used up (it finalises nothing) */
    if (caller->fault) {                    /* step 10: the answer to a fault message */
        fault_reply(t, caller);
        return;
    }
    transfer(t, caller, 0, grant, 0);
    sched_wake(caller);
}

/* SaveCaller: the reply cap in the Caller slot moves to an empty slot of a CNode, where the
 * next Recv cannot delete it; a server can then answer later, or answer another first. */
void ipc_save_caller(struct tcb *t, struct cte *dst)
{
    struct cte *slot = &tcb_slots(t)[TCB_CALLER];
    if (cap_type(slot->cap) == CAP_REPLY)
        cte_move(slot, dst, slot->cap);
}
/* ANCHOR_END: ipc_recv */

/* ANCHOR: ipc_cancel */
/* A thread stops waiting: out of its endpoint's or notification's queue, or, if it waits for
 * an answer, the reply cap that would give it is deleted (the child of its reply master). */
void ipc_cancel(struct tcb *t)
{
    t->fault = FAULT_NONE;              /* step 10: a fault it was sending is forgotten */
    if (t->state == THREAD_BLOCKED_ON_SEND || t->state == THREAD_BLOCKED_ON_RECEIVE) {
        ep_dequeue(t->blocked_on, t);
    } else if (t->state == THREAD_BLOCKED_ON_NOTIFICATION && t->blocked_ntfn) {
        ntfn_cancel(t);                 /* step 10 (not the kernel's interrupt waiters) */
    } else if (t->state == THREAD_BLOCKED_ON_REPLY) {
        struct cte *master = &tcb_slots(t)[TCB_REPLY], *reply = cte_next(master);
        if (reply && cap_type(reply->cap) == CAP_REPLY && cte_is_parent_of(master, reply))
            cte_delete_one(reply);
    }
}

void thread_suspend(struct tcb *t)
{
    ipc_cancel(t);
    sched_suspend(t);
}

/* The endpoint's last cap is gone: every waiter runs again, at its system call (its PC back
 * on the svc), which now finds no cap and faults (seL4's cancelAllIPC and Restart). */
void ipc_cancel_all(struct endpoint *ep)
{
    while (ep->head) {
        struct tcb *t = ep->head;
        ep_dequeue(ep, t);
        t->regs.elr = t->regs.fault_ip;
        sched_wake(t);
    }
}
/* ANCHOR_END: ipc_cancel */

/* ANCHOR: fault_send */
/* Step 10: fault messages (seL4's sendFaultIPC, doFaultTransfer and handleFaultReply).
 *
 * A thread that faults does not stop on its own, if it has a fault handler: the cptr its
 * TCB_Configure gave (fault_ep), looked up in its own CSpace when the fault happens, names an
 * endpoint cap with Write and Grant or GrantReply. Then the kernel makes the thread Call
 * that endpoint, as if the thread had done it: the handler receives a message whose label
 * is the kind of fault and whose words describe it (abi.h), with the badge of that cap (so a
 * handler of many threads, each given a cap with its own badge, knows whose fault it is),
 * and a reply cap. The thread waits for the answer; a handler that never answers (a loader
 * that kills the thread instead) leaves it waiting. With no handler: false, and the caller
 * stops the thread as before. `w` are the fault's own words (FAULT_WORDS). */
bool fault_send(struct tcb *t, enum fault_type type, const uint64_t *w)
{
    struct lookup_fault f;
    struct cte *s = cspace_lookup(tcb_slots(t)[TCB_CSPACE].cap, t->fault_ep, &f);
    if (!s || cap_type(s->cap) != CAP_ENDPOINT)
        return false;
    struct cap c = s->cap;
    unsigned r = cap_rights(c);
    if (!(r & RIGHT_WRITE) || !(r & (RIGHT_GRANT | RIGHT_GRANT_REPLY)))
        return false;
    t->fault = (uint8_t)type;
    for (unsigned i = 0; i < FAULT_WORDS; i++)
        t->fault_w[i] = w[i];
    cap_set_bits(&c, cap_bits(c) | RIGHT_GRANT_REPLY);   /* the handler can always answer */
    ipc_send(t, c, true, true);
    return true;
}

/* Message word i of the fault message: MR0-3 in x2-x5, the rest in the IPC buffer (none:
 * the message stops at four words, as any message does). Returns the length so far. */
static unsigned put_mr(struct tcb *to, struct ipc_buffer *b, unsigned i, uint64_t v)
{
    if (i < 4)
        to->regs.x[2 + i] = v;
    else if (b)
        b->msg[i] = v;
    else
        return 4;
    return i + 1;
}

/* The receiver gets the fault's message: label = its kind, the words abi.h lists. */
static void fault_transfer(struct tcb *from, struct tcb *to, uint64_t badge)
{
    struct ipc_buffer *b = tcb_ipc_buffer(to);
    const uint64_t *w = from->fault_w, *x = from->regs.x;
    unsigned n = 0;
    switch (from->fault) {
    case FAULT_CAP:                     /* cptr, phase, lookup failure and its words */
        put_mr(to, b, 0, from->regs.fault_ip);
        for (unsigned i = 0; i < 3; i++)
            n = put_mr(to, b, 1 + i, w[i]);
        if (w[2] != LOOKUP_INVALID_ROOT)
            n = put_mr(to, b, n, w[3]);                 /* bitsLeft */
        if (w[2] == LOOKUP_DEPTH_MISMATCH || w[2] == LOOKUP_GUARD_MISMATCH)
            n = put_mr(to, b, n, w[4]);                 /* bitsFound, or guardFound */
        if (w[2] == LOOKUP_GUARD_MISMATCH)
            n = put_mr(to, b, n, w[5]);                 /* the guard's size */
        break;
    case FAULT_UNKNOWN_SYSCALL:         /* its registers, then the number */
        for (unsigned i = 0; i < 8; i++)
            put_mr(to, b, i, x[i]);
        put_mr(to, b, 8, from->regs.fault_ip);
        put_mr(to, b, 9, from->regs.sp_el0);
        put_mr(to, b, 10, from->regs.elr);
        put_mr(to, b, 11, from->regs.spsr);
        n = put_mr(to, b, 12, w[0]);
        break;
    case FAULT_USER_EXCEPTION:          /* where, its stack, PSTATE, then ESR and a code */
        put_mr(to, b, 0, from->regs.fault_ip);
        put_mr(to, b, 1, from->regs.sp_el0);
        put_mr(to, b, 2, from->regs.spsr);
        put_mr(to, b, 3, w[0]);
        n = put_mr(to, b, 4, w[1]);
        break;
    case FAULT_VM:                      /* where, what address, instruction or data, ESR */
        put_mr(to, b, 0, from->regs.fault_ip);
        for (unsigned i = 0; i < 3; i++)
            n = put_mr(to, b, 1 + i, w[i]);
        break;
    default:
        break;
    }
    to->regs.x[0] = badge;
    to->regs.x[1] = msginfo(from->fault, 0, 0, n);
}

/* The handler answered (Reply, or ReplyRecv's first half): the thread runs again at the
 * instruction that faulted, or stays stopped. An answer to a user exception or an unknown
 * system call sets registers from its words (seL4_UserException_*: PC, SP, SPSR;
 * seL4_UnknownSyscall_*: x0-x7, PC, SP, LR, SPSR), and restarts the thread only if its
 * label is 0; a cap fault or a VM fault always restarts it (the handler fixed the cause, or
 * the thread faults again). */
static void fault_reply(struct tcb *t, struct tcb *caller)
{
    static const uint8_t exception_regs[] = { UC_PC, UC_SP, UC_SPSR };
    static const uint8_t syscall_regs[] = {
        UC_X0, UC_X1, UC_X2, UC_X3, UC_X4, UC_X5, UC_X6, UC_X7, UC_PC, UC_SP, UC_PC, UC_SPSR,
    };
    const uint8_t *regs = 0;
    unsigned nregs = 0;
    if (caller->fault == FAULT_USER_EXCEPTION) {
        regs = exception_regs;
        nregs = sizeof exception_regs;
    } else if (caller->fault == FAULT_UNKNOWN_SYSCALL) {
        regs = syscall_regs;
        nregs = sizeof syscall_regs;
    }
    uint64_t info = t->regs.x[1];
    unsigned len = (unsigned)msginfo_length(info);
    struct ipc_buffer *b = tcb_ipc_buffer(t);
    for (unsigned i = 0; i < nregs && i < len; i++) {
        if (i == 10)
            continue;                   /* LR: the restart below sets the PC from FaultIP */
        if (i >= 4 && !b)
            break;
        tcb_write_reg(caller, regs[i], i < 4 ? t->regs.x[2 + i] : b->msg[i]);
    }
    bool restart = !regs || msginfo_label(info) == 0;
    caller->fault = FAULT_NONE;
    if (restart) {
        caller->regs.elr = caller->regs.fault_ip;
        sched_wake(caller);
    } else {
        caller->state = THREAD_INACTIVE;
    }
}
/* ANCHOR_END: fault_send */
