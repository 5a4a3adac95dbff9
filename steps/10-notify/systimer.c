/*
 * systimer.c: the BCM2835 system timer (BCM2835 ARM Peripherals, chapter 12).
 */
#include "systimer.h"

#include "mmio.h"

/* ANCHOR: systimer */
#define ST_BASE     (PERIPHERAL_BASE + 0x3000)   /* bus address 0x7E003000 */
#define ST_CS       (ST_BASE + 0x00)   /* control/status: bit n = compare n matched (1 clears) */
#define ST_CLO      (ST_BASE + 0x04)   /* the counter's low 32 bits, in microseconds */
#define ST_C(n)     (ST_BASE + 0x0C + 4 * (n))   /* compare registers 0-3 */

/* Make compare `compare` (1 or 3) match `us` microseconds from now. Its interrupt, bank 1
 * source `compare` of the BCM2835 controller, stays asserted until the match bit is
 * cleared in ST_CS: this function clears an old one first. */
void systimer_alarm(unsigned compare, uint32_t us)
{
    mmio_barrier();
    mmio_write32(ST_CS, 1u << compare);
    mmio_write32(ST_C(compare), mmio_read32(ST_CLO) + us);   /* wraps, as the counter does */
    mmio_barrier();
}
/* ANCHOR_END: systimer */
