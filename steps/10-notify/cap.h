/*
 * cap.h: capabilities and the slots that hold them.
 *
 * A capability ("cap") is a 16-byte token that names one kernel object and says what its holder
 * may do with it. Caps live only in kernel memory, in slots of 32 bytes (a cap and two links of
 * the derivation tree), and a program names a cap by where it is in its CSpace, never by the
 * cap's bits. The layout follows seL4's: the same sizes, the same type-specific fields.
 *
 * This file is plain C with no hardware in it: host/test_cnode.c compiles it for the build
 * machine (HOST defined), where a "physical address" is simply a host pointer.
 */
#ifndef CAP_H
#define CAP_H

#include <stdbool.h>
#include <stdint.h>

/* ANCHOR: physmem */
#ifdef HOST
#define OBJ_PTR(pa)  ((void *)(uintptr_t)(pa))          /* host tests: the address is the pointer */
#define OBJ_PA(p)    ((uint64_t)(uintptr_t)(p))
#else
#include "mmu.h"
#define OBJ_PTR(pa)  PHYS_TO_VIRT(pa)                   /* the kernel reaches objects through */
#define OBJ_PA(p)    kva_to_pa(p)                       /* its linear map */
#endif
/* ANCHOR_END: physmem */

/* ANCHOR: cap_types */
/* The kinds of cap. Not seL4's internal numbers (user programs never see these), but seL4's
 * kinds, plus one the kernel uses for itself while it deletes a CNode (a zombie). */
enum cap_type {
    CAP_NULL = 0,             /* an empty slot */
    CAP_UNTYPED = 1,          /* a region of memory not yet made into objects */
    CAP_ENDPOINT = 2,         /* step 09 */
    CAP_NOTIFICATION = 3,     /* step 10 */
    CAP_REPLY = 4,            /* step 09 */
    CAP_CNODE = 5,            /* a table of slots */
    CAP_THREAD = 6,           /* a TCB */
    CAP_IRQ_CONTROL = 7,      /* the right to ask for interrupt handlers (step 10) */
    CAP_IRQ_HANDLER = 8,      /* step 10 */
    CAP_FRAME = 9,            /* a page of memory a VSpace can map */
    CAP_PAGE_TABLE = 10,      /* a level-2 or level-3 translation table */
    CAP_VSPACE = 11,          /* an address space: a level-1 table and its ASID */
    CAP_ASID_POOL = 12,       /* seL4's ASID pool; ours only answers Assign (abi.h) */
    CAP_ZOMBIE = 31,          /* kernel-only: a CNode being emptied (cnode.c) */
};
/* ANCHOR_END: cap_types */

/* ANCHOR: cap */
/* w1: type (bits 63:59), 12 type-specific bits (58:47), the object's physical address (46:0).
 * w0: one type-specific word (an untyped's watermark, a badge, a guard, a mapping). */
struct cap {
    uint64_t w0, w1;
};

/* A slot (seL4's CTE): a cap and its place in the derivation tree, a doubly linked list in
 * preorder. The low bits of `next` (slots are 32-byte aligned) hold two flags. */
struct cte {
    struct cap cap;
    struct cte *prev;
    uintptr_t next_flags;
};
#define CTE_REVOCABLE     1u  /* this cap's copies and retyped objects are its children */
#define CTE_FIRST_BADGED  2u  /* the first cap with its badge: revoking it revokes the badge */
#define SLOT_BITS         5   /* a slot is 32 bytes */
_Static_assert(sizeof(struct cap) == 16, "a cap is 16 bytes");
_Static_assert(sizeof(struct cte) == 1 << SLOT_BITS, "a slot is 32 bytes");

#define CAP_PTR_MASK  ((UINT64_C(1) << 47) - 1)

