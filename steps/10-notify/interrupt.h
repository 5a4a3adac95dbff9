/*
 * interrupt.h: interrupts handled in user space, through two kinds of cap (seL4's IRQControl
 * and IRQHandler). IRQControl is the right to claim an interrupt line; claiming one gives an
 * IRQHandler cap for it, which says which notification the line signals and lets its holder
 * acknowledge each interrupt. The kernel itself only masks the line and signals: the driver,
 * a user thread waiting on that notification, talks to the device.
 */
#ifndef INTERRUPT_H
#define INTERRUPT_H

#include "cnode.h"

/* ANCHOR: interrupt_api */
/* The decoders (invoke.c): IRQControl_Get, IRQHandler_Ack, _SetNotification and _Clear. */
enum error irq_control_invoke(struct invocation *inv);
enum error irq_handler_invoke(struct invocation *inv);
/* The last IRQHandler cap for irq is gone (objects.c): the line is masked, forgets its
 * notification, and can be claimed again. */
void irq_handler_finalise(unsigned irq);
/* ANCHOR_END: interrupt_api */

#endif
