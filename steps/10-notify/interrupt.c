/*
 * interrupt.c: interrupts delivered to user space (seL4's IRQControl and IRQHandler caps).
 *
 * A driver in user space cannot take an interrupt itself: the exception comes to the
 * kernel. So the kernel turns it into a notification. IRQControl_Get claims a line and
 * makes an IRQHandler cap for it; IRQHandler_SetNotification says which notification (and
 * so which badge) the line signals. When the line fires, the kernel masks it at its
 * controller and signals. The driver, woken from its Wait, serves the device (which then
 * stops asserting the line) and calls IRQHandler_Ack, which unmasks the line again. So a
 * line is delivered at most once per Ack, however often the device asserts it in between.
 *
 * Lines are numbered as irq.h numbers them (0-95); a line is claimed while its handler in
 * irq.c's table is this file's deliver().
 */
#include "interrupt.h"

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "cap.h"
#include "cnode.h"
#include "irq.h"
#include "notification.h"

/* ANCHOR: irq_node */
/* The notification cap each line signals, kept in a slot of the kernel's own (seL4's "IRQ
 * node"), not as a bare value: a slot keeps the cap in the derivation tree, as a copy of the
 * cap it was set from. So revoking that cap, or the untyped the notification came from,
 * takes it away too; and while it is here, the notification lives on even if the driver
 * deletes its own caps to it. No CSpace holds these slots: no program can name them. */
static struct cte irq_node[IRQ_COUNT];
/* ANCHOR_END: irq_node */

/* ANCHOR: irq_deliver */
/* A claimed line fired: irq.c calls this from the IRQ exception, with IRQs masked. The
 * device keeps asserting the line until its driver has served it, and the driver cannot run
 * before the kernel returns, so the line is masked first (or the interrupt would be taken
 * again at once). Then the notification is signalled with its cap's badge, which may wake
 * the driver. With no notification set, the interrupt is dropped, as seL4 drops it; the line
 * stays masked all the same, and a device still asserting it is heard after the next Ack.
 *
 * The kernel runs with IRQs masked, so this never happens inside a system call: the IPC
 * fastpath (fastpath.c) sees a notification either before a Signal from here or after it,
 * and its ReplyRecv leaves a thread whose bound notification is Active to the slowpath,
 * which returns the signal. No signal is lost or skipped. */
static void deliver(unsigned irq)
{
    irq_mask(irq);
    struct cap c = irq_node[irq].cap;
    if (cap_type(c) == CAP_NOTIFICATION)
        ntfn_signal(ntfn_of(c), c.w0);
}
/* ANCHOR_END: irq_deliver */

/* ANCHOR: irq_active */
/* Whether the line is taken (seL4's isIRQActive): claimed by a driver, or used by the kernel
 * itself. The kernel's own are the line it has a handler for, the tick's (1), and line 8,
 * the cascade from the BCM2835 controller. (The mini UART's, 61, is init's serial driver's:
 * the kernel only sends on the UART, polled.) Line 8 is
 * never a source: every peripheral's interrupt arrives through it, so it is the kernel's as
 * much as the tick's line is, and it answers RevokeFirst as the tick's does. RangeError would
 * be wrong: 8 lies inside the very bounds (0..95) that RangeError's answer reports. */
static bool irq_active(unsigned irq)
{
    return irq == IRQ_GPU || irq_has_handler(irq);
}
/* ANCHOR_END: irq_active */

/* ANCHOR: irq_control */
/* IRQControl_Get(irq, root, index, depth): an IRQHandler cap for `irq` in the empty slot
 * (index, depth) of the CSpace whose root CNode is the extra cap. seL4's checks, in seL4's
 * order: the number, whether the line is taken, then the slot. Any line in range that is
 * not taken can be claimed, even a local source the kernel cannot unmask (9-31): its
 * handler never fires, as in seL4. */
