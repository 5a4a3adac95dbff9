/*
 * irq.c: the two interrupt controllers of the Pi 3, and the table of handlers.
 *
 * An IRQ exception says only "something wants attention". irq_handle asks the local
 * controller which of core 0's sources are asserted; one of them may be the GPU line, and
 * then the BCM2835 controller's pending registers say which peripheral it was. Each source
 * goes to its handler in the table: the kernel's tick (timer.c), or, from step 10, the
 * delivery to a user driver (interrupt.c) of a line claimed with an IRQHandler cap.
 */
#include "irq.h"

#include <stdbool.h>
#include <stdint.h>

#include "mmio.h"
#include "mmu.h"

/* ANCHOR: local_regs */
/* The BCM2836 local controller ("ARM Quad A7 core", QA7 rev 3.4), at 0x40000000 on the
 * BCM2837 too. One set of registers per core; only core 0's are used. */
#define LOCAL_BASE            ((uintptr_t)PHYS_TO_VIRT(LOCAL_PA))
#define LOCAL_GPU_ROUTING     (LOCAL_BASE + 0x0C)  /* GPU interrupts routing: which core */
#define LOCAL_CORE0_TIMER_CTL (LOCAL_BASE + 0x40)  /* Core0 timers interrupt control */
#define LOCAL_CORE0_MBOX_CTL  (LOCAL_BASE + 0x50)  /* Core0 mailboxes interrupt control */
#define LOCAL_CORE0_IRQ_SRC   (LOCAL_BASE + 0x60)  /* Core0 IRQ source: bit n = source n */

#define LOCAL_GPU_TO_CORE0    0u        /* GPU IRQ (bits 1:0) and FIQ (3:2) to core 0 */
#define LOCAL_TIMER_SOURCES   4         /* sources 0-3: CNTPS, CNTPNS, CNTHP, CNTV ... */
#define LOCAL_MBOX_SOURCES    8         /* sources 4-7: mailboxes 0-3, IRQ enable bits 3:0 */
/* ANCHOR_END: local_regs */

/* ANCHOR: bcm2835_regs */
/* The BCM2835 interrupt controller (BCM2835 ARM Peripherals §7.5), bus address 0x7E00B200.
 * Its pending registers show the sources that are asserted *and* enabled; writing a 1 to
 * an enable or disable register changes that source only (the zeros do nothing). */
#define IC_BASE           (PERIPHERAL_BASE + 0xB200)
#define IC_PENDING(bank)  (IC_BASE + 0x04 + 4 * (bank))   /* IRQ pending 1 and 2 */
#define IC_ENABLE(bank)   (IC_BASE + 0x10 + 4 * (bank))   /* Enable IRQs 1 and 2 */
#define IC_DISABLE(bank)  (IC_BASE + 0x1C + 4 * (bank))   /* Disable IRQs 1 and 2 */
#define IC_DISABLE_BASIC  (IC_BASE + 0x24)    /* Disable Basic IRQs: the ARM's own sources */

#define IC_ALL            0xFFFFFFFFu
/* ANCHOR_END: bcm2835_regs */

/* ANCHOR: irq_table */
static irq_handler handlers[IRQ_COUNT];

void irq_set_handler(unsigned irq, irq_handler fn)
{
    if (irq < IRQ_COUNT)
        handlers[irq] = fn;
}

bool irq_has_handler(unsigned irq)
{
    return irq < IRQ_COUNT && handlers[irq] != 0;
}
/* ANCHOR_END: irq_table */

/* ANCHOR: irq_mask */
/* The register and bit that enable local source `n`, or false for one this kernel cannot
 * mask: the GPU line (8) is masked source by source at the BCM2835 controller, and the
 * PMU (9), AXI (10) and local timer (11) interrupts are off from reset and never enabled. */
