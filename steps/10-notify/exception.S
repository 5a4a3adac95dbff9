/*
 * exception.S: the exception vector table and the paths in and out of the kernel.
 *
 * The vector table has 16 entries of 128 bytes: {synchronous, IRQ, FIQ, SError} for each of
 *   0x000 current EL with SP_EL0  (code at EL1t: kernel_main, then the idle thread)
 *   0x200 current EL with SP_EL1  (the kernel's own handler code: a fault there is a bug)
 *   0x400 lower EL, AArch64       (user programs, step 07)
 *   0x600 lower EL, AArch32       (never used: we run no 32-bit code)
 * The first and third share one path: save everything into the trap frame SP_EL1 points to,
 * switch to the kernel stack, call trap_handle in C, and resume from the frame it returns.
 * The other two go to a panic path that never returns.
 */
#include "trap.h"

/* ANCHOR: ventry */
/* An entry of the shared path. SP_EL1 points to the interrupted code's trap frame (seL4's
 * model: from step 06 on, the frame inside the running thread's TCB). */
.macro ventry kind
    .balign 0x80
    stp     x0, x1, [sp, #8 * 0]        // free two registers: x0, x1 into the frame
    mov     x0, #\kind                  // which of the 16 entries this is
    b       trap_entry
.endm

/* An entry of the panic path. SP_EL1 is the kernel stack here, and it may be the reason for
 * the exception (an overflow into its guard page), so it is not trusted: the frame goes to
 * the top of the kernel stack, whatever was there. */
.macro pentry kind
    .balign 0x80
    msr     tpidrro_el0, x0             // park x0 in a register the kernel does not use
    mrs     x0, tpidr_el1               // the top of the kernel stack (boot.S put it there)
    sub     x0, x0, #TF_SIZE            // room for one trap frame below it
    mov     sp, x0                      // SP_EL1 := that frame
    mrs     x0, tpidrro_el0             // x0 as it was
    stp     x0, x1, [sp, #8 * 0]
    mov     x0, #\kind
    b       panic_entry
.endm
/* ANCHOR_END: ventry */

/* ANCHOR: vectors */
    .section ".text.vectors", "ax"      // next to boot.S's table (link.ld)
    .balign 2048                        // VBAR_EL1 bits 10:0 are RES0
    .global exception_vectors
exception_vectors:
    ventry  0                           // current EL, SP_EL0: synchronous
    ventry  1                           //                      IRQ
    ventry  2                           //                      FIQ
    ventry  3                           //                      SError
    pentry  4                           // current EL, SP_EL1: synchronous
    pentry  5                           //                      IRQ
    pentry  6                           //                      FIQ
    pentry  7                           //                      SError
    ventry  8                           // lower EL, AArch64:   synchronous
    ventry  9                           //                      IRQ
    ventry  10                          //                      FIQ
    ventry  11                          //                      SError
    pentry  12                          // lower EL, AArch32:   synchronous
    pentry  13                          //                      IRQ
    pentry  14                          //                      FIQ
    pentry  15                          //                      SError
    .text                               // the code: with everyone else's
/* ANCHOR_END: vectors */

/* ANCHOR: save_frame */
/* Save x2..x30 and the exception state into the frame at SP_EL1 (x0, x1 are there already).
 * Leaves the vector number in x1 and the frame in x0, ready for a C call. */
.macro save_frame
    stp     x2, x3, [sp, #8 * 2]
    stp     x4, x5, [sp, #8 * 4]
    stp     x6, x7, [sp, #8 * 6]
    stp     x8, x9, [sp, #8 * 8]
    stp     x10, x11, [sp, #8 * 10]
    stp     x12, x13, [sp, #8 * 12]
    stp     x14, x15, [sp, #8 * 14]
    stp     x16, x17, [sp, #8 * 16]
    stp     x18, x19, [sp, #8 * 18]
    stp     x20, x21, [sp, #8 * 20]
    stp     x22, x23, [sp, #8 * 22]
    stp     x24, x25, [sp, #8 * 24]
    stp     x26, x27, [sp, #8 * 26]
    stp     x28, x29, [sp, #8 * 28]
    mrs     x2, sp_el0                  // the interrupted stack pointer (EL1t or EL0)
    stp     x30, x2, [sp, #8 * 30]      // x30 and SP_EL0 (word 31)
    mrs     x2, elr_el1                 // where to resume
    mrs     x3, spsr_el1                // the interrupted PSTATE
    stp     x2, x3, [sp, #TF_ELR]       // ELR (word 32) and SPSR (word 33)
    mrs     x3, tpidr_el0               // the user thread pointer
    stp     x2, x3, [sp, #TF_FAULT_IP]  // FaultIP = ELR for now (trap.c adjusts it for svc)
    mov     x1, x0                      // second argument: the vector number
    mov     x0, sp                      // first argument: the frame
.endm
/* ANCHOR_END: save_frame */

/* ANCHOR: trap_entry */
trap_entry:
    save_frame
    mrs     x2, tpidr_el1               // the top of the kernel stack
    mov     sp, x2                      // C runs there, never on the frame's page
#if FASTPATH
    // Step 09: Call (x7 = -1) and ReplyRecv (-2) from EL0 try their fastpath (fastpath.c)
    // before anything else. save_frame left x7 as the caller had it, so the test costs every
    // other exception two compares. x19 and x20 are in the frame already: they keep the frame
    // and the vector across the call, for trap_handle if the fastpath gives up.
    cmn     x7, #2
    b.eq    1f
    cmn     x7, #1
    b.ne    2f
1:  cmp     x1, #8                      // lower EL, synchronous?
    b.ne    2f
    mrs     x2, esr_el1
    lsr     w2, w2, #26                 // ESR_EL1.EC
    cmp     w2, #0x15                   // svc from AArch64?
    b.ne    2f
    mov     x19, x0
    mov     x20, x1
    cmn     x7, #1
    b.eq    3f
    bl      fastpath_reply_recv         // the frame to resume, or 0: not this time
    b       4f
3:  bl      fastpath_call
4:  cbnz    x0, trap_restore
    mov     x0, x19
    mov     x1, x20
2:
#endif
    bl      trap_handle                 // returns the frame to resume in x0
    b       trap_restore
/* ANCHOR_END: trap_entry */

/* ANCHOR: panic_entry */
panic_entry:
    save_frame
    bl      trap_panic                  // prints the report and halts: no return
1:  wfe
    b       1b
/* ANCHOR_END: panic_entry */

/* ANCHOR: trap_restore */
/* Resume the code whose frame x0 points to; it need not be the frame just saved (step 06
 * switches threads by passing another one). SP_EL1 is left pointing at that frame, so the
 * next exception saves into it. */
    .global trap_restore
trap_restore:
    mov     sp, x0                      // SP_EL1 := the frame
    ldp     x0, x1, [sp, #TF_ELR]       // ELR and SPSR
    msr     elr_el1, x0
    msr     spsr_el1, x1
    ldp     x30, x0, [sp, #8 * 30]      // x30 and SP_EL0
    msr     sp_el0, x0
    ldr     x0, [sp, #TF_TPIDR_EL0]
    msr     tpidr_el0, x0
    ldp     x2, x3, [sp, #8 * 2]
    ldp     x4, x5, [sp, #8 * 4]
    ldp     x6, x7, [sp, #8 * 6]
    ldp     x8, x9, [sp, #8 * 8]
    ldp     x10, x11, [sp, #8 * 10]
    ldp     x12, x13, [sp, #8 * 12]
    ldp     x14, x15, [sp, #8 * 14]
    ldp     x16, x17, [sp, #8 * 16]
    ldp     x18, x19, [sp, #8 * 18]
    ldp     x20, x21, [sp, #8 * 20]
    ldp     x22, x23, [sp, #8 * 22]
    ldp     x24, x25, [sp, #8 * 24]
    ldp     x26, x27, [sp, #8 * 26]
    ldp     x28, x29, [sp, #8 * 28]
    ldp     x0, x1, [sp, #8 * 0]        // the last two: now nothing is needed but SP
    eret                                // PSTATE := SPSR_EL1, PC := ELR_EL1
/* ANCHOR_END: trap_restore */

/* ANCHOR: trap_start */
/* The first thread's start, from kernel_main. It runs at EL1t, where `sp` is SP_EL0, and
 * trap_restore must not be entered that way: it writes SP_EL0, which the Arm ARM makes an
 * undefined instruction while SP_EL0 is the stack pointer in use (MSR SP_EL0, C5.2). */
    .global trap_start
trap_start:
    msr     spsel, #1                   // EL1h: `sp` is SP_EL1 from the next instruction on
    b       trap_restore                // x0 is still the frame to resume
/* ANCHOR_END: trap_start */
