/*
 * fuzz_cnode.c: a libFuzzer target for the capability core: cptr lookup and the decoding of
 * CNode and Untyped invocations: hostile input must never break the tree (chapter 08).
 *
 * Each input is a program for a small world: a root CNode of 64 slots (a 58-bit guard of 0, so
 * a cptr at depth 64 is a slot number; its cap in slot 2 and, in slot 5, a copy without a guard
 * for 6-bit cptrs), a 64 KiB RAM untyped in slot 3 and a 16 KiB device untyped in slot 4. The
 * bytes are read as operations: cspace_resolve with any cptr and depth, cnode_invoke and
 * untyped_invoke with any label, length, message words and extra cap. After every operation
 * the world is checked, and abort() reports a violation:
 *   - every slot reachable from the root: an empty slot has no links, no zombie is left;
 *   - every derivation list: links agree both ways, no cycle, an untyped's descendants are
 *     one run right after it (nothing in its region anywhere else in the list);
 *   - after a Revoke that succeeded, nothing after the revoked cap descends from it;
 *   - every object Retype makes is aligned, inside its untyped's arena, and overlaps no object
 *     that had a cap before the call; no two live objects overlap.
 * Build and run: make fuzz STEP=10 [SECONDS=60] (common/step.mk, host/host.mk).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnode.h"
#include "cap_names.h"

#define FAIL(...) do { fprintf(stderr, "fuzz_cnode: " __VA_ARGS__); fputc('\n', stderr); abort(); } while (0)

#define ROOT_BITS 6
#define NROOT     (1u << ROOT_BITS)
#define UT_BITS   16
#define DEV_BITS  14
#define MAX_OPS   64

static struct cte *root;
static uint8_t *arena, *dev;
static struct invocation inv;

/* ---- the hooks (objects.c in the kernel) ---- */

enum error obj_can_make(enum object_type t, uint64_t n)
{
    (void)t, (void)n;
    return E_NONE;
}

void obj_finalise(struct cap c, bool final)
{
    (void)c, (void)final;
}

/* The objects alive before the current Retype, as [start, end) with their cap's type. */
struct obj { uint64_t start, end; enum cap_type type; };
static struct obj *live;
static size_t nlive, live_cap;

static void add_obj(struct obj **v, size_t *n, size_t *cap, struct obj o)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 256;
        *v = realloc(*v, *cap * sizeof **v);
        if (!*v)
            abort();
    }
    (*v)[(*n)++] = o;
}

static bool in(uint64_t pa, uint64_t size, const uint8_t *base, unsigned bits)
{
    return pa >= OBJ_PA(base) && pa + size <= OBJ_PA(base) + (UINT64_C(1) << bits);
}

struct cap obj_make(enum object_type t, uint64_t pa, uint64_t user_bits, bool device)
{
    unsigned bits = obj_size_bits(t, user_bits);
    uint64_t size = UINT64_C(1) << bits;
    if (pa & (size - 1))
        FAIL("Retype made a type-%d object at %#llx, not aligned to its %llu bytes", t,
             (unsigned long long)pa, (unsigned long long)size);
    if (!in(pa, size, arena, UT_BITS) && !in(pa, size, dev, DEV_BITS))
        FAIL("Retype made a type-%d object at %#llx (%llu bytes) outside every untyped", t,
             (unsigned long long)pa, (unsigned long long)size);
    if (device != in(pa, size, dev, DEV_BITS))
        FAIL("Retype made a %s object in %s memory", device ? "device" : "RAM",
             device ? "RAM" : "device");
    for (size_t i = 0; i < nlive; i++)
        if (live[i].type != CAP_UNTYPED && pa < live[i].end && live[i].start < pa + size)
            FAIL("Retype made a type-%d object at %#llx over a live %s at %#llx", t,
                 (unsigned long long)pa, cap_type_name(live[i].type),
                 (unsigned long long)live[i].start);
    if (!device && t != OBJ_UNTYPED)
        memset(OBJ_PTR(pa), 0, size);
    struct cap c;
    switch (t) {
    case OBJ_UNTYPED:      c = untyped_cap(pa, (unsigned)user_bits, device); break;
    case OBJ_TCB:          c = cap_make(CAP_THREAD, 0, pa, 0); break;
    case OBJ_ENDPOINT:     c = cap_make(CAP_ENDPOINT, RIGHTS_ALL, pa, 0); break;
    case OBJ_NOTIFICATION: c = cap_make(CAP_NOTIFICATION, RIGHTS_ALL, pa, 0); break;
    case OBJ_CNODE:        c = cnode_cap(pa, (unsigned)user_bits, 0, 0); break;
    case OBJ_SMALL_PAGE:
    case OBJ_LARGE_PAGE:
        c = cap_make(CAP_FRAME, RIGHT_READ | RIGHT_WRITE | (t == OBJ_LARGE_PAGE ? FRAME_LARGE : 0) |
                     (device ? FRAME_DEVICE : 0), pa, 0);
        break;
    case OBJ_PAGE_TABLE:   c = cap_make(CAP_PAGE_TABLE, 0, pa, 0); break;
    case OBJ_VSPACE:       c = cap_make(CAP_VSPACE, 0, pa, 1); break;
    default:               FAIL("Retype asked obj_make for type %d", t);
    }
    if (t != OBJ_UNTYPED)              /* objects of one call must not overlap each other */
        add_obj(&live, &nlive, &live_cap, (struct obj){ pa, pa + size, cap_type(c) });
    return c;
}

