/*
 * cnode.c: the capability core. How a cptr finds a slot, how the derivation tree records
 * which cap was made from which, how caps are copied, moved, deleted and revoked, and the CNode
 * methods built from those. seL4's rules throughout (the book's chapter 08 explains them).
 *
 * Every function here runs to the end with interrupts masked, like the whole kernel, so no
 * other code sees a half-done operation.
 */
#include "cnode.h"

#include <stdbool.h>
#include <stdint.h>

static inline uint64_t mask(unsigned bits)
{
    return bits >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << bits) - 1;
}

/* ANCHOR: resolve */
/* seL4's resolveAddressBits. At each CNode the next guard_size bits of the cptr must equal
 * the guard, and the radix bits after them pick the slot. The walk goes on into the cap it
 * found while bits remain and that cap is a CNode's. */
struct cte *cspace_resolve(struct cap node, uint64_t cptr, unsigned depth, unsigned *bits_left,
                           struct lookup_fault *f)
{
    unsigned n = depth;
    if (cap_type(node) != CAP_CNODE) {
        f->type = LOOKUP_INVALID_ROOT;
        return 0;
    }
    for (;;) {
        unsigned radix = cnode_radix(node), gsize = cnode_guard_size(node);
        unsigned level = radix + gsize;           /* >= 1: Retype makes no radix-0 CNode */
        if (gsize > n || (gsize && ((cptr >> (n - gsize)) & mask(gsize)) != node.w0)) {
            *f = (struct lookup_fault){ .type = LOOKUP_GUARD_MISMATCH, .bits_left = n,
                                        .guard_found = node.w0, .guard_size = gsize };
            return 0;
        }
        if (level > n) {
            *f = (struct lookup_fault){ .type = LOOKUP_DEPTH_MISMATCH, .bits_left = n,
                                        .bits_found = level };
            return 0;
        }
        struct cte *slot = cnode_slots(node) + ((cptr >> (n - level)) & mask(radix));
        n -= level;
        if (n == 0 || cap_type(slot->cap) != CAP_CNODE) {
            *bits_left = n;
            return slot;
        }
        node = slot->cap;
    }
}
/* ANCHOR_END: resolve */

/* ANCHOR: same_object */
static uint64_t obj_bytes(struct cap c)
{
    switch (cap_type(c)) {
    case CAP_UNTYPED:      return UINT64_C(1) << untyped_size_bits(c);
    case CAP_CNODE:        return UINT64_C(1) << (cnode_radix(c) + SLOT_BITS);
    case CAP_THREAD:       return UINT64_C(1) << obj_size_bits(OBJ_TCB, 0);
    case CAP_ENDPOINT:     return UINT64_C(1) << obj_size_bits(OBJ_ENDPOINT, 0);
    case CAP_NOTIFICATION: return UINT64_C(1) << obj_size_bits(OBJ_NOTIFICATION, 0);
    case CAP_FRAME:        return UINT64_C(1) << frame_size_bits(c);
    case CAP_PAGE_TABLE:
    case CAP_VSPACE:       return 4096;
    default:               return 0;               /* no memory of its own */
    }
}

/* a's object or region contains b's (seL4's sameRegionAs). */
bool cap_same_region(struct cap a, struct cap b)
{
    enum cap_type ta = cap_type(a), tb = cap_type(b);
    switch (ta) {
    case CAP_UNTYPED: {
        uint64_t size = obj_bytes(b);
        return size && cap_pa(b) >= cap_pa(a) &&
               cap_pa(b) + size - 1 <= cap_pa(a) + obj_bytes(a) - 1;
    }
    case CAP_CNODE:
        return tb == ta && cap_pa(a) == cap_pa(b) && cnode_radix(a) == cnode_radix(b);
    case CAP_FRAME:
        return tb == ta && cap_pa(a) == cap_pa(b) && frame_size_bits(a) == frame_size_bits(b);
    case CAP_ENDPOINT: case CAP_NOTIFICATION: case CAP_THREAD: case CAP_PAGE_TABLE:
    case CAP_VSPACE: case CAP_REPLY:
        return tb == ta && cap_pa(a) == cap_pa(b);
    case CAP_IRQ_CONTROL:
        return tb == CAP_IRQ_CONTROL || tb == CAP_IRQ_HANDLER;
    case CAP_IRQ_HANDLER:
        return tb == ta && a.w0 == b.w0;
    case CAP_ASID_POOL:
        return tb == ta;
    default:
        return false;
    }
}

