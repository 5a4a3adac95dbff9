/*
 * invoke.c: a system call that names a cap. Call (x7 = -1), Send (-3) and NBSend (-4) on an
 * endpoint cap send a message (ipc.c, step 09); on any other cap they invoke that object: the
 * method in the message info's label (x1), its arguments in the message words (MR0-3 in
 * x2-x5, the rest in the IPC buffer) and up to three extra caps, named by cptrs in the IPC
 * buffer. The answer to a Call comes back the same way: the error in the label, its words in
 * the message. Recv (-5), NBRecv (-8) and ReplyRecv (-2) name the endpoint to receive from.
 */
#include <stdbool.h>
#include <stdint.h>

#include "cnode.h"
#include "endpoint.h"
#include "interrupt.h"
#include "kprintf.h"
#include "notification.h"
#include "sched.h"
#include "sysregs.h"
#include "tcb.h"
#include "trap.h"
#include "vspace.h"

static struct invocation inv;          /* one at a time: the kernel is not preemptible */

/* ANCHOR: save_caller */
/* CNode_SaveCaller(root, index, depth): the caller's reply cap to that slot, which must be
 * empty. With no reply cap to save, nothing happens (seL4 answers NoError all the same). */
static enum error save_caller(void)
{
    struct cte *dst;
    if (inv.length < 2)
        return inv_error(&inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
    enum error e = cnode_lookup_target(&inv, inv.slot->cap, inv.mr[0], inv.mr[1], false, &dst);
    if (e)
        return e;
    if (cap_type(dst->cap) != CAP_NULL)
        return inv_error(&inv, E_DELETE_FIRST, 0, 0, 0);
    ipc_save_caller(inv.thread, dst);
    return E_NONE;
}
/* ANCHOR_END: save_caller */

/* ANCHOR: invoke_dispatch */
/* Which object's decoder answers. Endpoints and notifications are for steps 09 and 10, and
 * so are the interrupt caps (interrupt.c). */
static enum error dispatch(void)
{
    switch (cap_type(inv.slot->cap)) {
    case CAP_NULL:
        return inv_error(&inv, E_INVALID_CAPABILITY, 1, 0, 0);
    case CAP_UNTYPED:    return untyped_invoke(&inv);
    case CAP_CNODE:
        if (inv.label == CNODE_SAVE_CALLER)
            return save_caller();
        return cnode_invoke(&inv);
    case CAP_THREAD:     return tcb_invoke(&inv);
    case CAP_FRAME:      return frame_invoke(&inv);
    case CAP_PAGE_TABLE: return page_table_invoke(&inv);
    case CAP_VSPACE:
    case CAP_ASID_POOL:  return vspace_invoke(&inv);
    case CAP_IRQ_CONTROL: return irq_control_invoke(&inv);
    case CAP_IRQ_HANDLER: return irq_handler_invoke(&inv);
    case CAP_ENDPOINT:                  /* without Write it could not send (seL4's answer) */
        return inv_error(&inv, E_INVALID_CAPABILITY, 1, 0, 0);   /* with Write: ipc_send */
    case CAP_NOTIFICATION:              /* Signal: any label, any message; the cap's badge */
        if (!(cap_rights(inv.slot->cap) & RIGHT_WRITE))
            return inv_error(&inv, E_INVALID_CAPABILITY, 1, 0, 0);
        ntfn_signal(ntfn_of(inv.slot->cap), inv.slot->cap.w0);
        return E_NONE;
    default:             return inv_error(&inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    }
}
/* ANCHOR_END: invoke_dispatch */

/* ANCHOR: sys_invoke */
/* A cptr that leads nowhere is the caller's fault, not an error to answer (seL4's cap fault):
 * the kernel prints it, and (step 10) sends it to the thread's fault handler: the cptr,
 * whether it was a receive, and why the lookup failed. With no handler the thread stops. */
static void cap_fault(struct tcb *t, uint64_t esr, uint64_t cptr, const struct lookup_fault *f,
                      bool receive)
{
    static const char *const why[] = {
        "no failure", "invalid root", "missing capability", "depth mismatch", "guard mismatch",
    };
    kprintf("fault: %s[%u] cap fault on cptr 0x%lx, %s pc=0x%016lx far=0x%016lx esr=0x%08lx\n",
            t->name, t->id, cptr, why[f->type], t->regs.fault_ip, UL(0), esr);
    uint64_t w[FAULT_WORDS] = { cptr, receive, f->type, f->bits_left,
                                f->type == LOOKUP_GUARD_MISMATCH ? f->guard_found
                                                                 : f->bits_found,
                                f->guard_size };
    if (!fault_send(t, FAULT_CAP, w))
        thread_suspend(t);
}

void sys_invoke(struct tcb *t, uint64_t esr, bool call, bool blocking)
{
    struct trap_frame *tf = &t->regs;
    struct cap root = tcb_slots(t)[TCB_CSPACE].cap;
    struct lookup_fault f = { 0 };
    uint64_t info = tf->x[1];

    inv.slot = cspace_lookup(root, tf->x[0], &f);
    if (!inv.slot) {
        if (blocking)
            cap_fault(t, esr, tf->x[0], &f, false);
        return;
    }
    /* The extra caps, looked up in the caller's CSpace like the invoked one. */
    struct ipc_buffer *buf = tcb_ipc_buffer(t);
    inv.extra = buf ? (unsigned)msginfo_caps(info) : 0;
    for (unsigned i = 0; i < inv.extra; i++) {
        inv.extra_slot[i] = cspace_lookup(root, buf->caps_or_badges[i], &f);
        if (!inv.extra_slot[i]) {
            if (blocking)
                cap_fault(t, esr, buf->caps_or_badges[i], &f, false);
            return;
        }
    }
    /* An endpoint cap that may send: a message, not an invocation (ipc.c). A saved reply
     * cap: the answer. */
    struct cap c = inv.slot->cap;
    if (cap_type(c) == CAP_ENDPOINT && (cap_rights(c) & RIGHT_WRITE)) {
        ipc_send(t, c, blocking, call);
        return;
    }
    if (cap_type(c) == CAP_REPLY) {
        ipc_reply_with(t, inv.slot);
        return;
    }
    /* An invocation's words: at most 120, the ones past MR3 from the IPC buffer (0 without
     * one). A message never comes here: ipc.c copies it straight to its receiver. */
    inv.label = msginfo_label(info);
    inv.length = (unsigned)msginfo_length(info);
    if (inv.length > MSG_MAX_LENGTH)
        inv.length = MSG_MAX_LENGTH;
    for (unsigned i = 0; i < inv.length; i++)
        inv.mr[i] = i < 4 ? tf->x[2 + i] : buf ? buf->msg[i] : 0;
    inv.thread = t;
    inv.out_len = 0;
    enum error e = dispatch();
    /* The answer, unless the invocation stopped the caller (it suspended or deleted itself). */
    if (!call || t->state != THREAD_RUNNING)
        return;
    if (e == E_NONE && inv.out_len == 0) {
        tf->x[1] = 0;                  /* seL4's empty success: label 0, no words */
    } else {
        tf->x[1] = msginfo(e, 0, 0, inv.out_len);
        for (unsigned i = 0; i < inv.out_len; i++) {
            if (i < 4)
                tf->x[2 + i] = inv.out[i];
            else if (buf)
                buf->msg[i] = inv.out[i];
        }
    }
    tf->x[0] = 0;                      /* the badge: a kernel's answer has none */
}

/* Recv, NBRecv, and the receive half of ReplyRecv: the cptr must name an endpoint cap or
 * (step 10: Wait and Poll) a notification cap, with Read, and a notification bound to
 * another thread cannot be waited on; anything else is a cap fault, as in seL4. */
void sys_recv(struct tcb *t, uint64_t esr, bool blocking)
{
    struct lookup_fault f = { .type = LOOKUP_MISSING_CAPABILITY };
    struct cte *s = cspace_lookup(tcb_slots(t)[TCB_CSPACE].cap, t->regs.x[0], &f);
    if (s && cap_type(s->cap) == CAP_NOTIFICATION && (cap_rights(s->cap) & RIGHT_READ) &&
        (!ntfn_of(s->cap)->bound || ntfn_of(s->cap)->bound == t)) {
        cte_delete_one(&tcb_slots(t)[TCB_CALLER]);   /* a reply still owed is dropped */
        ntfn_wait(t, ntfn_of(s->cap), blocking);
        return;
    }
    if (!s || cap_type(s->cap) != CAP_ENDPOINT || !(cap_rights(s->cap) & RIGHT_READ)) {
        if (s)
            f = (struct lookup_fault){ .type = LOOKUP_MISSING_CAPABILITY };
        cap_fault(t, esr, t->regs.x[0], &f, true);
        return;
    }
    ipc_recv(t, s->cap, blocking);
}
/* ANCHOR_END: sys_invoke */
