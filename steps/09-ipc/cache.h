/*
 * cache.h: data-cache maintenance by address, for memory another bus master (the VideoCore)
 * reads or writes behind the CPU's back.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stdint.h>
#include "sysregs.h"

/* ANCHOR: cache */
/* CTR_EL0.DminLine, bits 19:16: log2 of the smallest data-cache line, in 4-byte words. */
static inline uint64_t cache_line_size(void)
{
    return 4UL << ((sysreg_read(ctr_el0) >> 16) & 0xf);
}

/* Write every dirty line of [p, p + len) back to memory (dc cvac: clean to the Point of
 * Coherency), so that a device reading memory sees what the CPU wrote. */
static inline void cache_clean_range(const volatile void *p, uint64_t len)
{
    uint64_t line = cache_line_size();
    uint64_t a = (uint64_t)(uintptr_t)p & ~(line - 1);
    for (; a < (uint64_t)(uintptr_t)p + len; a += line)
        __asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
    dsb(sy);                                   /* the cleans have finished */
}

/* Throw away the cached copy of [p, p + len) (dc ivac), so the next read fetches what a device
 * wrote to memory. Lines are discarded even if dirty: [p, p + len) must cover whole lines
 * that hold nothing else. */
static inline void cache_invalidate_range(const volatile void *p, uint64_t len)
{
    uint64_t line = cache_line_size();
    uint64_t a = (uint64_t)(uintptr_t)p & ~(line - 1);
    for (; a < (uint64_t)(uintptr_t)p + len; a += line)
        __asm__ volatile("dc ivac, %0" : : "r"(a) : "memory");
    dsb(sy);
}

/* Clean and invalidate (dc civac): memory gets the dirty data and the cache forgets the lines. */
static inline void cache_flush_range(const volatile void *p, uint64_t len)
{
    uint64_t line = cache_line_size();
    uint64_t a = (uint64_t)(uintptr_t)p & ~(line - 1);
    for (; a < (uint64_t)(uintptr_t)p + len; a += line)
        __asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
    dsb(sy);
}
/* ANCHOR_END: cache */

/* ANCHOR: cache_code */
/* Make code the kernel has just written (through its own mapping, as data) fetchable as
 * instructions. The instruction cache does not see the data cache, so: clean each line of
 * [p, p + len) to the Point of Unification (dc cvau), where instruction fetches look, wait
 * (dsb ish), then invalidate the whole instruction cache of every core (ic ialluis: the
 * program will fetch through other virtual addresses than p, so invalidating by address
 * would not do), wait, and synchronise (Arm ARM B2.4.4, "Concurrent modification and
 * execution of instructions"; D4.4, "Cache support"). */
static inline void cache_sync_code(const volatile void *p, uint64_t len)
{
    uint64_t line = cache_line_size();
    uint64_t a = (uint64_t)(uintptr_t)p & ~(line - 1);
    for (; a < (uint64_t)(uintptr_t)p + len; a += line)
        __asm__ volatile("dc cvau, %0" : : "r"(a) : "memory");
    dsb(ish);
    __asm__ volatile("ic ialluis" ::: "memory");
    dsb(ish);
    isb();
}
/* ANCHOR_END: cache_code */

#endif