/* Two caps to the same object (seL4's sameObjectAs): an untyped is never "the same object"
 * as another cap, so deleting an untyped cap never finalises anything. */
bool cap_same_object(struct cap a, struct cap b)
{
    if (cap_type(a) == CAP_UNTYPED)
        return false;
    if (cap_type(a) == CAP_IRQ_CONTROL && cap_type(b) == CAP_IRQ_HANDLER)
        return false;
    return cap_same_region(a, b);
}
/* ANCHOR_END: same_object */

/* ANCHOR: parent */
/* b is a descendant of a (seL4's isMDBParentOf). Only a revocable cap has children. The
 * children of an endpoint cap with a badge are the caps with that badge, apart from a cap
 * that was itself the first to get the badge: that one starts a tree of its own. */
bool cte_is_parent_of(const struct cte *a, const struct cte *b)
{
    if (!cte_revocable(a) || !cap_same_region(a->cap, b->cap))
        return false;
    switch (cap_type(a->cap)) {
    case CAP_ENDPOINT:
    case CAP_NOTIFICATION:
        if (a->cap.w0 == 0)
            return true;
        return b->cap.w0 == a->cap.w0 && !cte_first_badged(b);
    default:
        return true;
    }
}

/* In preorder a cap's descendants follow it, so it has some if the next one is. */
bool cte_has_children(const struct cte *s)
{
    const struct cte *n = cte_next(s);
    return n && cte_is_parent_of(s, n);
}

/* The caps to one object sit side by side in the list: a cap is the last if neither
 * neighbour names its object (seL4's isFinalCapability). */
bool cte_is_final(const struct cte *s)
{
    const struct cte *p = s->prev, *n = cte_next(s);
    return !(p && cap_same_object(p->cap, s->cap)) && !(n && cap_same_object(n->cap, s->cap));
}
/* ANCHOR_END: parent */

/* ANCHOR: insert */
static void set_next(struct cte *s, struct cte *n)
{
    s->next_flags = (uintptr_t)n | (s->next_flags & 31);
}

static void link_after(struct cte *prev, struct cte *dst, struct cap cap, uintptr_t flags)
{
    struct cte *next = prev ? cte_next(prev) : 0;
    dst->cap = cap;
    dst->prev = prev;
    dst->next_flags = (uintptr_t)next | flags;
    if (prev)
        set_next(prev, dst);
    if (next)
        next->prev = dst;
}

void cte_insert_new(struct cte *parent, struct cte *dst, struct cap cap)
{
    link_after(parent, dst, cap, CTE_REVOCABLE | CTE_FIRST_BADGED);
}

/* A copy may be revocable itself: the first badged copy of an endpoint or notification,
 * and a copy of an untyped (seL4's isCapRevocable). */
static bool revocable_copy(struct cap copy, struct cap src)
{
    switch (cap_type(copy)) {
    case CAP_ENDPOINT:
    case CAP_NOTIFICATION:
        return copy.w0 != src.w0;
    case CAP_UNTYPED:
        return true;
    case CAP_IRQ_HANDLER:
        return cap_type(src) == CAP_IRQ_CONTROL;
    default:
        return false;
    }
}

void cte_insert(struct cte *src, struct cte *dst, struct cap cap)
{
    link_after(src, dst, cap, revocable_copy(cap, src->cap) ? CTE_REVOCABLE | CTE_FIRST_BADGED : 0);
}

void cte_move(struct cte *src, struct cte *dst, struct cap cap)
{
    struct cte *prev = src->prev, *next = cte_next(src);
    dst->cap = cap;
    dst->prev = prev;
    dst->next_flags = src->next_flags;
    if (prev)
        set_next(prev, dst);
    if (next)
        next->prev = dst;
    *src = (struct cte){ 0 };
}
/* ANCHOR_END: insert */

/* ANCHOR: delete */
/* Take s out of the list and empty it. The next cap inherits s's "first badged" mark, so
 * that a badge's tree does not lose its root (seL4's emptySlot). */
void cte_unlink(struct cte *s)
{
    struct cte *prev = s->prev, *next = cte_next(s);
    if (prev)
        set_next(prev, next);
    if (next) {
        next->prev = prev;
        next->next_flags |= s->next_flags & CTE_FIRST_BADGED;
    }
    *s = (struct cte){ 0 };
}

