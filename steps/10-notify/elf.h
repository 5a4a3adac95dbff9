/*
 * elf.h: the checks a program's ELF image must pass before the loader uses any of it.
 *
 * Plain C with no hardware in it: host/test_elf.c runs the same code on the build machine,
 * under AddressSanitizer and UBSan, against damaged copies of a real program.
 */
#ifndef ELF_H
#define ELF_H

#include <stdint.h>

/* ANCHOR: user_layout */
/* Where a program may live (seL4's layout): nothing below 0x400000, so that a null pointer
 * (and anything near it) faults; the top of the lower half is 2^39 (TCR_EL1.T0SZ = 25). */
#define USER_BASE      0x400000UL
#define USER_TOP       0x8000000000UL
#define ELF_MAX_SEGMENTS 8                   /* PT_LOAD segments a program may have */
/* ANCHOR_END: user_layout */

/* ANCHOR: elf_errors */
/* Why an image is refused: each is one rule of elf_check, with a name to print. */
enum elf_error {
    ELF_OK = 0,
    ELF_TOO_SMALL,              /* shorter than its own ELF header */
    ELF_BAD_MAGIC,              /* not \x7f E L F */
    ELF_BAD_CLASS,              /* not ELFCLASS64 */
    ELF_BAD_DATA,               /* not little-endian */
    ELF_BAD_VERSION,            /* not EV_CURRENT */
    ELF_BAD_MACHINE,            /* not EM_AARCH64 */
    ELF_BAD_TYPE,               /* not ET_EXEC */
    ELF_BAD_PHDRS,              /* program headers of a size we do not know, or outside the file */
    ELF_NO_SEGMENTS,            /* nothing to load */
    ELF_TOO_MANY_SEGMENTS,      /* more than ELF_MAX_SEGMENTS */
    ELF_SEGMENT_TRUNCATED,      /* file bytes outside the file, or more of them than memory */
    ELF_SEGMENT_OUTSIDE,        /* memory outside [USER_BASE, USER_TOP) */
    ELF_SEGMENT_WX,             /* writable and executable */
    ELF_SEGMENTS_OVERLAP,       /* two segments share a page */
    ELF_BAD_ENTRY,              /* the entry point is not in an executable segment */
    ELF_ERRORS
};
/* ANCHOR_END: elf_errors */

/* ANCHOR: elf_image */
struct elf_segment {
    uint64_t vaddr, memsz;      /* where in the program's memory, and how much */
    uint64_t offset, filesz;    /* the bytes that come from the file; the rest is zero (.bss) */
    uint32_t flags;             /* ELF_PF_R, _W, _X */
};

#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

/* What elf_check found, for the loader: everything it needs, all of it checked. */
struct elf_image {
    uint64_t entry;
    uint64_t end;               /* the end of the highest segment, rounded up to a page */
    unsigned nsegments;
    struct elf_segment segment[ELF_MAX_SEGMENTS];
};

enum elf_error elf_check(const uint8_t *file, uint64_t size, struct elf_image *out);
const char *elf_error_name(enum elf_error e);
/* ANCHOR_END: elf_image */

#endif
