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

/* ANCHOR: daif */
/* PSTATE.I masks IRQs on this core. daifset/daifclr change only the bits named in the
 * immediate (#2 = I). Masking holds from the next instruction, no isb needed; after
 * unmasking, a pending interrupt is taken soon, at an instruction the architecture leaves
 * open. */
static inline void irq_disable(void)
{
    __asm__ volatile("msr daifset, #2" ::: "memory");
}

static inline void irq_enable(void)
{
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}

/* Mask IRQs and return how PSTATE.{D,A,I,F} were, for irq_restore: for code that may run
 * with IRQs masked or not (in a handler, or from the console) and must not be interrupted. */
static inline uint64_t irq_save(void)
{
    uint64_t daif;
    __asm__ volatile("mrs %0, daif" : "=r"(daif));
    irq_disable();
    return daif;
}

static inline void irq_restore(uint64_t daif)
{
    __asm__ volatile("msr daif, %0" : : "r"(daif) : "memory");
}

/* Sleep until an interrupt is pending. wfi wakes for a pending interrupt even while
 * PSTATE.I masks it, so the caller can check for work with IRQs masked, then sleep: the
 * interrupt is taken once it unmasks them. */
static inline void irq_wait(void)
{
    __asm__ volatile("wfi" ::: "memory");
}
/* ANCHOR_END: daif */

#endif
