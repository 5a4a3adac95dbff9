/*
 * cnode.h: the capability core. Finding a slot from a cptr (lookup), the derivation tree
 * (who was made from whom), and the operations on slots that every invocation is built from:
 * insert, move, delete, revoke. Plain C: it compiles for the host too (host/test_cnode.c).
 *
 * The core knows nothing about what objects do. When a cap is deleted it calls
 * obj_finalise(), and when Retype makes an object it calls obj_make(): objects.c supplies
 * both in the kernel, the host tests supply fakes.
 */
#ifndef CNODE_H
#define CNODE_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"
#include "cap.h"

/* ANCHOR: lookup_api */
/* Why a lookup failed, with the words seL4 reports for it (abi.h: enum lookup_failure). */
struct lookup_fault {
    enum lookup_failure type;
    uint64_t bits_left;                /* bits of the cptr not yet used */
    uint64_t bits_found;               /* depth mismatch: what the CNode would have taken */
    uint64_t guard_found, guard_size;  /* guard mismatch: the CNode's guard */
};

/* Walk the CSpace from `root` (a CNode cap), reading `depth` bits of `cptr` from the top.
 * Returns the slot reached, and in *bits_left the bits not used: 0 when the walk ended
 * exactly at `depth`, more when it stopped at a slot that holds no CNode. 0 and *f on
 * failure. */
struct cte *cspace_resolve(struct cap root, uint64_t cptr, unsigned depth, unsigned *bits_left,
                           struct lookup_fault *f);
/* ANCHOR_END: lookup_api */

/* ANCHOR: lookup_inline */
/* Step 09: the lookup every system call makes (depth 64), in one step when the root CNode's
 * guard and radix take all 64 bits of a cptr, as in init's CSpace; otherwise, or when the
 * guard does not match, the general walk (which reports the failure). Same result, fewer
 * instructions on the IPC paths. */
static inline struct cte *cspace_lookup(struct cap root, uint64_t cptr, struct lookup_fault *f)
{
    unsigned radix = cnode_radix(root), left;
    if (cap_type(root) == CAP_CNODE && radix + cnode_guard_size(root) == 64 &&
        cptr >> radix == root.w0)
        return cnode_slots(root) + (cptr & ((UINT64_C(1) << radix) - 1));
    return cspace_resolve(root, cptr, 64, &left, f);
}
/* ANCHOR_END: lookup_inline */

/* ANCHOR: cdt_api */
bool cte_is_parent_of(const struct cte *a, const struct cte *b);  /* b descends from a */
bool cte_has_children(const struct cte *s);
bool cte_is_final(const struct cte *s);   /* no other cap names the same object */
bool cap_same_object(struct cap a, struct cap b);
bool cap_same_region(struct cap a, struct cap b);  /* b's object lies in a's (a untyped) */

/* Put `cap` in the empty slot `dst` as a child of `parent` (Retype: parent is the untyped),
 * or as a root of the tree (boot: parent 0). Revocable, as every new object's cap is. */
void cte_insert_new(struct cte *parent, struct cte *dst, struct cap cap);
/* Copy and Mint: `cap`, derived from src's, into the empty slot dst, right after src. */
void cte_insert(struct cte *src, struct cte *dst, struct cap cap);
/* Move: src's cap (as `cap`) and its place in the tree go to the empty slot dst. */
void cte_move(struct cte *src, struct cte *dst, struct cap cap);
/* Delete one cap; the last cap of an object finalises the object. Cannot fail. */
void cte_delete(struct cte *s);
/* Delete every descendant of s, not s itself. Cannot fail. */
void cte_revoke(struct cte *s);
/* Step 09: take s out of the tree and empty it, finalising nothing: for a reply cap, which
 * names a thread that its master cap keeps. */
void cte_unlink(struct cte *s);
/* ANCHOR_END: cdt_api */

/* ANCHOR: derive_api */
/* What a copy of the cap in `src` may be (seL4's deriveCap): a mapped frame's copy is
 * unmapped; an untyped with children, an IRQControl or a zombie cannot be copied (0 and
 * *err set). */
bool cap_derive(const struct cte *src, struct cap *out, enum error *err);
struct cap cap_mask_rights(struct cap c, uint64_t rights);        /* rights only shrink */
/* Mint's data word: a badge for an unbadged endpoint or notification, a guard for a CNode.
 * The null cap if the result would be invalid (a second badge, a guard that does not fit). */
struct cap cap_update_data(struct cap c, uint64_t data);
/* ANCHOR_END: derive_api */

/* ANCHOR: invocation */
/* One invocation, decoded from a thread's registers and IPC buffer. Kept in one static (the
 * kernel runs one system call at a time): its message words are too many for the stack. */
#define INV_OUT_MAX 40
struct invocation {
    uint64_t label;                    /* the method (abi.h: enum label) */
    unsigned length;                   /* message words */
    uint64_t mr[MSG_MAX_LENGTH];       /* the words: MR0-3 from x2-x5, the rest from the buffer */
    unsigned extra;                    /* extra caps found (at most 3) */
    struct cte *extra_slot[MSG_MAX_EXTRA_CAPS];
    struct cte *slot;                  /* the invoked cap's slot */
    void *thread;                      /* the caller (a struct tcb in the kernel) */
    unsigned out_len;                  /* the answer: its words */
    uint64_t out[INV_OUT_MAX];
};

/* The error replies (abi.h: enum error), each with seL4's detail words. */
enum error inv_error(struct invocation *inv, enum error e, unsigned n, uint64_t a, uint64_t b);
enum error inv_lookup_error(struct invocation *inv, bool source, const struct lookup_fault *f);

/* Decoders: each checks everything and returns an error with nothing changed, or performs
 * the operation (which cannot fail) and returns E_NONE. */
enum error cnode_invoke(struct invocation *inv);
enum error untyped_invoke(struct invocation *inv);
/* A CNode method's slot argument: (root, index, depth), which must end exactly at depth. */
enum error cnode_lookup_target(struct invocation *inv, struct cap root, uint64_t index,
                               uint64_t depth, bool source, struct cte **out);
/* ANCHOR_END: invocation */

/* ANCHOR: obj_size_api */
#define TCB_BITS 10                  /* a TCB object: 1 KiB (seL4's are 2 KiB; tcb.h) */
unsigned obj_size_bits(enum object_type t, uint64_t user_bits);  /* untyped.c; 0: no such type */
/* ANCHOR_END: obj_size_api */

/* ANCHOR: hooks */
/* Supplied by objects.c (kernel) or the host tests. */
void obj_finalise(struct cap c, bool final);  /* a cap to the object is going away */
void cte_delete_one(struct cte *s);          /* for obj_finalise: delete without emptying
                                                CNodes now (cte_delete empties them after) */
enum error obj_can_make(enum object_type t, uint64_t n);  /* room for n (ASIDs, say)? */
struct cap obj_make(enum object_type t, uint64_t pa, uint64_t user_bits, bool device);
/* ANCHOR_END: hooks */

#endif
