/*
 * crt0.S: where a user program starts. The kernel enters it at EL0 with every register 0
 * but x0 (BootInfo, none yet in step 07: 0) and x1 (the argument string `run` was given),
 * and no stack: the program brings its own, here in .bss.
 */
/* ANCHOR: crt0 */
    .section .text.start, "ax"
    .global _start
_start:
    adrp    x2, stack_top           // the stack's top (PC-relative: no absolute address)
    add     x2, x2, :lo12:stack_top
    mov     sp, x2
    mov     x0, x1                  // main(arg)
    bl      main
    // Step 07 has no system call that ends a thread (step 08 suspends it through its
    // capability). A breakpoint is a fault: the kernel reports it, and the thread is over.
    .global _exit
_exit:
    brk     #0
    b       _exit

    .bss
    .balign 16                      // SCTLR_EL1.SA0: SP must be 16-byte aligned at EL0
stack:
    .space  8192
stack_top:
/* ANCHOR_END: crt0 */
