/*
 * crt0.S: where a user program starts. The kernel enters it at EL0 with every register 0
 * but x0 (BootInfo's address, as seL4 starts its root task) and x1 (the argument string `run`
 * was given), and no stack: the program brings its own, here in .bss.
 */
/* ANCHOR: crt0 */
    .section .text.start, "ax"
    .global _start
_start:
    adrp    x2, stack_top           // the stack's top (PC-relative: no absolute address)
    add     x2, x2, :lo12:stack_top
    mov     sp, x2
    bl      ulib_start              // ulib_start(bootinfo, arg): the IPC buffer, then main(arg)
    // A breakpoint is a fault: the kernel reports it, and the thread is over. (A program
    // could suspend itself through its TCB cap instead; the fault line says plainly where
    // it ended.)
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
