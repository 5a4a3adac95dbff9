/*
 * loader.c: the ELF loader. elf.c has checked the image; here every segment gets frames of
 * its own, is copied in through the kernel's linear map (never through the program's
 * addresses: the kernel touches user memory only in frames it holds), and is mapped with the
 * rights its flags ask for. seL4 loads its root task the same way.
 */
#include "loader.h"

#include <stdint.h>

#include "cache.h"
#include "elf.h"
#include "mmu.h"
#include "vspace.h"

/* ANCHOR: loader_segment */
static unsigned rights_of(uint32_t flags)    /* elf_check refused W together with X */
{
    return MMU_USER_R | (flags & ELF_PF_W ? MMU_USER_W : 0) | (flags & ELF_PF_X ? MMU_USER_X : 0);
}

/* Map segment s page by page: each page a new zeroed frame, with the file's bytes that fall
 * in it copied in; what the file does not cover (.bss) stays zero. */
static int load_segment(struct vspace *vs, const uint8_t *file, const struct elf_segment *s)
{
    uint64_t file_end = s->vaddr + s->filesz;
    for (uint64_t page = s->vaddr & ~(PAGE_SIZE - 1); page < s->vaddr + s->memsz;
         page += PAGE_SIZE) {
        uint64_t pa;
        if (vspace_map_new(vs, page, rights_of(s->flags), &pa) != 0)
            return -1;
        uint8_t *dst = PHYS_TO_VIRT(pa);
        for (uint64_t va = page < s->vaddr ? s->vaddr : page;
             va < page + PAGE_SIZE && va < file_end; va++)
            dst[va - page] = file[s->offset + (va - s->vaddr)];
        if (s->flags & ELF_PF_X)
            cache_sync_code(dst, PAGE_SIZE);   /* written as data, about to run as code */
    }
    return 0;
}
/* ANCHOR_END: loader_segment */

/* ANCHOR: loader_load */
/* The argument string goes on a read-only page of its own, two pages after the image (the
 * page right after it is where step 09 puts the IPC buffer; this one is where BootInfo will
 * be). It is cut at LOADER_ARG_MAX - 1 bytes. */
static int load_arg(struct vspace *vs, uint64_t va, const char *arg)
{
    uint64_t pa;
    if (vspace_map_new(vs, va, MMU_USER_R, &pa) != 0)
        return -1;
    char *dst = PHYS_TO_VIRT(pa);
    for (unsigned i = 0; i < LOADER_ARG_MAX - 1 && arg[i]; i++)
        dst[i] = arg[i];
    return 0;
}

const char *loader_load(struct vspace *vs, const uint8_t *file, uint64_t size,
                        const char *arg, struct loaded *out)
{
    struct elf_image img;
    enum elf_error e = elf_check(file, size, &img);
    if (e != ELF_OK)
        return elf_error_name(e);
    for (unsigned i = 0; i < img.nsegments; i++)
        if (load_segment(vs, file, &img.segment[i]) != 0)
            return "out of frames";
    out->arg_va = img.end + PAGE_SIZE;
    if (out->arg_va >= USER_TOP || load_arg(vs, out->arg_va, arg) != 0)
        return "out of frames";
    out->entry = img.entry;
    return 0;
}
/* ANCHOR_END: loader_load */
