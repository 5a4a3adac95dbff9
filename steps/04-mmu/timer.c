/*
 * timer.c: waiting with the generic timer.
 */
#include "timer.h"

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
