/*
 * systimer.h: the BCM2835 system timer, a free-running 1 MHz counter with four compare
 * registers. On a real Pi the VideoCore uses compares 0 and 2; 1 and 3 are the ARM's.
 * This step uses it only to make an interrupt nobody handles (`irq test`).
 */
#ifndef SYSTIMER_H
#define SYSTIMER_H

#include <stdint.h>

/* ANCHOR: systimer_api */
void systimer_alarm(unsigned compare, uint32_t us);
/* ANCHOR_END: systimer_api */

#endif
