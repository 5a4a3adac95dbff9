/*
 * elf.c: the ELF64 checks (System V ABI, "ELF-64 Object File Format" 1.5, and the AArch64
 * ELF ABI for EM_AARCH64). The image comes from outside the kernel, so every field the loader
 * relies on is checked before it is used, with overflow-safe arithmetic; one that fails is a
 * named refusal, never a crash. Fields are read a byte at a time: the image need not be
 * aligned, and no C struct is laid over it.
 */
#include "elf.h"

#include <stdint.h>

/* ANCHOR: elf_fields */
/* The ELF header (Elf64_Ehdr): offsets of the fields we read, and their required values. */
#define EI_MAG          0               /* e_ident[0..3]: 0x7f 'E' 'L' 'F' */
#define EI_CLASS        4
#define EI_DATA         5
#define EI_VERSION      6
#define ELFCLASS64      2
#define ELFDATA2LSB     1               /* little-endian */
#define EV_CURRENT      1
#define E_TYPE          16              /* uint16 */
#define E_MACHINE       18              /* uint16 */
#define E_ENTRY         24              /* uint64 */
#define E_PHOFF         32              /* uint64: where the program headers are */
#define E_PHENTSIZE     54              /* uint16: the size of one */
#define E_PHNUM         56              /* uint16: how many */
#define EHDR_SIZE       64
#define ET_EXEC         2               /* an executable with fixed addresses */
#define EM_AARCH64      183

/* A program header (Elf64_Phdr). */
#define P_TYPE          0               /* uint32 */
#define P_FLAGS         4               /* uint32 */
#define P_OFFSET        8               /* uint64 */
#define P_VADDR         16              /* uint64 */
#define P_FILESZ        32              /* uint64 */
#define P_MEMSZ         40              /* uint64 */
#define PHDR_SIZE       56
#define PT_LOAD         1               /* the only type we load; others are ignored */

#define PAGE            4096UL
/* ANCHOR_END: elf_fields */

