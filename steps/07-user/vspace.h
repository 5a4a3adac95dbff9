/*
 * vspace.h: address spaces. Each user program has one: an L1 translation table of its own
 * (reached through TTBR0_EL1 while it runs), the frames mapped in it, and an ASID that tags
 * its TLB entries, so that switching between programs needs no TLB invalidation.
 */
#ifndef VSPACE_H
#define VSPACE_H

#include <stdbool.h>
#include <stdint.h>

/* ANCHOR: vspace */
#define ASID_COUNT   256               /* 8-bit ASIDs (TCR_EL1.AS = 0) ... */
#define ASID_FIRST   1                 /* ... 0 is never given out: it tags nothing */

struct vspace {
    uint64_t l1_pa;                    /* its L1 table (a frame) */
    uint64_t asid;
    uint64_t ttbr0;                    /* TTBR0_EL1 while it runs: l1_pa | asid << 48 */
    uint32_t pages;                    /* pages mapped (tables not counted) */
    bool in_use;
};

struct vspace *vspace_create(void);    /* a new, empty address space, or 0 (no ASID or frame) */
void vspace_destroy(struct vspace *vs);
int vspace_map_new(struct vspace *vs, uint64_t va, unsigned rights, uint64_t *pa);
uint32_t vspace_free_asids(void);
/* ANCHOR_END: vspace */

/* ANCHOR: vspace_activate_inline */
extern uint64_t vspace_active_ttbr0;  /* what TTBR0_EL1 holds now (0: no lower half) */
void vspace_switch(uint64_t ttbr0);

/* Called on every way out of the kernel with the thread about to run: its address space, or
 * none (0) for a kernel thread. Most exits resume the thread that entered, and change
 * nothing: inline, that costs a few instructions; the switch itself is out of line. */
static inline void vspace_activate(const struct vspace *vs)
{
    uint64_t ttbr0 = vs ? vs->ttbr0 : 0;
    if (ttbr0 != vspace_active_ttbr0)
        vspace_switch(ttbr0);
}
/* ANCHOR_END: vspace_activate_inline */

#endif