/* CNodes whose last cap went and whose slots are still to be emptied. A CNode can hold the
 * last cap of another, which holds the last cap of a third, without end: emptying them by
 * recursion could overflow the kernel's 4 KiB stack. So the slot that held the last cap
 * keeps a zombie cap naming the CNode, and the zombies form a list (through `prev`) that
 * cte_delete works through until it is empty. */
static struct cte *zombies;

void cte_delete_one(struct cte *s)
{
    struct cap c = s->cap;
    enum cap_type t = cap_type(c);
    if (t == CAP_NULL || t == CAP_ZOMBIE)       /* empty, or a CNode already on its way */
        return;
    bool final = cte_is_final(s);
    cte_unlink(s);
    if (final && t == CAP_CNODE) {
        s->cap = cap_make(CAP_ZOMBIE, cnode_radix(c), cap_pa(c), 0);
        s->prev = zombies;
        zombies = s;
        return;
    }
    obj_finalise(c, final);
}

void cte_delete(struct cte *s)
{
    cte_delete_one(s);
    while (zombies) {
        struct cte *z = zombies;
        zombies = z->prev;
        struct cte *slots = cap_obj(z->cap);
        for (uint64_t i = 0; i < UINT64_C(1) << cap_bits(z->cap); i++)
            cte_delete_one(&slots[i]);           /* skips z itself, if it is in there */
        *z = (struct cte){ 0 };
    }
}

/* Delete the caps that follow s as long as they descend from it. A deletion can take s
 * too (s in a CNode made from the untyped being revoked): then s has no next, and the loop
 * ends. */
void cte_revoke(struct cte *s)
{
    struct cte *n;
    while ((n = cte_next(s)) && cte_is_parent_of(s, n))
        cte_delete(n);
}
/* ANCHOR_END: delete */

/* ANCHOR: derive */
bool cap_derive(const struct cte *src, struct cap *out, enum error *err)
{
    struct cap c = src->cap;
    switch (cap_type(c)) {
    case CAP_UNTYPED:                  /* a copy would let its memory be handed out twice */
        if (cte_has_children(src)) {
            *err = E_REVOKE_FIRST;
            return false;
        }
        break;
    case CAP_IRQ_CONTROL:              /* there is one, and it cannot be copied */
    case CAP_ZOMBIE:
    case CAP_REPLY:
        c = cap_null;
        break;
    case CAP_FRAME:                    /* each frame cap maps the frame once: a copy starts */
        c.w0 = 0;                      /* unmapped */
        break;
    case CAP_PAGE_TABLE:               /* seL4 copies only a page table that is in use */
        if (!pt_level(c)) {
            *err = E_ILLEGAL_OPERATION;
            return false;
        }
        break;
    default:
        break;
    }
    *out = c;
    return true;
}

struct cap cap_mask_rights(struct cap c, uint64_t rights)
{
    switch (cap_type(c)) {
    case CAP_ENDPOINT:
    case CAP_NOTIFICATION:
        cap_set_bits(&c, cap_bits(c) & (rights & 15));
        break;
    case CAP_FRAME:                    /* its two rights are Write (bit 0) and Read (bit 1) */
        cap_set_bits(&c, (cap_bits(c) & ~UINT64_C(3)) | (cap_bits(c) & rights & 3));
        break;
    default:
        break;
    }
    return c;
}

struct cap cap_update_data(struct cap c, uint64_t data)
{
    switch (cap_type(c)) {
    case CAP_ENDPOINT:
    case CAP_NOTIFICATION:
        if (c.w0 != 0)
            return cap_null;           /* a badge, once given, stays */
        c.w0 = data;
        return c;
    case CAP_CNODE: {
        unsigned gsize = CNODE_DATA_GUARD_SIZE(data);
        if (gsize + cnode_radix(c) > 64)
            return cap_null;
        return cnode_cap(cap_pa(c), cnode_radix(c), gsize, CNODE_DATA_GUARD(data) & mask(gsize));
    }
    default:
        return c;
    }
}
/* ANCHOR_END: derive */

/* ANCHOR: errors */
enum error inv_error(struct invocation *inv, enum error e, unsigned n, uint64_t a, uint64_t b)
{
    inv->out_len = n;
    inv->out[0] = a;
    inv->out[1] = b;
    return e;
}

