/*
 * vspace.c: address spaces and their ASIDs. The kernel keeps one table of ASIDs (seL4 keeps
 * pools of them as objects; one table is enough here): an address space takes one when it is
 * made and gives it back when it is destroyed, after every TLB entry tagged with it is gone.
 */
#include "vspace.h"

#include <stdint.h>

#include "frame.h"
#include "mmu.h"

/* ANCHOR: vspace_create */
static struct vspace spaces[ASID_COUNT];   /* indexed by ASID; spaces[0] is never used */
static uint32_t free_asids = ASID_COUNT - ASID_FIRST;

struct vspace *vspace_create(void)
{
    for (uint64_t asid = ASID_FIRST; asid < ASID_COUNT; asid++) {
        struct vspace *vs = &spaces[asid];
        if (vs->in_use)
            continue;
        uint64_t l1 = frame_alloc();       /* zeroed: every entry invalid */
        if (!l1)
            return 0;
        vs->l1_pa = l1;
        vs->asid = asid;
        vs->ttbr0 = l1 | asid << 48;
        vs->pages = 0;
        vs->in_use = true;
        free_asids--;
        return vs;
    }
    return 0;
}

/* A new zeroed frame, mapped at va with `rights`; its physical address in *pa, so that the
 * kernel can fill it through its own mapping. 0, or -1 with nothing changed but perhaps a
 * table (freed with the rest by vspace_destroy). */
int vspace_map_new(struct vspace *vs, uint64_t va, unsigned rights, uint64_t *pa)
{
    uint64_t frame = frame_alloc();
    if (!frame)
        return -1;
    if (mmu_user_map(vs->l1_pa, va, frame, rights) != 0) {
        frame_free(frame);
        return -1;
    }
    vs->pages++;
    *pa = frame;
    return 0;
}
/* ANCHOR_END: vspace_create */

/* ANCHOR: vspace_activate */
uint64_t vspace_active_ttbr0;

void vspace_switch(uint64_t ttbr0)
{
    mmu_switch_user(ttbr0);
    vspace_active_ttbr0 = ttbr0;
}
/* ANCHOR_END: vspace_activate */

/* ANCHOR: vspace_destroy */
/* Free an address space whose thread will never run again: out of TTBR0 if it is there, its
 * TLB entries gone, then its frames and its ASID free for another. In that order: a frame
 * handed out again while a TLB entry still led to it would let the old program's ASID, given
 * to a new program, reach the new owner's data. */
void vspace_destroy(struct vspace *vs)
{
    if (vspace_active_ttbr0 == vs->ttbr0)
        vspace_switch(0);
    mmu_flush_asid(vs->asid);
    mmu_user_free(vs->l1_pa);
    vs->in_use = false;
    free_asids++;
}

uint32_t vspace_free_asids(void)
{
    return free_asids;
}
/* ANCHOR_END: vspace_destroy */
