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

/* ANCHOR: timer_delay_us */
/* Busy-wait for at least `us` microseconds: the count may be about to tick when we start, so
 * the wait is one tick longer than asked, never shorter. Unlike counting instructions, this
 * takes as long with the caches on as off, at 1.2 GHz as in QEMU. */
static inline void timer_delay_us(uint64_t us)
{
    uint64_t freq;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    uint64_t ticks = (us * freq + 999999) / 1000000 + 1;
    uint64_t start = timer_now();

    while (timer_now() - start < ticks)
        ;
}
/* ANCHOR_END: timer_delay_us */

#endif
