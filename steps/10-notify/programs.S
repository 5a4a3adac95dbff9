/*
 * programs.S: the user programs, inside the kernel image. Each ELF file built from user/ is
 * included byte for byte in .rodata between two symbols; process.c's table names them. The
 * files are found through the assembler's -I (user/user.mk).
 */
/* ANCHOR: programs */
.macro program name
    .section .rodata
    .balign 8
    .global user_\name, user_\name\()_end
user_\name:
    .incbin "\name\().elf"
user_\name\()_end:
.endm

    program init
    program hello
    program faults
    program fuzz
    program bench
    program captest
    program kv
    program ipctest
    program ipcfuzz
    program ping
    program ntfntest
    program irqtest
    program signal
    program screen
    program launch
/* ANCHOR_END: programs */
