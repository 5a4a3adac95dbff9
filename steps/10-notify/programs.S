/*
 * programs.S: init, the one program the kernel starts, inside the kernel image: its ELF file,
 * included byte for byte in .rodata between two symbols that process.c reads. init carries
 * every other program itself (user/archive.S). The file is found through the assembler's -I
 * (user/user.mk): build/10-notify/user/init.elf, or the program INIT= names.
 */
/* ANCHOR: programs */
    .section .rodata
    .balign 8
    .global user_init, user_init_end
user_init:
    .incbin "init.elf"
user_init_end:
/* ANCHOR_END: programs */
