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

/* ANCHOR: pmu */
/* The PMU's cycle counter (Arm ARM, "The Performance Monitors Extension"). */
#define PMCR_E            (1ul << 0)   /* PMCR_EL0.E: enable the counters */
#define PMCNTENSET_C      (1ul << 31)  /* PMCNTENSET_EL0.C: enable the cycle counter */
#define PMCCFILTR_NSH     (1ul << 27)  /* PMCCFILTR_EL0.NSH: count at EL2 too (we run there) */

static inline void pmu_enable_cycles(void)
{
    __asm__ volatile("msr pmccfiltr_el0, %0" ::"r"(PMCCFILTR_NSH));
    __asm__ volatile("msr pmcntenset_el0, %0" ::"r"(PMCNTENSET_C));
    __asm__ volatile("msr pmcr_el0, %0; isb" ::"r"(PMCR_E));
}

/* Cycles counted since pmu_enable_cycles (instructions under QEMU's -icount). The isb
 * keeps the read from happening before the instructions that precede it. */
static inline uint64_t pmu_cycles(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v) :: "memory");
    return v;
}
/* ANCHOR_END: pmu */

#endif