/* ---- the checks ---- */

static uint64_t mem_bytes(struct cap c)
{
    switch (cap_type(c)) {
    case CAP_UNTYPED:      return UINT64_C(1) << untyped_size_bits(c);
    case CAP_CNODE:        return UINT64_C(1) << (cnode_radix(c) + SLOT_BITS);
    case CAP_THREAD:       return 1024;
    case CAP_ENDPOINT:     return 16;
    case CAP_NOTIFICATION: return 32;
    case CAP_FRAME:        return UINT64_C(1) << frame_size_bits(c);
    case CAP_PAGE_TABLE:
    case CAP_VSPACE:       return 4096;
    default:               return 0;
    }
}

static struct cte **todo, **heads, **stack;
static size_t ntodo, todo_cap, nheads, heads_cap, stack_cap;
static uint8_t seen[(1u << UT_BITS) / 32 / 8];
static struct obj *objs;
static size_t nobjs, objs_cap;

static void push(struct cte ***v, size_t *n, size_t *cap, struct cte *s)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 256;
        *v = realloc(*v, *cap * sizeof **v);
        if (!*v)
            abort();
    }
    (*v)[(*n)++] = s;
}

static void check_slot(struct cte *s)
{
    enum cap_type t = cap_type(s->cap);
    if (t == CAP_ZOMBIE)
        FAIL("a zombie is left in slot %p", (void *)s);
    if (t == CAP_NULL) {
        if (s->prev || s->next_flags)
            FAIL("an empty slot has links");
        return;
    }
    if (s->prev && cte_next(s->prev) != s)
        FAIL("prev->next is not the slot");
    if (cte_next(s) && cte_next(s)->prev != s)
        FAIL("next->prev is not the slot");
    if (!s->prev)
        push(&heads, &nheads, &heads_cap, s);
    if (t == CAP_CNODE && in(cap_pa(s->cap), 32, arena, UT_BITS)) {
        size_t bit = (size_t)(cap_pa(s->cap) - OBJ_PA(arena)) / 32;
        if (!(seen[bit / 8] >> (bit % 8) & 1)) {
            seen[bit / 8] |= (uint8_t)(1u << bit % 8);
            push(&todo, &ntodo, &todo_cap, s);
        }
    }
}

static void check_list(struct cte *head)
{
    size_t n = 0, depth = 0;
    for (struct cte *x = head; x; x = cte_next(x)) {
        if (++n > 1000000)
            FAIL("a derivation list does not end");
        if (cap_type(x->cap) == CAP_NULL || cap_type(x->cap) == CAP_ZOMBIE)
            FAIL("an empty slot or a zombie is in a derivation list");
        if (x->next_flags & 28)
            FAIL("stray flag bits in next");
        if (cte_next(x) && cte_next(x)->prev != x)
            FAIL("next->prev is not the slot (in a list)");
        /* Its parent, if any, is on the stack of ancestors (none: the untyped it came from
         * was deleted, which seL4 allows; the run check below still holds it to any other
         * untyped its memory lies in). */
        while (depth && !cte_is_parent_of(stack[depth - 1], x))
            depth--;
        push(&stack, &depth, &stack_cap, x);
        uint64_t size = mem_bytes(x->cap);
        if (size && (in(cap_pa(x->cap), size, arena, UT_BITS) || in(cap_pa(x->cap), size, dev, DEV_BITS)))
            add_obj(&objs, &nobjs, &objs_cap, (struct obj){ cap_pa(x->cap), cap_pa(x->cap) + size,
                                                            cap_type(x->cap) });
    }
    for (struct cte *u = head; u; u = cte_next(u)) {
        if (cap_type(u->cap) != CAP_UNTYPED || !cte_revocable(u))
            continue;
        struct cte *x = cte_next(u);
        while (x && cte_is_parent_of(u, x))
            x = cte_next(x);
        for (; x; x = cte_next(x))
            if (cte_is_parent_of(u, x))
                FAIL("a %s cap in an untyped's region is outside its run of descendants",
                     cap_type_name(cap_type(x->cap)));
    }
}

