/*
 * invoke.c: a system call that names a cap. Call (x7 = -1), Send (-3) and NBSend (-4) on a
 * cap that is not an endpoint's are invocations of that object: the method in the message
 * info's label (x1), its arguments in the message words (MR0-3 in x2-x5, the rest in the IPC
 * buffer) and up to three extra caps, named by cptrs in the IPC buffer. The answer to a Call
 * comes back the same way: the error in the label, its words in the message.
 */
#include <stdbool.h>
#include <stdint.h>

#include "cnode.h"
#include "kprintf.h"
#include "sched.h"
#include "sysregs.h"
#include "tcb.h"
#include "trap.h"
#include "vspace.h"

static struct invocation inv;          /* one at a time: the kernel is not preemptible */

/* ANCHOR: invoke_dispatch */
/* Which object's decoder answers. Endpoints and notifications are for steps 09 and 10. */
static enum error dispatch(void)
{
    switch (cap_type(inv.slot->cap)) {
    case CAP_NULL:
        return inv_error(&inv, E_INVALID_CAPABILITY, 1, 0, 0);
    case CAP_UNTYPED:    return untyped_invoke(&inv);
    case CAP_CNODE:      return cnode_invoke(&inv);
    case CAP_THREAD:     return tcb_invoke(&inv);
    case CAP_FRAME:      return frame_invoke(&inv);
    case CAP_PAGE_TABLE: return page_table_invoke(&inv);
    case CAP_VSPACE:
    case CAP_ASID_POOL:  return vspace_invoke(&inv);
    case CAP_ENDPOINT:                  /* without Write it could not send (seL4's answer) */
        if (!(cap_rights(inv.slot->cap) & RIGHT_WRITE))
            return inv_error(&inv, E_INVALID_CAPABILITY, 1, 0, 0);
        return inv_error(&inv, E_ILLEGAL_OPERATION, 0, 0, 0);   /* messages: step 09 */
    default:             return inv_error(&inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    }
}
/* ANCHOR_END: invoke_dispatch */

/* ANCHOR: sys_invoke */
/* A cptr that leads nowhere is the caller's fault, not an error to answer (seL4's cap fault):
 * with no fault handler, the kernel prints it and the thread stops. */
static void cap_fault(struct tcb *t, uint64_t esr, uint64_t cptr, const struct lookup_fault *f)
{
    static const char *const why[] = {
        "no failure", "invalid root", "missing capability", "depth mismatch", "guard mismatch",
    };
    kprintf("fault: %s[%u] cap fault on cptr 0x%lx, %s pc=0x%016lx far=0x%016lx esr=0x%08lx\n",
            t->name, t->id, cptr, why[f->type], t->regs.fault_ip, UL(0), esr);
    sched_suspend(t);
}

void sys_invoke(struct tcb *t, uint64_t esr, bool call, bool blocking)
{
    struct trap_frame *tf = &t->regs;
    struct cap root = tcb_slots(t)[TCB_CSPACE].cap;
    struct lookup_fault f = { 0 };
    unsigned left;
    uint64_t info = tf->x[1];

    inv.slot = cspace_resolve(root, tf->x[0], 64, &left, &f);
    if (!inv.slot) {
        if (blocking)
            cap_fault(t, esr, tf->x[0], &f);
        return;
    }
    /* The message: at most 120 words, the ones past MR3 from the IPC buffer (0 without one). */
    struct ipc_buffer *buf = tcb_ipc_buffer(t);
    inv.label = msginfo_label(info);
    inv.length = (unsigned)msginfo_length(info);
    if (inv.length > MSG_MAX_LENGTH)
        inv.length = MSG_MAX_LENGTH;
    for (unsigned i = 0; i < inv.length; i++)
        inv.mr[i] = i < 4 ? tf->x[2 + i] : buf ? buf->msg[i] : 0;
    /* The extra caps, looked up in the caller's CSpace like the invoked one. */
    inv.extra = buf ? (unsigned)msginfo_caps(info) : 0;
    for (unsigned i = 0; i < inv.extra; i++) {
        inv.extra_slot[i] = cspace_resolve(root, buf->caps_or_badges[i], 64, &left, &f);
        if (!inv.extra_slot[i]) {
            if (blocking)
                cap_fault(t, esr, buf->caps_or_badges[i], &f);
            return;
        }
    }
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
/* ANCHOR_END: sys_invoke */
