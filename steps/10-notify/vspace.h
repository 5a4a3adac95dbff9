/*
 * vspace.h: address spaces, and the objects that make them up. A VSpace is a level-1 table
 * with an ASID; page tables and frames are objects too, retyped from untyped memory and mapped
 * by their caps (Page_Map, PageTable_Map). The kernel keeps only the ASID table.
 */
#ifndef VSPACE_H
#define VSPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "cnode.h"

/* ANCHOR: vspace */
#define ASID_COUNT   256               /* 8-bit ASIDs (TCR_EL1.AS = 0) ... */
#define ASID_FIRST   1                 /* ... 0 is never given out: it tags nothing */

uint64_t asid_alloc(uint64_t l1_pa);   /* an ASID for the VSpace at l1_pa, or 0 */
void asid_free(uint64_t asid);         /* its TLB entries gone, out of TTBR0 */
uint32_t vspace_free_asids(void);
static inline uint64_t vspace_ttbr0(struct cap c)   /* 0 if c is not a VSpace's cap */
{
    return cap_type(c) == CAP_VSPACE ? cap_pa(c) | vspace_asid(c) << 48 : 0;
}

/* The invocations, and what deleting a cap does. */
enum error frame_invoke(struct invocation *inv);
enum error page_table_invoke(struct invocation *inv);
enum error vspace_invoke(struct invocation *inv);
void frame_unmap(struct cap *c);
void page_table_unmap(struct cap *c);
/* For the kernel's own use at boot (process.c): map a frame or table cap in the VSpace, as
 * Page_Map and PageTable_Map would, checks left out. */
void vspace_map_frame(struct cap vs, struct cap *frame, uint64_t va, unsigned rights);
int vspace_map_table(struct cap vs, struct cap *pt, uint64_t va);   /* 0, or -1: not needed */
/* ANCHOR_END: vspace */

/* ANCHOR: vspace_activate_inline */
extern uint64_t vspace_active_ttbr0;  /* what TTBR0_EL1 holds now (0: no lower half) */
void vspace_switch(uint64_t ttbr0);

/* Called on every way out of the kernel with the thread about to run: its address space, or
 * none (0) for the idle thread. Most exits resume the thread that entered, and change
 * nothing: inline, that costs a few instructions; the switch itself is out of line. */
static inline void vspace_activate(uint64_t ttbr0)
{
    if (ttbr0 != vspace_active_ttbr0)
        vspace_switch(ttbr0);
}
/* ANCHOR_END: vspace_activate_inline */

#endif
