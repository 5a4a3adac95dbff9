/*
 * timer.h: the Arm generic timer, a 64-bit counter every core can read, ticking at a fixed
 * frequency the firmware sets (CNTFRQ_EL0: 19.2 MHz on a real Pi 3, 62.5 MHz in QEMU).
 * Step 05 makes it interrupt: the kernel's tick, TIMER_HZ times a second.
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

#include "sysregs.h"

/* ANCHOR: timer_read */
/* The counter's frequency in Hz (CNTFRQ_EL0). Set by the firmware; never hard-code it. */
static inline uint64_t timer_frequency(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

/* The counter's current value (CNTPCT_EL0), counting up since power-on. The `isb` keeps the
 * core from reading it early, ahead of the instructions before it: the Arm ARM ("The
 * physical counter") allows reads of CNTPCT to happen speculatively and out of order. */
static inline uint64_t timer_count(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(v) :: "memory");
    return v;
}

void timer_delay_us(uint64_t us);
/* ANCHOR_END: timer_read */

/* ANCHOR: cntp_regs */
/* CNTP_CTL_EL0, Counter-timer Physical Timer Control (Arm ARM D13). The timer's condition
 * is met while CNTPCT_EL0 >= CNTP_CVAL_EL0, the compare value; it then asserts its
 * interrupt (local source 1, CNTPNS) until the compare value moves into the future. */
#define CNTP_CTL_ENABLE   (UL(1) << 0)   /* ENABLE: the timer runs */
#define CNTP_CTL_IMASK    (UL(1) << 1)   /* IMASK: the condition does not raise the interrupt */
#define CNTP_CTL_ISTATUS  (UL(1) << 2)   /* ISTATUS (read-only): the condition is met */
/* ANCHOR_END: cntp_regs */

/* ANCHOR: tick_api */
#define TIMER_HZ 100                   /* ticks a second: seL4's default is 100 Hz as well */

/* The kernel's tick. Written by the timer's interrupt handler only; `ticks` is one aligned
 * 64-bit word, so a reader always sees a whole value. */
struct timer_tick {
    volatile uint64_t ticks;           /* whole periods since `start` */
    uint64_t period;                   /* counter ticks per tick: CNTFRQ_EL0 / hz */
    uint64_t start;                    /* the counter when ticking started */
    uint64_t deadline;                 /* the compare value now: start + (ticks + 1) * period */
    uint32_t hz;
};
extern struct timer_tick timer_tick;

int timer_tick_start(uint32_t hz);
/* ANCHOR_END: tick_api */

#endif
