/*
 * boot.S: the chainloader's entry, relocation and exit.
 *
 * The firmware loads kernel8.img at 0x80000 whatever its link address, and the kernel the
 * loader receives must go to 0x80000 too. So the loader is linked at 0x2000000 (link.ld)
 * and its first instructions copy the whole image there, using only PC-relative addresses
 * until the copy is done. The alternative, linking at 0x80000 and receiving the kernel into
 * a buffer to copy down at the end, needs a copy routine that does not overwrite itself; one
 * move at the start is simpler, and afterwards the loader is ordinary code at its link
 * address.
 */

/* ANCHOR: relocate */
    .section ".text.boot", "ax"
    .global _start
_start:
    mrs     x4, mpidr_el1           // which core am I? (x0-x3 belong to the firmware)
    and     x4, x4, #0xff           // Aff0: core number
    cbnz    x4, secondary           // only core 0 loads kernels

    mov     x19, x0                 // keep the firmware's x0-x3 (x0: device tree or 0) for the
    mov     x20, x1                 // kernel we will load; x19-x22 are callee-saved, so
    mov     x21, x2                 // they survive until loader_main takes them over
    mov     x22, x3

    adr     x4, _start              // where we are running: PC-relative, so really 0x80000
    ldr     x5, =__loader_start     // where we are linked: an absolute address from the
    ldr     x6, =__loader_image_end //   literal pool, which sits in this image too
    cmp     x4, x5
    b.eq    2f                      // already home (loaded there some other way)
1:  ldp     x7, x8, [x4], #16       // copy 16 bytes, both pointers advance
    stp     x7, x8, [x5], #16
    cmp     x5, x6
    b.lo    1b

    // The copied bytes were written as data; make sure the core fetches them as
    // instructions: wait for the stores, drop any stale instruction-cache lines, and
    // flush the pipeline.
2:  dsb     sy
    ic      iallu
    dsb     sy
    isb

    adr     x4, relocated           // tell cores 1-3 (if any arrive) that the copy exists
    mov     w5, #1
    str     w5, [x4]
    dsb     sy
    sev

    ldr     x4, =high               // continue in the copy, at the link address
    br      x4

    // Cores 1-3: the Pi 3 firmware keeps them in its own spin loop, so they should never
    // come here. If a different firmware releases them at 0x80000, they must not stay in
    // this copy, which the received kernel will overwrite: they wait for the relocated one
    // and park there.
secondary:
1:  wfe
    ldr     w4, relocated           // PC-relative load from this (low) copy
    cbz     w4, 1b
    ldr     x4, =park
    br      x4

    .balign 4
relocated:
    .word   0                       // set to 1 by core 0 in the low copy once it has moved
    .ltorg                          // the literal pool of the ldr x, =symbol above
/* ANCHOR_END: relocate */

/* ANCHOR: high */
    .text
high:                               // from here on, running at the link address
    ldr     x1, =__stack_top
    mov     sp, x1

    ldr     x1, =__bss_start        // C wants .bss zeroed (link.ld aligns it to 16)
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b

2:  mov     x0, x19                 // loader_main(firmware x0, x1, x2, x3)
    mov     x1, x20
    mov     x2, x21
    mov     x3, x22
    bl      loader_main             // does not return: it jumps to the received kernel

    .global park
park:
    wfe
    b       park
/* ANCHOR_END: high */

/* ANCHOR: boot_kernel */
// void boot_kernel(x0, x1, x2, x3, entry): start the received kernel as the firmware would
// have: on this core, at this exception level, with the firmware's x0-x3.
//
// Caches: the loader runs with the MMU off, so every data access it made was to Device
// memory, which is never cached: there are no dirty data-cache lines to clean. The
// instruction cache is another matter: it may hold the loader's own instructions from
// 0x80000, where the new kernel now lies, so it is invalidated before the jump.
    .global boot_kernel
boot_kernel:
    dsb     sy                      // every byte of the kernel is in memory
    ic      iallu                   // forget cached instructions (all of them, this core)
    dsb     sy
    isb                             // and any already fetched
    br      x4                      // x0-x3 are the arguments we were called with
/* ANCHOR_END: boot_kernel */
