/*
 * archive.S: the programs a loader can start, inside the loader's own image. Each ELF file
 * built from user/ is included byte for byte in .rodata, and a table names them:
 * `archive[i]` is { name, first byte, end } (loader.h's struct archive_member), and
 * `archive_count` says how many there are. user/user.mk gives the list (ARCHIVE_MEMBERS, a
 * comma-separated list of names) and finds the files through the assembler's -I, and
 * rebuilds this file whenever one of them changes.
 */
/* ANCHOR: archive */
.macro member name                      // the file, between two symbols
    .section .rodata
    .balign 8
archive_\name:
    .incbin "\name\().elf"
archive_\name\()_end:
    .section .rodata.str1.1, "aMS", %progbits, 1
archive_\name\()_name:
    .asciz "\name"
.endm

.macro entry name                       // its row of the table: three pointers
    .quad   archive_\name\()_name, archive_\name, archive_\name\()_end
.endm

    .irp    name, ARCHIVE_MEMBERS
    member  \name
    .endr

    .section .rodata
    .balign 8
    .global archive, archive_count
archive:
    .irp    name, ARCHIVE_MEMBERS
    entry   \name
    .endr
archive_end:
archive_count:
    .quad   (archive_end - archive) / 24
/* ANCHOR_END: archive */
