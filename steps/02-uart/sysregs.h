/*
 * sysregs.h: reading the AArch64 system registers that say where the kernel is running.
 * Moved here from main.c in step 02, because the console's `info` command needs them too.
 */
#ifndef SYSREGS_H
#define SYSREGS_H

#include <stdint.h>

/* ANCHOR: sysregs */
/* CurrentEL holds the exception level in bits [3:2]. */
static inline uint64_t current_el(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, CurrentEL" : "=r"(v));
    return (v >> 2) & 3;
}

/* MPIDR_EL1.Aff0, bits [7:0], numbers the cores of the cluster 0 to 3. */
static inline uint64_t core_id(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
    return v & 0xff;
}
/* ANCHOR_END: sysregs */

#endif
