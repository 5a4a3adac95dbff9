/*
 * vspace.c: address spaces. The kernel keeps one table of ASIDs (seL4 keeps pools of them as
 * objects; one table is enough here): a VSpace gets its ASID when Retype makes it and gives it
 * back when its last cap goes, after every TLB entry tagged with it is gone. Everything else
 * is objects a program made: the level-1 table (the VSpace), page tables, and frames, which
 * their caps map and unmap. The kernel never allocates a table for a program.
 */
#include "vspace.h"

#include <stdint.h>

#include "cache.h"
#include "elf.h"                    /* USER_TOP: where user space ends */
#include "mmu.h"

/* ANCHOR: asid */
static uint64_t asid_table[ASID_COUNT];    /* ASID -> its VSpace's L1 table (0: free) */
static uint32_t free_asids = ASID_COUNT - ASID_FIRST;

uint64_t asid_alloc(uint64_t l1_pa)
{
    for (uint64_t asid = ASID_FIRST; asid < ASID_COUNT; asid++) {
        if (!asid_table[asid]) {
            asid_table[asid] = l1_pa;
            free_asids--;
            return asid;
        }
    }
    return 0;
}

/* Out of TTBR0 if it is there, and its TLB entries gone, before the ASID can tag another. */
void asid_free(uint64_t asid)
{
    if (vspace_active_ttbr0 >> 48 == asid)
        vspace_switch(0);
    mmu_flush_asid(asid);
    asid_table[asid] = 0;
    free_asids++;
}

uint32_t vspace_free_asids(void)
{
    return free_asids;
}
/* ANCHOR_END: asid */

/* ANCHOR: vspace_activate */
uint64_t vspace_active_ttbr0;

void vspace_switch(uint64_t ttbr0)
{
    mmu_switch_user(ttbr0);
    vspace_active_ttbr0 = ttbr0;
}
/* ANCHOR_END: vspace_activate */

/* ANCHOR: frame_map */
/* The entry at `level` on the way to va (1: the L1 table's), or 0 if the tables stop before. */
static pte_t *entry_at(uint64_t l1_pa, uint64_t va, unsigned level)
{
    pte_t *t = PHYS_TO_VIRT(l1_pa);
    for (unsigned l = 1;; l++) {
        pte_t *e = &t[(va >> (39 - 9 * l)) % PT_ENTRIES];
        if (l == level)
            return e;
        if ((*e & PTE_TYPE_MASK) != PTE_TYPE_TABLE)
            return 0;
        t = PHYS_TO_VIRT(*e & PTE_ADDR_MASK);
    }
}

static unsigned frame_level(struct cap c)
{
    return frame_size_bits(c) == 12 ? 3 : 2;
}

/* The rights a mapping gets: Read and Write only where both the cap and the request have
 * them (seL4: no Read means a mapping EL0 cannot use); executable unless asked not to be or
 * writable (W^X). */
static unsigned map_rights(struct cap c, uint64_t rights, uint64_t attr)
{
    unsigned r = 0;
    if (cap_rights(c) & rights & RIGHT_READ) {
        r = MMU_USER_R;
        if (cap_rights(c) & rights & RIGHT_WRITE)
            r |= MMU_USER_W;
        else if (!(attr & VM_ATTR_EXECUTE_NEVER))
            r |= MMU_USER_X;
    }
    return r;
}

static void map_frame(struct cap *c, uint64_t asid, pte_t *e, uint64_t va, unsigned rights,
                      bool cached)
{
    pte_t d = mmu_user_entry(cap_pa(*c), rights, frame_level(*c), frame_is_device(*c), cached);
    mmu_user_set(e, d, asid, va);
    c->w0 = MAPPED(asid, va);
}

void frame_unmap(struct cap *c)
{
    if (!c->w0)
        return;
    uint64_t asid = MAPPED_ASID(c->w0), va = MAPPED_VA(c->w0);
    if (asid_table[asid]) {
        pte_t *e = entry_at(asid_table[asid], va, frame_level(*c));
        if (e && (*e & PTE_VALID) && (*e & PTE_ADDR_MASK) == cap_pa(*c))
            mmu_user_set(e, 0, asid, va);
    }
    c->w0 = 0;
}
/* ANCHOR_END: frame_map */

