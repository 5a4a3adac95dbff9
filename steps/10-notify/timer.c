/*
 * timer.c: waiting with the generic timer, and the kernel's tick: its interrupt.
 */
#include "timer.h"

#include "irq.h"
#include "sched.h"
#include "sysregs.h"

/* ANCHOR: timer_delay_us */
/* Busy-wait for at least `us` microseconds. The wait ends one tick late rather than early:
 * the count may be just about to tick when we start. Good for the short waits the hardware
 * asks for (a few microseconds); anything longer should not spin (step 05 has interrupts). */
void timer_delay_us(uint64_t us)
{
    uint64_t ticks = (us * timer_frequency() + 999999) / 1000000 + 1;
    uint64_t start = timer_count();

    while (timer_count() - start < ticks)
        ;
}
/* ANCHOR_END: timer_delay_us */

/* ANCHOR: timer_irq */
struct timer_tick timer_tick;

/*
 * The timer's interrupt (irq 1): count the deadlines that have passed, one unless IRQs were
 * masked for longer than a period, and program the next. The new compare value lies in the
 * future, so the timer's condition is no longer met and it drops its interrupt line: that
 * must happen before the handler returns, or eret would take the same interrupt again at
 * once. Deadlines advance by whole periods from the start, never from "now", so the time it
 * took to get here does not add up: ticks stays exactly (counter - start) / period. Then the
 * scheduler charges the tick to the thread it interrupted (one tick, however many passed).
 */
static void timer_irq(unsigned irq)
{
    (void)irq;
    uint64_t now = timer_count();
    if (now < timer_tick.deadline)
        return;                        /* spurious: the line had not dropped yet */
    uint64_t passed = (now - timer_tick.deadline) / timer_tick.period + 1;
    timer_tick.deadline += passed * timer_tick.period;
    sysreg_write(cntp_cval_el0, timer_tick.deadline);
    isb();                             /* the write has taken effect before eret */
    timer_tick.ticks += passed;
    sched_tick();                      /* the running thread used one more tick */
}
/* ANCHOR_END: timer_irq */

/* ANCHOR: timer_tick_start */
/* Interrupt `hz` times a second from now on, a period computed from CNTFRQ_EL0. Returns -1
 * if the counter is too slow for that (CNTFRQ_EL0 unset, or below hz). Call with IRQs
 * masked, after irq_init. */
int timer_tick_start(uint32_t hz)
{
    uint64_t freq = timer_frequency();
    if (hz == 0 || freq < hz)
        return -1;
    timer_tick.hz = hz;
    timer_tick.period = freq / hz;
    timer_tick.ticks = 0;
    timer_tick.start = timer_count();
    timer_tick.deadline = timer_tick.start + timer_tick.period;
    sysreg_write(cntp_cval_el0, timer_tick.deadline);   /* the compare value first ... */
    sysreg_write(cntp_ctl_el0, CNTP_CTL_ENABLE);        /* ... then on, IMASK clear */
    isb();
    irq_set_handler(IRQ_CNTPNS, timer_irq);
    irq_unmask(IRQ_CNTPNS);
    return 0;
}
/* ANCHOR_END: timer_tick_start */