static enum error issue_handler(struct invocation *inv, uint64_t irq, uint64_t index,
                                uint64_t depth)
{
    if (irq >= IRQ_COUNT)
        return inv_error(inv, E_RANGE, 2, 0, IRQ_COUNT - 1);
    if (irq_active((unsigned)irq))
        return inv_error(inv, E_REVOKE_FIRST, 0, 0, 0);
    struct cte *dst;
    enum error e = cnode_lookup_target(inv, inv->extra_slot[0]->cap, index, depth, false, &dst);
    if (e)
        return e;
    if (cap_type(dst->cap) != CAP_NULL)
        return inv_error(inv, E_DELETE_FIRST, 0, 0, 0);
    /* Claimed. The new cap is a child of the IRQControl cap (revoking that takes it away).
     * The line is unmasked at once, as seL4 does: until a notification is set, what it
     * raises is dropped, and the line masked until an Ack. */
    irq_set_handler((unsigned)irq, deliver);
    cte_insert(inv->slot, dst, cap_make(CAP_IRQ_HANDLER, 0, 0, irq));
    irq_unmask((unsigned)irq);
    return E_NONE;
}

/* The IRQControl methods. GetTrigger (label 49) and IssueSGISignal (50) are in libsel4 for
 * every Arm board, but this board has neither: its lines are level-triggered, fixed in the
 * hardware (seL4 sets a trigger only through a GIC), and it has no software-generated
 * interrupts. seL4 answers IllegalOperation for both on the Pi 3, after the same check of
 * the message's length (4 words: irq, trigger or target, index, depth) and root cap. */
enum error irq_control_invoke(struct invocation *inv)
{
    switch (inv->label) {
    case IRQ_ISSUE_IRQ_HANDLER:
        if (inv->length < 3 || inv->extra < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        return issue_handler(inv, inv->mr[0], inv->mr[1], inv->mr[2]);
    case ARM_IRQ_ISSUE_IRQ_HANDLER_TRIGGER:
    case ARM_IRQ_ISSUE_SGI_SIGNAL:
        if (inv->length < 4 || inv->extra < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    default:
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    }
}
/* ANCHOR_END: irq_control */

/* ANCHOR: irq_handler */
/* The IRQHandler methods, on the line the cap names (its w0). Ack unmasks the line, whether
 * or not it fired. SetNotification replaces the notification the line signals with a copy
 * of the extra cap, which must be a notification cap that may Signal (Write); seL4 reports a
 * wrong one as InvalidCapability with 0 as the cap's number. Clear removes it: the line stays
 * claimed, and what it raises is dropped. */
enum error irq_handler_invoke(struct invocation *inv)
{
    unsigned irq = (unsigned)inv->slot->cap.w0;
    switch (inv->label) {
    case IRQ_ACK_IRQ:
        irq_unmask(irq);
        return E_NONE;
    case IRQ_SET_IRQ_HANDLER: {
        if (inv->extra < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        struct cte *n = inv->extra_slot[0];
        if (cap_type(n->cap) != CAP_NOTIFICATION || !(cap_rights(n->cap) & RIGHT_WRITE))
            return inv_error(inv, E_INVALID_CAPABILITY, 1, 0, 0);
        cte_delete_one(&irq_node[irq]);
        cte_insert(n, &irq_node[irq], n->cap);
        return E_NONE;
    }
    case IRQ_CLEAR_IRQ_HANDLER:
        cte_delete_one(&irq_node[irq]);
        return E_NONE;
    default:
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    }
}

/* The last cap for the line is gone (a Delete, a Revoke, a killed program's CNode): the line
 * is masked, forgets its notification, and is free to be claimed again. Deleting the
 * notification's copy may finalise the notification, if that was its last cap. */
void irq_handler_finalise(unsigned irq)
{
    irq_mask(irq);
    irq_set_handler(irq, 0);
    cte_delete_one(&irq_node[irq]);
}
/* ANCHOR_END: irq_handler */