static inline struct cap cap_make(enum cap_type t, uint64_t bits, uint64_t pa, uint64_t w0)
{
    return (struct cap){ .w0 = w0,
                         .w1 = (uint64_t)t << 59 | (bits & 0xfff) << 47 | (pa & CAP_PTR_MASK) };
}
static inline enum cap_type cap_type(struct cap c)  { return (enum cap_type)(c.w1 >> 59); }
static inline uint64_t cap_bits(struct cap c)       { return (c.w1 >> 47) & 0xfff; }
static inline uint64_t cap_pa(struct cap c)         { return c.w1 & CAP_PTR_MASK; }
static inline void *cap_obj(struct cap c)           { return OBJ_PTR(cap_pa(c)); }
static inline void cap_set_bits(struct cap *c, uint64_t bits)
{
    c->w1 = (c->w1 & ~(UINT64_C(0xfff) << 47)) | (bits & 0xfff) << 47;
}
static inline struct cte *cte_next(const struct cte *s)
{
    return (struct cte *)(s->next_flags & ~(uintptr_t)31);
}
static inline bool cte_revocable(const struct cte *s)    { return s->next_flags & CTE_REVOCABLE; }
static inline bool cte_first_badged(const struct cte *s)
{
    return s->next_flags & CTE_FIRST_BADGED;
}
static const struct cap cap_null;
/* ANCHOR_END: cap */

/* ANCHOR: cap_fields */
/* The type-specific bits, one accessor each. */

/* Untyped: size (bits 5:0), device memory (bit 6); w0 = the watermark, in bytes. */
static inline unsigned untyped_size_bits(struct cap c) { return cap_bits(c) & 63; }
static inline bool untyped_is_device(struct cap c)     { return cap_bits(c) >> 6 & 1; }
static inline struct cap untyped_cap(uint64_t pa, unsigned size_bits, bool device)
{
    return cap_make(CAP_UNTYPED, size_bits | (uint64_t)device << 6, pa, 0);
}

/* Endpoint and notification: rights (bits 3:0, abi.h's RIGHT_*); w0 = the badge. */
static inline unsigned cap_rights(struct cap c)        { return cap_bits(c) & 15; }

/* CNode: radix (bits 5:0), guard size (11:6); w0 = the guard. */
static inline unsigned cnode_radix(struct cap c)       { return cap_bits(c) & 63; }
static inline unsigned cnode_guard_size(struct cap c)  { return cap_bits(c) >> 6 & 63; }
static inline struct cte *cnode_slots(struct cap c)    { return cap_obj(c); }
static inline struct cap cnode_cap(uint64_t pa, unsigned radix, unsigned guard_size,
                                   uint64_t guard)
{
    return cap_make(CAP_CNODE, radix | (uint64_t)guard_size << 6, pa, guard);
}

/* Frame: rights (bits 1:0: Write, Read), large (bit 4: 2 MiB), device (bit 5);
 * w0 = where it is mapped: ASID << 48 | virtual address, or 0. */
#define FRAME_LARGE   (1u << 4)
#define FRAME_DEVICE  (1u << 5)
static inline unsigned frame_size_bits(struct cap c)
{
    return cap_bits(c) & FRAME_LARGE ? 21 : 12;
}
static inline bool frame_is_device(struct cap c)       { return cap_bits(c) & FRAME_DEVICE; }

/* Page table: its level once mapped (bits 1:0: 2 or 3; 0 while unmapped); w0 as a frame's. */
static inline unsigned pt_level(struct cap c)          { return cap_bits(c) & 3; }

/* A mapping word, for frames and page tables. */
#define MAPPED(asid, va)     ((uint64_t)(asid) << 48 | (va))
#define MAPPED_ASID(w0)      ((w0) >> 48)
#define MAPPED_VA(w0)        ((w0) & ((UINT64_C(1) << 48) - 1))

/* Reply: the thread that waits for the answer (its TCB object's address); bit 0 of the type
 * bits marks the master cap in that thread's own slot 2, bit 1 a reply that may grant caps. */
#define REPLY_MASTER     1u
#define REPLY_CAN_GRANT  2u

/* VSpace: w0 = its ASID, given when it is made. */
static inline uint64_t vspace_asid(struct cap c)       { return c.w0; }
/* ANCHOR_END: cap_fields */

#endif