/* ANCHOR: elf_read */
static uint64_t rd(const uint8_t *p, unsigned bytes)    /* little-endian, any alignment */
{
    uint64_t v = 0;
    for (unsigned i = bytes; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static uint64_t page_down(uint64_t a) { return a & ~(PAGE - 1); }
static uint64_t page_up(uint64_t a) { return (a + PAGE - 1) & ~(PAGE - 1); }
/* ANCHOR_END: elf_read */

/* ANCHOR: elf_header */
/* The ELF header's rules: what the file is, and where its program headers are. */
static enum elf_error check_header(const uint8_t *f, uint64_t size)
{
    if (size < EHDR_SIZE)
        return ELF_TOO_SMALL;
    if (f[EI_MAG] != 0x7f || f[EI_MAG + 1] != 'E' || f[EI_MAG + 2] != 'L' || f[EI_MAG + 3] != 'F')
        return ELF_BAD_MAGIC;
    if (f[EI_CLASS] != ELFCLASS64)
        return ELF_BAD_CLASS;
    if (f[EI_DATA] != ELFDATA2LSB)
        return ELF_BAD_DATA;
    if (f[EI_VERSION] != EV_CURRENT)
        return ELF_BAD_VERSION;
    if (rd(f + E_MACHINE, 2) != EM_AARCH64)
        return ELF_BAD_MACHINE;
    if (rd(f + E_TYPE, 2) != ET_EXEC)
        return ELF_BAD_TYPE;
    uint64_t phoff = rd(f + E_PHOFF, 8), phnum = rd(f + E_PHNUM, 2);
    if (rd(f + E_PHENTSIZE, 2) != PHDR_SIZE || phoff > size ||
        phnum > (size - phoff) / PHDR_SIZE)
        return ELF_BAD_PHDRS;
    return ELF_OK;
}
/* ANCHOR_END: elf_header */

/* ANCHOR: elf_segment */
/* One PT_LOAD segment's rules. */
static enum elf_error check_segment(const struct elf_segment *s, uint64_t size)
{
    if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
        return ELF_SEGMENT_TRUNCATED;
    if (s->vaddr < USER_BASE || s->vaddr >= USER_TOP || s->memsz > USER_TOP - s->vaddr)
        return ELF_SEGMENT_OUTSIDE;
    if ((s->flags & ELF_PF_W) && (s->flags & ELF_PF_X))
        return ELF_SEGMENT_WX;
    return ELF_OK;
}

/* Segments get pages of their own rights: two that share a page (after rounding out to
 * whole pages) cannot both have theirs. */
static int overlap(const struct elf_segment *a, const struct elf_segment *b)
{
    return page_down(a->vaddr) < page_up(b->vaddr + b->memsz) &&
           page_down(b->vaddr) < page_up(a->vaddr + a->memsz);
}
/* ANCHOR_END: elf_segment */

/* ANCHOR: elf_check */
/* Check the image of `size` bytes at `file`; on ELF_OK, *out says what to load where.
 * Segments of memsz 0 are skipped (the linker may leave an empty one). */
enum elf_error elf_check(const uint8_t *file, uint64_t size, struct elf_image *out)
{
    enum elf_error e = check_header(file, size);
    if (e != ELF_OK)
        return e;
    uint64_t phoff = rd(file + E_PHOFF, 8), phnum = rd(file + E_PHNUM, 2);
    out->nsegments = 0;
    out->end = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = file + phoff + i * PHDR_SIZE;
        if (rd(ph + P_TYPE, 4) != PT_LOAD || rd(ph + P_MEMSZ, 8) == 0)
            continue;
        if (out->nsegments == ELF_MAX_SEGMENTS)
            return ELF_TOO_MANY_SEGMENTS;
        struct elf_segment *s = &out->segment[out->nsegments];
        s->vaddr = rd(ph + P_VADDR, 8);
        s->memsz = rd(ph + P_MEMSZ, 8);
        s->offset = rd(ph + P_OFFSET, 8);
        s->filesz = rd(ph + P_FILESZ, 8);
        s->flags = (uint32_t)rd(ph + P_FLAGS, 4);
        if ((e = check_segment(s, size)) != ELF_OK)
            return e;
        for (unsigned j = 0; j < out->nsegments; j++)
            if (overlap(s, &out->segment[j]))
                return ELF_SEGMENTS_OVERLAP;
        if (page_up(s->vaddr + s->memsz) > out->end)
            out->end = page_up(s->vaddr + s->memsz);
        out->nsegments++;
    }
    if (out->nsegments == 0)
        return ELF_NO_SEGMENTS;
    out->entry = rd(file + E_ENTRY, 8);
    for (unsigned j = 0; j < out->nsegments; j++) {
        const struct elf_segment *s = &out->segment[j];
        if ((s->flags & ELF_PF_X) && out->entry >= s->vaddr && out->entry - s->vaddr < s->memsz)
            return ELF_OK;
    }
    return ELF_BAD_ENTRY;
}

const char *elf_error_name(enum elf_error e)
{
    static const char *const names[ELF_ERRORS] = {
        [ELF_OK] = "ok",
        [ELF_TOO_SMALL] = "too small for an ELF header",
        [ELF_BAD_MAGIC] = "bad magic: not an ELF file",
        [ELF_BAD_CLASS] = "wrong class: not ELF64",
        [ELF_BAD_DATA] = "wrong byte order: not little-endian",
        [ELF_BAD_VERSION] = "wrong ELF version",
        [ELF_BAD_MACHINE] = "wrong machine: not AArch64",
        [ELF_BAD_TYPE] = "wrong type: not an executable (ET_EXEC)",
        [ELF_BAD_PHDRS] = "program headers of the wrong size or outside the file",
        [ELF_NO_SEGMENTS] = "no loadable segment",
        [ELF_TOO_MANY_SEGMENTS] = "too many loadable segments",
        [ELF_SEGMENT_TRUNCATED] = "a segment's bytes are outside the file",
        [ELF_SEGMENT_OUTSIDE] = "a segment outside the user range",
        [ELF_SEGMENT_WX] = "a segment both writable and executable",
        [ELF_SEGMENTS_OVERLAP] = "overlapping segments",
        [ELF_BAD_ENTRY] = "the entry point is not in an executable segment",
    };
    return (unsigned)e < ELF_ERRORS ? names[e] : "?";
}
/* ANCHOR_END: elf_check */
