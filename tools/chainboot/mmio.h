/*
 * mmio.h: reading and writing the BCM2837's peripheral registers.
 *
 * The chainloader has its own copy of these helpers (tools are not steps, and steps share no
 * code through common/). Peripherals sit at ARM physical 0x3F000000 on a Pi 3.
 */
#ifndef MMIO_H
#define MMIO_H

#include <stdint.h>

#define MMIO_BASE 0x3F000000UL  /* BCM2837 peripherals, ARM physical address */

/*
 * The BCM2835 ARM Peripherals manual (section 1.3) warns that reads from two different
 * peripherals may come back out of order; it asks for a barrier before the first write to and
 * after the last read from a peripheral. The loader is not in a hurry, so every access gets
 * its barrier and no caller has to think about it.
 */
static inline void mmio_write32(uint64_t addr, uint32_t value)
{
    __asm__ volatile("dsb st" ::: "memory");
    *(volatile uint32_t *)addr = value;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
    uint32_t value = *(volatile uint32_t *)addr;
    __asm__ volatile("dsb ld" ::: "memory");
    return value;
}

#endif
