/*
 * payload.S: a stand-in kernel for tools/test.py. Linked at 0x80000 like a step, it writes
 * one line to the mini UART (which the chainloader has already set up) and parks. The test
 * pads the image with pseudo-random bytes, so a transfer of a realistic size is checked.
 */
    .section ".text"
    .global _start
_start:
    mrs     x4, mpidr_el1
    and     x4, x4, #0xff
    cbnz    x4, park                // not core 0: nothing to do
    adr     x5, message
1:  ldrb    w6, [x5], #1            // next character
    cbz     w6, park
    ldr     x7, =0x3F215054         // AUX_MU_LSR
2:  ldr     w8, [x7]
    tbz     w8, #5, 2b              // wait until the transmitter can take a byte
    ldr     x7, =0x3F215040         // AUX_MU_IO
    str     w6, [x7]
    b       1b
park:
    wfe
    b       park
message:
    .asciz  "payload: hello from the chainloaded kernel\r\n"
    .balign 4
    .ltorg
