/*
 * boot.S: from the firmware's jump to kernel_main.
 *
 * The firmware starts core 0 at the physical address 0x80000, at EL2, MMU off. The kernel is
 * linked to run at KBASE + 0x80000 in the upper half, so until it branches there this code may
 * use only PC-relative addresses (adr, adrp, b, bl): an absolute address would be the high one,
 * which means nothing before the MMU is on.
 */
#include "sysregs.h"

/* ANCHOR: entry */
    .section ".text.boot", "ax"
    .global _start
_start:
    mrs     x0, mpidr_el1           // Multiprocessor Affinity Register: which core am I?
    and     x0, x0, #0xff           // Aff0, bits [7:0]: the core number within the cluster
    cbz     x0, primary             // core 0 boots the kernel ...
    b       park                    // ... every other core waits forever
/* ANCHOR_END: entry */

/* ANCHOR: park */
    .global park
park:                               // cores we do not use sleep here
    wfi                             // until an interrupt, and none is ever routed to them
    b       park                    // a wake-up is not an invitation: go back to sleep
    .global park_end
park_end:
/* ANCHOR_END: park */

/* ANCHOR: el2_to_el1 */
primary:
    mov     x0, #PMCCFILTR_NSH      // the PMU's cycle counter counts here at EL2 and at EL1 ...
    msr     pmccfiltr_el0, x0
    mov     x0, #PMCNTENSET_C
    msr     pmcntenset_el0, x0
    mov     x0, #(PMCR_E | PMCR_C)  // ... from zero, from now on: bench.c reports the boot's cost
    msr     pmcr_el0, x0
    mrs     x0, CurrentEL           // bits 3:2: the exception level we were started at
    cmp     x0, #(2 << 2)
    b.ne    el1_entry               // not EL2 (other firmware): assume EL1 and carry on

    mov     x0, #HCR_EL2_RW         // EL1 runs AArch64; no other hypervisor traps
    msr     hcr_el2, x0
    mov     x0, #(CNTHCTL_EL2_EL1PCTEN | CNTHCTL_EL2_EL1PCEN)
    msr     cnthctl_el2, x0         // EL1 may use the physical counter and timer
    msr     cntvoff_el2, xzr        // virtual counter = physical counter
    mov     x0, #CPTR_EL2_RES1      // FP/SIMD not trapped to EL2 (EL1's CPACR decides)
    msr     cptr_el2, x0
    mrs     x0, pmcr_el0            // PMCR_EL0.N: how many PMU event counters exist ...
    ubfx    x0, x0, #PMCR_EL0_N_SHIFT, #PMCR_EL0_N_BITS
    msr     mdcr_el2, x0            // ... all of them for EL1 (HPMN = N), no PMU traps to EL2
    ldr     x0, =SCTLR_EL1_BOOT     // EL1's MMU and caches off, RES1 bits set: a known state
    msr     sctlr_el1, x0

    mov     x0, #(SPSR_DAIF | SPSR_M_EL1H)
    msr     spsr_el2, x0            // "return" to EL1 using SP_EL1, every interrupt masked
    adr     x0, el1_entry
    msr     elr_el2, x0             // ... at el1_entry (its physical address: adr)
    eret                            // PSTATE := SPSR_EL2, PC := ELR_EL2: now at EL1
/* ANCHOR_END: el2_to_el1 */

/* ANCHOR: el1_entry */
el1_entry:
    // A stack for the C code that builds the tables: the kernel stack, at its physical address.
    adrp    x0, __kstack_top
    add     x0, x0, :lo12:__kstack_top
    mov     sp, x0

    // Zero .bss, which now begins with the translation tables: 16 bytes a store, since
    // link.ld aligns both ends to 16.
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16     // store two zero words, then advance x1 by 16
    b       1b

2:  bl      mmu_build_tables        // C with the MMU off (mmu.c)
    bl      mmu_enable              // MMU and caches on; we still run at the physical address,
                                    // which the boot identity map in TTBR0 keeps valid
    ldr     x0, =high_entry         // an absolute address from the literal pool: the high one
    br      x0
/* ANCHOR_END: el1_entry */

/* ANCHOR: high_entry */
high_entry:                         // from here on the PC is in the upper half
    ldr     x0, =exception_vectors
    msr     vbar_el1, x0            // exceptions now go to exception.S
    ldr     x0, =__kstack_top
    msr     tpidr_el1, x0           // where the exception entry finds the kernel stack
    ldr     x0, =boot_frame
    mov     sp, x0                  // SP_EL1 := the frame an exception from kernel_main fills
    ldr     x0, =__boot_stack_top
    msr     sp_el0, x0              // kernel_main's own stack, with a guard page below
    msr     spsel, #0               // EL1t: from now on `sp` means SP_EL0
    isb

    bl      mmu_drop_identity       // the lower half is empty from here on
    bl      kernel_main             // C from here on
    b       park                    // kernel_main does not return; if it does, stop here
/* ANCHOR_END: high_entry */
