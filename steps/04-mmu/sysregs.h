/*
 * sysregs.h: the AArch64 system registers the kernel reads and sets, with their fields by
 * their names in the Arm Architecture Reference Manual. Step 04 adds the fields it sets and makes the
 * file usable from assembly too (boot.S): constants are plain expressions, and UL() adds the
 * C suffix; the C helpers are hidden from the assembler.
 */
#ifndef SYSREGS_H
#define SYSREGS_H

#ifdef __ASSEMBLY__
#define UL(x) (x)
#else
#define UL(x) (x##UL)
#endif

/* ANCHOR: el2_regs */
/* HCR_EL2, Hypervisor Configuration Register */
#define HCR_EL2_RW            (UL(1) << 31)   /* EL1 is AArch64 (else AArch32) */

/* CNTHCTL_EL2, Counter-timer Hypervisor Control */
#define CNTHCTL_EL2_EL1PCTEN  (UL(1) << 0)    /* EL1/EL0 may read the physical counter CNTPCT_EL0 */
#define CNTHCTL_EL2_EL1PCEN   (UL(1) << 1)    /* EL1/EL0 may use the physical timer CNTP_* */

/* CPTR_EL2, Architectural Feature Trap (EL2): bits 13:12 and 9:0 are RES1; TFP (bit 10) = 0
 * so FP/SIMD instructions are not trapped to EL2 (EL1 decides, with CPACR_EL1) */
#define CPTR_EL2_RES1         UL(0x33ff)

/* MDCR_EL2, Monitor Debug Configuration (EL2): HPMN, bits 4:0, is how many PMU event counters
 * EL1 may use; the trap bits (TPM, TPMCR, ...) stay 0 so EL1 owns the PMU */
#define PMCR_EL0_N_SHIFT      11              /* PMCR_EL0.N, bits 15:11: number of event counters */
#define PMCR_EL0_N_BITS       5

/* SPSR_EL2 / SPSR_EL1: the saved PSTATE that eret restores */
#define SPSR_M_EL0T           UL(0x0)         /* M[3:0]: EL0, SP_EL0 */
#define SPSR_M_EL1T           UL(0x4)         /* EL1, SP_EL0 ("thread" stack) */
#define SPSR_M_EL1H           UL(0x5)         /* EL1, SP_EL1 ("handler" stack) */
#define SPSR_M_MASK           UL(0xf)
#define SPSR_F                (UL(1) << 6)    /* FIQ masked */
#define SPSR_I                (UL(1) << 7)    /* IRQ masked */
#define SPSR_A                (UL(1) << 8)    /* SError masked */
#define SPSR_D                (UL(1) << 9)    /* debug exceptions masked */
#define SPSR_DAIF             (SPSR_D | SPSR_A | SPSR_I | SPSR_F)
/* ANCHOR_END: el2_regs */

/* ANCHOR: sctlr */
/* SCTLR_EL1, System Control Register (EL1) */
#define SCTLR_EL1_M           (UL(1) << 0)    /* stage 1 MMU on */
#define SCTLR_EL1_A           (UL(1) << 1)    /* alignment checks on every access (we leave it 0) */
#define SCTLR_EL1_C           (UL(1) << 2)    /* data accesses may be cached */
#define SCTLR_EL1_SA          (UL(1) << 3)    /* SP must be 16-byte aligned when used at EL1 */
#define SCTLR_EL1_SA0         (UL(1) << 4)    /* ... and at EL0 */
#define SCTLR_EL1_I           (UL(1) << 12)   /* instruction fetches may be cached */
#define SCTLR_EL1_WXN         (UL(1) << 19)   /* writable implies never-executable (we leave it 0) */
#define SCTLR_EL1_EE          (UL(1) << 25)   /* big-endian data at EL1 (we leave it 0) */
/* RES1 in ARMv8.0: bits 29, 28, 23, 22, 20, 11. Writing them as 1 is part of a known value. */
#define SCTLR_EL1_RES1        ((UL(1) << 29) | (UL(1) << 28) | (UL(1) << 23) | \
                               (UL(1) << 22) | (UL(1) << 20) | (UL(1) << 11))
/* What EL1 starts with: MMU and caches off, little-endian, SP alignment checked. */
#define SCTLR_EL1_BOOT        (SCTLR_EL1_RES1 | SCTLR_EL1_SA | SCTLR_EL1_SA0)
/* ANCHOR_END: sctlr */

#ifndef __ASSEMBLY__
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
#define PMCCFILTR_NSH     (1ul << 27)  /* PMCCFILTR_EL0.NSH: count at EL2 too (harmless at EL1) */

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

/* ANCHOR: sysreg_access */
/* Read or write a system register by name: sysreg_read(sctlr_el1). */
#define sysreg_read(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " #name : "=r"(v_)); v_; })
#define sysreg_write(name, v) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
/* ANCHOR_END: sysreg_access */
#endif

#endif
