/*
 * timer.h: the Arm generic timer's counter, for time-outs.
 *
 * CNTPCT_EL0 counts at CNTFRQ_EL0 ticks per second (19.2 MHz on a Pi 3, 62.5 MHz in QEMU:
 * read it, never assume it). Both are readable at EL2 and at EL1 as the firmware leaves them.
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

static inline uint64_t timer_now(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(v) :: "memory");  /* isb: no early read */
    return v;
}

/* The counter value `ms` milliseconds from now. */
static inline uint64_t timer_deadline_ms(uint64_t ms)
{
    uint64_t freq;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    return timer_now() + freq / 1000 * ms;
}

#endif