static bool local_enable_bit(unsigned n, uintptr_t *reg, uint32_t *bit)
{
    if (n < LOCAL_TIMER_SOURCES) {
        *reg = LOCAL_CORE0_TIMER_CTL;
        *bit = 1u << n;
    } else if (n < LOCAL_MBOX_SOURCES) {
        *reg = LOCAL_CORE0_MBOX_CTL;
        *bit = 1u << (n - LOCAL_TIMER_SOURCES);
    } else {
        return false;
    }
    return true;
}

/* Let interrupt `irq` reach the core (unmask) or stop it there (mask). The BCM2835
 * controller has separate enable and disable registers, so one write changes one source.
 * The local controller's are read-modify-write, which nothing interrupts: the kernel runs
 * with IRQs masked. */
static void set_enabled(unsigned irq, bool on)
{
    mmio_barrier();
    if (irq < IRQ_BANK1_FIRST) {
        uintptr_t reg;
        uint32_t bit;
        if (local_enable_bit(irq, &reg, &bit)) {
            uint32_t v = mmio_read32(reg);
            mmio_write32(reg, on ? v | bit : v & ~bit);
        }
    } else if (irq < IRQ_COUNT) {
        unsigned bank = irq / 32 - 1;
        mmio_write32(on ? IC_ENABLE(bank) : IC_DISABLE(bank), 1u << (irq % 32));
    }
    mmio_barrier();
}

void irq_mask(unsigned irq)
{
    set_enabled(irq, false);
}

void irq_unmask(unsigned irq)
{
    set_enabled(irq, true);
}
/* ANCHOR_END: irq_mask */

/* ANCHOR: irq_init */
/* Every source masked, the GPU's interrupts routed to core 0. Call with IRQs masked
 * (PSTATE.I, as boot.S leaves it), before any irq_unmask. */
void irq_init(void)
{
    mmio_barrier();
    mmio_write32(LOCAL_GPU_ROUTING, LOCAL_GPU_TO_CORE0);
    mmio_write32(LOCAL_CORE0_TIMER_CTL, 0);
    mmio_write32(LOCAL_CORE0_MBOX_CTL, 0);
    mmio_write32(IC_DISABLE_BASIC, IC_ALL);
    mmio_write32(IC_DISABLE(0), IC_ALL);
    mmio_write32(IC_DISABLE(1), IC_ALL);
    mmio_barrier();
}
/* ANCHOR_END: irq_init */

/* ANCHOR: irq_handle */
/* Run the handler of `irq`. Only lines with a handler are ever unmasked, so one without can
 * only be a line that lost its handler while it was asserted: mask it, so it cannot come
 * back. */
static void dispatch(unsigned irq)
{
    if (handlers[irq])
        handlers[irq](irq);
    else
        irq_mask(irq);
}

/* Every asserted source of one 32-bit pending word, lowest number first. */
static void dispatch_word(unsigned first, uint32_t pending)
{
    while (pending) {
        unsigned bit = (unsigned)__builtin_ctz(pending);
        pending &= pending - 1;                 /* clear the lowest set bit */
        dispatch(first + bit);
    }
}

/* Called by trap.c for an IRQ exception, with IRQs masked. Reads each controller once and
 * handles everything they show; a source that is still asserted afterwards raises the IRQ
 * again as soon as eret unmasks it. Both pending registers are read rather than the basic
 * pending register's summary bits, which leave out the sources it shows on its own. */
void irq_handle(void)
{
    mmio_barrier();
    uint32_t local = mmio_read32(LOCAL_CORE0_IRQ_SRC);
    uint32_t bank[2] = { 0, 0 };
    if (local & (1u << IRQ_GPU)) {
        bank[0] = mmio_read32(IC_PENDING(0));
        bank[1] = mmio_read32(IC_PENDING(1));
    }
    mmio_barrier();

    dispatch_word(IRQ_LOCAL_FIRST, local & ~(1u << IRQ_GPU));
    dispatch_word(IRQ_BANK1_FIRST, bank[0]);
    dispatch_word(IRQ_BANK2_FIRST, bank[1]);
}
/* ANCHOR_END: irq_handle */
