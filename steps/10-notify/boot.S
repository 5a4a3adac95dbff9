/*
 * boot.S: from the firmware's jump to kernel_main.
 *
 * The firmware starts core 0 at the physical address 0x80000, at EL2, MMU off. The kernel is
 * linked to run at KBASE + 0x80000 in the upper half, so until it branches there this code may
 * use only PC-relative addresses (adr, adrp, b, bl): an absolute address would be the high one,
 * which means nothing before the MMU is on.
 */
#include "mmu.h"
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
    // Exceptions from here on get a report, even with the MMU off: boot.S's own vector table,
    // at its physical address (adr), which is where the PC runs now (early_vectors, below).
    adr     x0, early_vectors
    msr     vbar_el1, x0
    isb

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
    msr     vbar_el1, x0            // exceptions now go to exception.S, at its high address
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

/* ANCHOR: early_vectors */
/* The vector table of the boot: VBAR_EL1 holds its physical address from el1_entry until
 * high_entry installs exception.S's. Every entry puts its number in x0 and reports. */
.macro early_entry kind
    .balign 0x80
    mov     x0, #\kind
    b       early_report
.endm

    .section ".text.vectors", "ax"  // link.ld puts both vector tables after .text.boot
    .balign 2048                    // VBAR_EL1 bits 10:0 are RES0
early_vectors:
    .irp kind, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    early_entry \kind
    .endr
/* ANCHOR_END: early_vectors */

/* ANCHOR: early_report */
/* What can an exception before high_entry trust? Not the stack (it may be what is broken),
 * not the kernel's high addresses (the MMU may be off), not the C report (it uses both). So
 * this code keeps to registers, reads its strings PC-relative, writes only to the mini UART
 * at its physical address (the firmware has switched it on: enable_uart=1), and halts. */
#define EARLY_UART      (PERIPH_PA + 0x215000)   // uart.c's AUX_BASE, but physical
#define EARLY_UART_IO   0x40                     // AUX_MU_IO: write a byte to send it
#define EARLY_UART_LSR  0x54                     // AUX_MU_LSR: bit 5, room for a byte

.macro early_putc wreg                  // send one byte; uses w3
8:  ldr     w3, [x20, #EARLY_UART_LSR]
    tbz     w3, #5, 8b
    str     \wreg, [x20, #EARLY_UART_IO]
.endm

.macro early_say text                   // send a string, '\n' as "\r\n"
    .pushsection .rodata
9:  .asciz  "\text"
    .popsection
    adrp    x0, 9b
    add     x0, x0, :lo12:9b
    bl      early_puts
.endm

.macro early_hex sysreg, digits         // send a system register in hexadecimal
    mrs     x0, \sysreg
    mov     x1, #\digits
    bl      early_puthex
.endm

    .text
early_report:
    mrs     x1, elr_el1                 // did the exception come from this very code?
    adr     x2, early_vectors
    adr     x3, early_end
    cmp     x1, x2
    ccmp    x1, x3, #2, hs              // (ELR >= early_vectors) && (ELR < early_end) ...
    b.lo    early_halt                  // ... then reporting faults: stop instead of looping
    mov     x19, x0                     // the entry's number
    ldr     x20, =EARLY_UART
    early_say "\n*** exception before the kernel vectors were installed (vector "
    mov     x0, x19
    mov     x1, #1
    bl      early_puthex
    early_say ")\n  ESR_EL1  "
    early_hex esr_el1, 8
    early_say " (EC "
    mrs     x0, esr_el1
    ubfx    x0, x0, #26, #6             // ESR_EL1.EC, bits 31:26
    mov     x1, #2
    bl      early_puthex
    early_say ")\n  ELR_EL1  "
    early_hex elr_el1, 16
    early_say "\n  FAR_EL1  "
    early_hex far_el1, 16
    early_say "\n  SPSR_EL1 "
    early_hex spsr_el1, 8
    early_say "\n*** kernel panic: core 0 halted\n"
early_halt:
    wfe
    b       early_halt

early_puts:                             // the string at x0; uses x0-x3
    ldrb    w1, [x0], #1
    cbz     w1, 2f
    cmp     w1, #'\n'
    b.ne    1f
    mov     w2, #'\r'
    early_putc w2
1:  early_putc w1
    b       early_puts
2:  ret

early_puthex:                           // "0x", then the low x1 hex digits of x0; uses x0-x3
    mov     w2, #'0'
    early_putc w2
    mov     w2, #'x'
    early_putc w2
    lsl     x1, x1, #2                  // bits still to send
1:  sub     x1, x1, #4
    lsr     x2, x0, x1
    and     w2, w2, #0xf
    add     w2, w2, #'0'
    cmp     w2, #'9'
    b.ls    2f
    add     w2, w2, #('a' - '9' - 1)
2:  early_putc w2
    cbnz    x1, 1b
    ret
early_end:
/* ANCHOR_END: early_report */
