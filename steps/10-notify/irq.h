/*
 * irq.h: interrupts, numbered once for the whole machine.
 *
 * The Pi 3 has no GIC. Two controllers decide what reaches core 0's IRQ line: the BCM2836
 * "local" controller (one per core: its timers, mailboxes, and the GPU's line) and, behind
 * that GPU line, the BCM2835 controller of the peripherals. This kernel numbers every source
 * it can tell apart with one flat number:
 *
 *    0 .. 31   core 0's local sources: bit n of the IRQ source register (0x40000060)
 *   32 .. 63   the BCM2835 controller's bank 1: bit n - 32 of IRQ pending 1
 *   64 .. 95   its bank 2: bit n - 64 of IRQ pending 2
 *
 * From step 10 on, IRQHandler capabilities name interrupts by these numbers (interrupt.c).
 */
#ifndef IRQ_H
#define IRQ_H

#include <stdbool.h>
#include <stdint.h>

/* ANCHOR: irq_numbers */
#define IRQ_LOCAL_FIRST  0
#define IRQ_BANK1_FIRST  32
#define IRQ_BANK2_FIRST  64
#define IRQ_COUNT        96

#define IRQ_CNTPNS       1     /* local: the EL1 physical timer (non-secure), the kernel's tick */
#define IRQ_GPU          8     /* local: "the BCM2835 controller has something": never a source */
/* ANCHOR_END: irq_numbers */

/* ANCHOR: irq_api */
/* A handler runs with IRQs masked, on the kernel stack, and must make its device stop
 * asserting the line before it returns (or the same interrupt is taken again at once). */
typedef void (*irq_handler)(unsigned irq);

void irq_init(void);
void irq_set_handler(unsigned irq, irq_handler fn);   /* fn 0: none */
bool irq_has_handler(unsigned irq);    /* step 10: the kernel's, or a user driver's */
void irq_mask(unsigned irq);
void irq_unmask(unsigned irq);
void irq_handle(void);                 /* trap.c, for every IRQ exception */
/* ANCHOR_END: irq_api */

#endif