/* ANCHOR: frame_invoke */
/* seL4_ARM_Page_Map(frame, vspace, vaddr, rights, attr): MR0 vaddr, MR1 rights, MR2 attr, the
 * VSpace the one extra cap. Unmap, GetAddress, and the cache operations (MR0, MR1: the start
 * and end of a range in the frame). */
enum error frame_invoke(struct invocation *inv)
{
    struct cap *c = &inv->slot->cap;
    uint64_t *mr = inv->mr, size = UINT64_C(1) << frame_size_bits(*c);
    switch (inv->label) {
    case ARM_PAGE_MAP: {
        if (inv->length < 3 || inv->extra < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        struct cap vs = inv->extra_slot[0]->cap;
        uint64_t va = mr[0];
        if (cap_type(vs) != CAP_VSPACE)
            return inv_error(inv, E_INVALID_CAPABILITY, 1, 1, 0);
        if (va >= USER_TOP || USER_TOP - va < size)
            return inv_error(inv, E_INVALID_ARGUMENT, 1, 0, 0);
        if (va & (size - 1))
            return inv_error(inv, E_ALIGNMENT, 0, 0, 0);
        uint64_t asid = vspace_asid(vs);
        if (c->w0 && MAPPED_ASID(c->w0) != asid)
            return inv_error(inv, E_INVALID_CAPABILITY, 1, 0, 0);
        if (c->w0 && MAPPED_VA(c->w0) != va)
            return inv_error(inv, E_INVALID_ARGUMENT, 1, 0, 0);
        unsigned level;
        pte_t *e = mmu_user_walk(cap_pa(vs), va, &level);
        if (level < frame_level(*c)) {       /* a page table is missing: say which level */
            struct lookup_fault f = { .type = LOOKUP_MISSING_CAPABILITY,
                                      .bits_left = level == 1 ? 30 : 21 };
            return inv_lookup_error(inv, false, &f);
        }
        if (level > frame_level(*c) ||
            ((*e & PTE_VALID) && (!c->w0 || (*e & PTE_ADDR_MASK) != cap_pa(*c))))
            return inv_error(inv, E_DELETE_FIRST, 0, 0, 0);
        map_frame(c, asid, e, va, map_rights(*c, mr[1], mr[2]), mr[2] & VM_ATTR_CACHEABLE);
        return E_NONE;
    }
    case ARM_PAGE_UNMAP:
        frame_unmap(c);
        return E_NONE;
    case ARM_PAGE_GET_ADDRESS:
        inv->out[0] = cap_pa(*c);
        inv->out_len = 1;
        return E_NONE;
    case ARM_PAGE_CLEAN_DATA:
    case ARM_PAGE_INVALIDATE_DATA:
    case ARM_PAGE_CLEAN_INVALIDATE_DATA:
    case ARM_PAGE_UNIFY_INSTRUCTION: {
        if (inv->length < 2)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if (!c->w0)
            return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
        if (mr[1] <= mr[0])
            return inv_error(inv, E_INVALID_ARGUMENT, 1, 1, 0);
        if (mr[0] >= size || mr[1] > size)
            return inv_error(inv, E_INVALID_ARGUMENT, 1, mr[0] >= size ? 0 : 1, 0);
        uint8_t *p = (uint8_t *)cap_obj(*c) + mr[0];
        if (inv->label == ARM_PAGE_UNIFY_INSTRUCTION)
            cache_sync_code(p, mr[1] - mr[0]);
        else
            cache_flush_range(p, mr[1] - mr[0]);   /* clean and invalidate: safe for all three */
        return E_NONE;
    }
    default:
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    }
}
/* ANCHOR_END: frame_invoke */

/* ANCHOR: page_table_invoke */
/* seL4_ARM_PageTable_Map(pt, vspace, vaddr, attr): MR0 vaddr, MR1 attr, the VSpace the one
 * extra cap. The table goes where the walk towards vaddr first finds no table: at level 2
 * under an empty L1 entry, or at level 3 under an empty L2 one. */
enum error page_table_invoke(struct invocation *inv)
{
    struct cap *c = &inv->slot->cap;
    switch (inv->label) {
    case ARM_PAGE_TABLE_MAP: {
        if (inv->length < 2 || inv->extra < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        struct cap vs = inv->extra_slot[0]->cap;
        if (pt_level(*c))
            return inv_error(inv, E_INVALID_CAPABILITY, 1, 0, 0);
        if (cap_type(vs) != CAP_VSPACE)
            return inv_error(inv, E_INVALID_CAPABILITY, 1, 1, 0);
        if (inv->mr[0] >= USER_TOP)
            return inv_error(inv, E_INVALID_ARGUMENT, 1, 0, 0);
        if (vspace_map_table(vs, c, inv->mr[0]) != 0)
            return inv_error(inv, E_DELETE_FIRST, 0, 0, 0);
        return E_NONE;
    }
    case ARM_PAGE_TABLE_UNMAP:
        if (!cte_is_final(inv->slot))
            return inv_error(inv, E_REVOKE_FIRST, 0, 0, 0);
        page_table_unmap(c);
        return E_NONE;
    default:
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    }
}

int vspace_map_table(struct cap vs, struct cap *pt, uint64_t va)
{
    unsigned level;
    pte_t *e = mmu_user_walk(cap_pa(vs), va, &level);
    if (level == 3 || (*e & PTE_VALID))
        return -1;                          /* every table is there, or a block is */
    uint64_t span = UINT64_C(1) << (39 - 9 * level);   /* what one entry at `level` covers */
    mmu_user_set(e, cap_pa(*pt) | PTE_TYPE_TABLE, vspace_asid(vs), va);
    cap_set_bits(pt, level + 1);
    pt->w0 = MAPPED(vspace_asid(vs), va & ~(span - 1));
    return 0;
}

/* Out of its parent table (if that is still where it was), every TLB entry of the ASID
 * gone (they may have come through it), and emptied, as seL4 does. */
void page_table_unmap(struct cap *c)
{
    if (!pt_level(*c))
        return;
    uint64_t asid = MAPPED_ASID(c->w0), va = MAPPED_VA(c->w0);
    if (asid_table[asid]) {
        pte_t *e = entry_at(asid_table[asid], va, pt_level(*c) - 1);
        if (e && (*e & PTE_TYPE_MASK) == PTE_TYPE_TABLE &&
            (*e & PTE_ADDR_MASK) == cap_pa(*c)) {
            *e = 0;
            mmu_flush_asid(asid);
        }
    }
    uint64_t *t = cap_obj(*c);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        t[i] = 0;
    cap_set_bits(c, 0);
    c->w0 = 0;
}

void vspace_map_frame(struct cap vs, struct cap *frame, uint64_t va, unsigned rights)
{
    unsigned level;
    pte_t *e = mmu_user_walk(cap_pa(vs), va, &level);
    map_frame(frame, vspace_asid(vs), e, va, rights, true);
}
/* ANCHOR_END: page_table_invoke */

/* ANCHOR: vspace_invoke */
/* A VSpace's own methods (cache operations over a range of addresses) are left out. seL4's
 * ASID pool answers Assign; ours gives every VSpace its ASID at Retype, so Assign only checks
 * that it was given a VSpace (programs written for seL4 call it). */
enum error vspace_invoke(struct invocation *inv)
{
    if (cap_type(inv->slot->cap) == CAP_ASID_POOL && inv->label == ARM_ASID_POOL_ASSIGN) {
        if (inv->extra < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if (cap_type(inv->extra_slot[0]->cap) != CAP_VSPACE)
            return inv_error(inv, E_INVALID_CAPABILITY, 1, 1, 0);
        return E_NONE;
    }
    return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
}
/* ANCHOR_END: vspace_invoke */
