/*
 * mmio.h: reading and writing the registers of memory-mapped peripherals.
 *
 * Every device register is a 32-bit word at a fixed physical address. `volatile` tells the
 * compiler that each access has an effect it cannot see, so it must do every read and write,
 * exactly once, in program order.
 */
#ifndef MMIO_H
#define MMIO_H

#include <stdint.h>

#include "mmu.h"

/* ANCHOR: mmio */
/* Where the peripherals appear in the ARM's physical address space on a BCM2837 (Pi 3). The
 * BCM2835 ARM Peripherals manual gives bus addresses 0x7Exxxxxx; the ARM sees them at
 * 0x3Fxxxxxx (manual §1.2.3, with the Pi 3's base instead of the Pi 1's 0x20000000).
 * With the MMU on, the kernel reaches them through the linear map, at KBASE + 0x3F000000. */
#define PERIPHERAL_BASE ((uintptr_t)PHYS_TO_VIRT(PERIPH_PA))

/* Read the 32-bit register at (virtual) address `addr`. */
static inline uint32_t mmio_read32(uintptr_t addr)
{
    return *(volatile uint32_t *)addr;
}

/* Write `value` to the 32-bit register at (virtual) address `addr`. */
static inline void mmio_write32(uintptr_t addr, uint32_t value)
{
    *(volatile uint32_t *)addr = value;
}

/* The BCM2835 manual, §1.3 "Peripheral access precautions for correct memory ordering": the
 * SoC's bus may return reads from two *different* peripherals out of order, and the ARM core
 * does not put them back in order. Accesses to one peripheral stay in order. So every driver
 * function that touches a peripheral calls mmio_barrier() before its first access and after
 * its last: whatever ran before or runs after may use another peripheral. `dsb sy` waits
 * until every earlier memory access has completed; the "memory" clobber stops the compiler
 * from moving accesses across it. */
static inline void mmio_barrier(void)
{
    __asm__ volatile("dsb sy" ::: "memory");
}
/* ANCHOR_END: mmio */

#endif
