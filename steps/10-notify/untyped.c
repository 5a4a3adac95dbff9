/*
 * untyped.c: Untyped_Retype, the only way a kernel object comes to be after boot.
 *
 * An untyped cap covers a power-of-two region of memory and keeps a watermark: the bytes
 * below it are given out. Retype makes n objects of one type from the memory above the
 * watermark, each aligned to its own size, and puts their caps, children of the untyped's,
 * into n empty slots of a CNode. Memory comes back only all at once: when no cap descends from
 * the untyped any more (Revoke does that), the next Retype starts again from the bottom.
 */
#include "cnode.h"

#include <stdbool.h>
#include <stdint.h>

#define RETYPE_FAN_OUT_LIMIT 256       /* objects per Retype, as in seL4 */
#define MAX_UNTYPED_BITS     32        /* seL4: 47; this machine has 1 GiB */
#define MIN_UNTYPED_BITS     4

/* ANCHOR: obj_size */
/* An object's size, as a power of two. user_bits is Retype's size_bits: it matters only for
 * the kinds whose size the caller chooses (untyped, CNode). 0: no such object here. */
unsigned obj_size_bits(enum object_type t, uint64_t user_bits)
{
    switch (t) {
    case OBJ_UNTYPED:      return (unsigned)user_bits;
    case OBJ_TCB:          return TCB_BITS;            /* 1 KiB (seL4: 2 KiB) */
    case OBJ_ENDPOINT:     return 4;
    case OBJ_NOTIFICATION: return 5;
    case OBJ_CNODE:        return (unsigned)user_bits + SLOT_BITS;
    case OBJ_SMALL_PAGE:   return 12;
    case OBJ_LARGE_PAGE:   return 21;
    case OBJ_PAGE_TABLE:
    case OBJ_VSPACE:       return 12;
    default:               return 0;
    }
}
/* ANCHOR_END: obj_size */

/* ANCHOR: retype_decode */
/* seL4_Untyped_Retype(untyped, type, size_bits, root, node_index, node_depth, node_offset,
 * num_objects): MR0-5 in that order, `root` the one extra cap. The destination is the CNode
 * that (root, node_index, node_depth) names (depth 0: root itself), slots node_offset ... */
enum error untyped_invoke(struct invocation *inv)
{
    uint64_t *mr = inv->mr;
    struct cte *ut = inv->slot;
    if (inv->label != UNTYPED_RETYPE)
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    if (inv->length < 6 || inv->extra < 1)
        return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
    uint64_t type = mr[0], user_bits = mr[1], index = mr[2], depth = mr[3];
    uint64_t offset = mr[4], count = mr[5];

    if (type >= OBJ_TYPE_COUNT || type == OBJ_HUGE_PAGE)
        return inv_error(inv, E_INVALID_ARGUMENT, 1, 0, 0);
    unsigned bits = user_bits >= 64 ? 64 : obj_size_bits(type, user_bits);
    if (bits > MAX_UNTYPED_BITS)
        return inv_error(inv, E_RANGE, 2, 0, MAX_UNTYPED_BITS);
    if (type == OBJ_CNODE && user_bits == 0)
        return inv_error(inv, E_INVALID_ARGUMENT, 1, 1, 0);
    if (type == OBJ_UNTYPED && user_bits < MIN_UNTYPED_BITS)
        return inv_error(inv, E_INVALID_ARGUMENT, 1, 1, 0);

    /* The destination CNode. */
    struct cap node = inv->extra_slot[0]->cap;
    if (depth != 0) {
        struct cte *s;
        enum error e = cnode_lookup_target(inv, node, index, depth, false, &s);
        if (e)
            return e;
        node = s->cap;
    }
    if (cap_type(node) != CAP_CNODE) {
        struct lookup_fault f = { .type = LOOKUP_MISSING_CAPABILITY, .bits_left = depth };
        return inv_lookup_error(inv, false, &f);
    }
    uint64_t slots = UINT64_C(1) << cnode_radix(node);
    if (offset > slots - 1)
        return inv_error(inv, E_RANGE, 2, 0, slots - 1);
    if (count < 1 || count > RETYPE_FAN_OUT_LIMIT)
        return inv_error(inv, E_RANGE, 2, 1, RETYPE_FAN_OUT_LIMIT);
    if (count > slots - offset)
        return inv_error(inv, E_RANGE, 2, 1, slots - offset);
    struct cte *dst = cnode_slots(node) + offset;
    for (uint64_t i = 0; i < count; i++)
        if (cap_type(dst[i].cap) != CAP_NULL)
            return inv_error(inv, E_DELETE_FIRST, 0, 0, 0);

    /* Room: from the watermark, or from 0 if nothing is made from the untyped any more. */
    uint64_t base = cap_pa(ut->cap), size = UINT64_C(1) << untyped_size_bits(ut->cap);
    uint64_t free_index = cte_has_children(ut) ? ut->cap.w0 : 0;
    uint64_t first = (base + free_index + (UINT64_C(1) << bits) - 1) & ~((UINT64_C(1) << bits) - 1);
    uint64_t left = size - free_index;
    if (first - base > size || ((size - (first - base)) >> bits) < count)
        return inv_error(inv, E_NOT_ENOUGH_MEMORY, 1, left, 0);
    if (untyped_is_device(ut->cap) && type != OBJ_UNTYPED && type != OBJ_SMALL_PAGE &&
        type != OBJ_LARGE_PAGE)
        return inv_error(inv, E_INVALID_ARGUMENT, 1, 1, 0);
    enum error e = obj_can_make(type, count);
    if (e)
        return inv_error(inv, e, 0, 0, 0);
/* ANCHOR_END: retype_decode */

/* ANCHOR: retype_perform */
    /* Nothing can fail from here on. */
    ut->cap.w0 = first - base + (count << bits);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t pa = first + (i << bits);
        cte_insert_new(ut, &dst[i], obj_make(type, pa, user_bits, untyped_is_device(ut->cap)));
    }
    return E_NONE;
}
/* ANCHOR_END: retype_perform */
