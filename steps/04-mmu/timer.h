/*
 * timer.h: the Arm generic timer, a 64-bit counter every core can read, ticking at a fixed
 * frequency the firmware sets (CNTFRQ_EL0: 19.2 MHz on a real Pi 3, 62.5 MHz in QEMU).
 * In this step it only measures time; step 05 makes it interrupt.
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

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

#endif