/* FailedLookup's words: was it the source, then the failure's kind and its own words. */
enum error inv_lookup_error(struct invocation *inv, bool source, const struct lookup_fault *f)
{
    uint64_t *o = inv->out;
    o[0] = source;
    o[1] = f->type;
    switch (f->type) {
    case LOOKUP_MISSING_CAPABILITY: o[2] = f->bits_left; inv->out_len = 3; break;
    case LOOKUP_DEPTH_MISMATCH:
        o[2] = f->bits_left;
        o[3] = f->bits_found;
        inv->out_len = 4;
        break;
    case LOOKUP_GUARD_MISMATCH:
        o[2] = f->bits_left;
        o[3] = f->guard_found;
        o[4] = f->guard_size;
        inv->out_len = 5;
        break;
    default: inv->out_len = 2; break;
    }
    return E_FAILED_LOOKUP;
}
/* ANCHOR_END: errors */

/* ANCHOR: target */
/* seL4's lookupSlotForCNodeOp: the depth must be 1..64, and the walk must use exactly that
 * many bits, ending on a slot (empty or not). */
enum error cnode_lookup_target(struct invocation *inv, struct cap root, uint64_t index,
                               uint64_t depth, bool source, struct cte **out)
{
    struct lookup_fault f = { 0 };
    unsigned left;
    if (cap_type(root) != CAP_CNODE) {
        f.type = LOOKUP_INVALID_ROOT;
        return inv_lookup_error(inv, source, &f);
    }
    if (depth < 1 || depth > 64)
        return inv_error(inv, E_RANGE, 2, 1, 64);
    struct cte *s = cspace_resolve(root, index, (unsigned)depth, &left, &f);
    if (!s)
        return inv_lookup_error(inv, source, &f);
    if (left) {
        f = (struct lookup_fault){ .type = LOOKUP_DEPTH_MISMATCH, .bits_left = left };
        return inv_lookup_error(inv, source, &f);
    }
    *out = s;
    return E_NONE;
}
/* ANCHOR_END: target */

/* ANCHOR: cnode_invoke */
/* The CNode methods. Every argument is checked first; only then does anything change. */
enum error cnode_invoke(struct invocation *inv)
{
    uint64_t label = inv->label, *mr = inv->mr;
    if (label < CNODE_REVOKE || label > CNODE_SAVE_CALLER)
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    if (inv->length < 2)
        return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
    struct cte *dst;
    enum error e = cnode_lookup_target(inv, inv->slot->cap, mr[0], mr[1], false, &dst);
    if (e)
        return e;

    switch (label) {
    case CNODE_REVOKE:
        cte_revoke(dst);
        return E_NONE;
    case CNODE_DELETE:
        cte_delete(dst);
        return E_NONE;
    case CNODE_COPY:
    case CNODE_MINT:
    case CNODE_MOVE:
        break;
    default:                           /* Mutate, Rotate, CancelBadgedSends, SaveCaller */
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    }

    if (inv->length < 4 || inv->extra < 1)
        return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
    if (cap_type(dst->cap) != CAP_NULL)
        return inv_error(inv, E_DELETE_FIRST, 0, 0, 0);
    struct cte *src;
    e = cnode_lookup_target(inv, inv->extra_slot[0]->cap, mr[2], mr[3], true, &src);
    if (e)
        return e;
    if (cap_type(src->cap) == CAP_NULL) {
        struct lookup_fault f = { .type = LOOKUP_MISSING_CAPABILITY, .bits_left = mr[3] };
        return inv_lookup_error(inv, true, &f);
    }
    if (label == CNODE_MOVE) {
        cte_move(src, dst, src->cap);
        return E_NONE;
    }
    unsigned need = label == CNODE_MINT ? 6 : 5;
    if (inv->length < need)
        return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
    struct cap c = cap_mask_rights(src->cap, mr[4]);
    if (label == CNODE_MINT)
        c = cap_update_data(c, mr[5]);
    struct cte tmp = *src;             /* derive what the result would be */
    tmp.cap = c;
    if (!cap_derive(&tmp, &c, &e))
        return inv_error(inv, e, 0, 0, 0);
    if (cap_type(c) == CAP_NULL)
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    cte_insert(src, dst, c);
    /* Two caps to one untyped must not both hand out its memory. The copy is the original's
     * child, so the original keeps its watermark instead of starting again at 0: set it to
     * the end, and the original makes nothing until the copy, and all it made, are gone. */
    if (cap_type(c) == CAP_UNTYPED)
        src->cap.w0 = UINT64_C(1) << untyped_size_bits(c);
    return E_NONE;
}
/* ANCHOR_END: cnode_invoke */