static int by_start(const void *a, const void *b)
{
    const struct obj *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Walk every reachable slot and every list; leave the live objects in `live`. */
static void check_world(void)
{
    ntodo = nheads = nobjs = 0;
    memset(seen, 0, sizeof seen);
    for (unsigned i = 0; i < NROOT; i++)
        check_slot(&root[i]);
    while (ntodo) {
        struct cap c = todo[--ntodo]->cap;
        struct cte *slots = cnode_slots(c);
        for (uint64_t i = 0; i < UINT64_C(1) << cnode_radix(c); i++)
            check_slot(&slots[i]);
    }
    for (size_t i = 0; i < nheads; i++)
        check_list(heads[i]);
    /* Two caps overlap only if they name the same object, or one is an untyped. */
    qsort(objs, nobjs, sizeof *objs, by_start);
    size_t last = SIZE_MAX;
    for (size_t i = 0; i < nobjs; i++) {
        if (objs[i].type == CAP_UNTYPED)
            continue;
        if (last != SIZE_MAX && objs[i].start < objs[last].end &&
            !(objs[i].start == objs[last].start && objs[i].end == objs[last].end &&
              objs[i].type == objs[last].type))
            FAIL("a %s at %#llx overlaps a %s at %#llx", cap_type_name(objs[i].type),
                 (unsigned long long)objs[i].start, cap_type_name(objs[last].type),
                 (unsigned long long)objs[last].start);
        if (last == SIZE_MAX || objs[i].end > objs[last].end)
            last = i;
    }
    nlive = 0;
    for (size_t i = 0; i < nobjs; i++)
        add_obj(&live, &nlive, &live_cap, objs[i]);
}

static void check_revoked(struct cte *s)
{
    if (cap_type(s->cap) == CAP_NULL)  /* the revoked cap sat in a CNode that went with it */
        return;
    /* After s in its list (before it, an untyped's original covers the same region as its
     * copy s, and "same region" is all cte_is_parent_of can see). */
    for (struct cte *x = cte_next(s); x; x = cte_next(x))
        if (cte_is_parent_of(s, x) &&
            (cap_type(s->cap) == CAP_UNTYPED || x == cte_next(s)))
            FAIL("a %s cap still descends from the revoked %s cap", cap_type_name(cap_type(x->cap)),
                 cap_type_name(cap_type(s->cap)));
}

/* ---- the input ---- */

static const uint8_t *in_p;
static size_t in_n;

static uint8_t get8(void)
{
    if (!in_n)
        return 0;
    in_n--;
    return *in_p++;
}

/* A word: mostly small numbers (slots, depths, counts), sometimes the edges, sometimes any. */
static uint64_t word(void)
{
    uint8_t b = get8();
    if (b < 0xf0)
        return b;
    switch (b) {
    case 0xf0: return 64;
    case 0xf1: return 65;
    case 0xf2: return UINT64_MAX;
    case 0xf3: return UINT64_C(1) << 63;
    case 0xf4: return 256;
    case 0xf5: return 257;
    case 0xf6: return (uint64_t)get8() << 8 | get8();
    default: {
        uint64_t w = 0;
        for (int i = 0; i < 8; i++)
            w = w << 8 | get8();
        return w;
    }
    }
}

/* A slot: a root slot, or (high bit) wherever a 6-bit-per-level cptr leads from root'. */
static struct cte *slot(void)
{
    uint8_t b = get8();
    if (!(b & 0x80))
        return &root[b % NROOT];
    unsigned left;
    struct lookup_fault f;
    uint64_t cptr = word();
    struct cte *s = cspace_resolve(root[5].cap, cptr, 1 + (b & 63), &left, &f);
    return s ? s : &root[b % NROOT];
}

static void reset(void)
{
    if (!root) {
        if (posix_memalign((void **)&root, NROOT * 32, NROOT * 32) ||
            posix_memalign((void **)&arena, 1 << UT_BITS, 1 << UT_BITS) ||
            posix_memalign((void **)&dev, 1 << DEV_BITS, 1 << DEV_BITS))
            abort();
    }
    memset(root, 0, NROOT * 32);
    memset(arena, 0, 1 << UT_BITS);
    cte_insert_new(0, &root[2], cnode_cap(OBJ_PA(root), ROOT_BITS, 64 - ROOT_BITS, 0));
    cte_insert(&root[2], &root[5], cnode_cap(OBJ_PA(root), ROOT_BITS, 0, 0));
    cte_insert_new(0, &root[3], untyped_cap(OBJ_PA(arena), UT_BITS, false));
    cte_insert_new(0, &root[4], untyped_cap(OBJ_PA(dev), DEV_BITS, true));
    check_world();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_p = data, in_n = size;
    reset();
    for (int op = 0; op < MAX_OPS && in_n; op++) {
        uint8_t k = get8();
        switch (k % 4) {
        case 0: {                                      /* lookup */
            struct cte *r = slot();
            uint64_t cptr = word();
            unsigned depth = get8() % 65, left = 0;
            struct lookup_fault f = { 0 };
            struct cte *s = cspace_resolve(r->cap, cptr, depth, &left, &f);
            if (s) {
                if (left > depth)
                    FAIL("resolve: %u bits left of %u", left, depth);
                if (((uintptr_t)s & 31) ||
                    !((s >= root && s < root + NROOT) || in(OBJ_PA(s), 32, arena, UT_BITS)))
                    FAIL("resolve: the slot %p is in no CNode", (void *)s);
            } else if (f.type < LOOKUP_INVALID_ROOT || f.type > LOOKUP_GUARD_MISMATCH ||
                       f.bits_left > depth) {
                FAIL("resolve: failure %d with %llu bits left of %u", f.type,
                     (unsigned long long)f.bits_left, depth);
            }
            break;
        }
        case 1:                                        /* a CNode method */
        case 2: {                                      /* Untyped_Retype */
            bool cn = k % 4 == 1;
            memset(&inv, 0, sizeof inv);
            inv.slot = slot();
            if (cap_type(inv.slot->cap) != (cn ? CAP_CNODE : CAP_UNTYPED))
                break;                                 /* the dispatcher sends it elsewhere */
            uint8_t l = get8();
            inv.label = cn ? (l & 0x80 ? word() : CNODE_REVOKE - 1 + l % 11)
                           : (l & 0x80 ? word() : UNTYPED_RETYPE);
            inv.length = get8() % (MSG_MAX_LENGTH + 1);
            unsigned n = get8() % 7;
            for (unsigned i = 0; i < n; i++)
                inv.mr[i] = word();
            if (!cn)
                inv.mr[0] %= 16;
            inv.extra = get8() % 2;
            if (inv.extra)
                inv.extra_slot[0] = slot();
            struct cte *target = 0;
            if (cn && (inv.label == CNODE_REVOKE) && inv.length >= 2 && inv.mr[1] >= 1 && inv.mr[1] <= 64) {
                unsigned left;
                struct lookup_fault f;
                target = cspace_resolve(inv.slot->cap, inv.mr[0], (unsigned)inv.mr[1], &left, &f);
                if (left)
                    target = 0;
            }
            enum error e = cn ? cnode_invoke(&inv) : untyped_invoke(&inv);
            if (e > E_NOT_ENOUGH_MEMORY || inv.out_len > INV_OUT_MAX)
                FAIL("error %d with %u words", e, inv.out_len);
            check_world();
            if (target && e == E_NONE)
                check_revoked(target);
            break;
        }
        default: {                                     /* Revoke or Delete a slot directly */
            struct cte *s = slot();
            if (get8() & 1) {
                cte_revoke(s);
                check_world();
                check_revoked(s);
            } else {
                cte_delete(s);
                check_world();
            }
            break;
        }
        }
    }
    return 0;
}
