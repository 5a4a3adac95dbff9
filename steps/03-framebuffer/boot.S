/*
 * boot.S: the first instructions the Raspberry Pi runs of ours.
 *
 * The firmware has loaded kernel8.img at 0x80000 and jumps here on core 0 at EL2, with the MMU
 * and caches off. There is no stack and memory outside the image holds whatever was there
 * before. This file gives core 0 a stack, zeroes .bss as C requires, and calls kernel_main.
 * The other three cores, if they ever arrive here, are parked.
 */

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
    wfe                             // wait for an event: low power, woken by `sev` or interrupts
    b       park                    // a wake-up is not an invitation: go back to sleep
    .global park_end
park_end:
/* ANCHOR_END: park */

/* ANCHOR: primary */
primary:
    // The stack grows down from __stack_top (link.ld). adrp+add computes the address relative
    // to the PC, so this code works at whatever address it was loaded at.
    adrp    x1, __stack_top
    add     x1, x1, :lo12:__stack_top
    mov     sp, x1

    // C assumes every global without an initialiser starts at zero. The image does not
    // contain .bss, so that memory holds garbage until we clear it, 8 bytes at a time
    // (link.ld aligns both ends to 16 bytes).
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8           // store zero, then advance x1 by 8
    b       1b

2:  bl      kernel_main             // C from here on
    b       park                    // kernel_main should not return; if it does, stop here
/* ANCHOR_END: primary */
