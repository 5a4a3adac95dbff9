/*
 * test_cnode.c: host unit tests for the capability core (cnode.c, untyped.c) with seL4's
 * semantics: cptr lookup and its failures word for word, Untyped_Retype, the CNode methods
 * through their decoder, the derivation tree's invariants (a revoked cap has no descendant; objects
 * from one untyped never overlap; the list stays well formed: chapter 08), CNodes
 * that hold the last cap to themselves or to each other, and a chain of 4,000 nested CNodes
 * deleted on a small stack.
 *
 * Built natively with -DHOST (a "physical address" is a host pointer) and ASan/UBSan. The hooks
 * the core calls (objects.c in the kernel) are faked here: obj_make zeroes and builds the cap,
 * obj_finalise records each call. After every operation check_world() walks every slot of every
 * CNode the test can reach and every derivation list it finds, and every failing call is made
 * through EXPECT_FAIL, which compares all slots and all memory before and after.
 * Run: make -C steps/10-notify host-test
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cnode.h"
#include "cap_names.h"

/* ---- the fake hooks (objects.c in the kernel) ---- */

static enum error can_make_answer;     /* a test may make obj_can_make refuse */
enum error obj_can_make(enum object_type t, uint64_t n)
{
    (void)t, (void)n;
    return can_make_answer;
}

static unsigned made;                  /* objects made so far */
struct cap obj_make(enum object_type t, uint64_t pa, uint64_t user_bits, bool device)
{
    if (!device && t != OBJ_UNTYPED)
        memset(OBJ_PTR(pa), 0, (size_t)1 << obj_size_bits(t, user_bits));
    made++;
    switch (t) {
    case OBJ_UNTYPED:      return untyped_cap(pa, (unsigned)user_bits, device);
    case OBJ_TCB:          return cap_make(CAP_THREAD, 0, pa, 0);
    case OBJ_ENDPOINT:     return cap_make(CAP_ENDPOINT, RIGHTS_ALL, pa, 0);
    case OBJ_NOTIFICATION: return cap_make(CAP_NOTIFICATION, RIGHTS_ALL, pa, 0);
    case OBJ_CNODE:        return cnode_cap(pa, (unsigned)user_bits, 0, 0);
    case OBJ_SMALL_PAGE:
    case OBJ_LARGE_PAGE:
        return cap_make(CAP_FRAME, RIGHT_READ | RIGHT_WRITE |
                        (t == OBJ_LARGE_PAGE ? FRAME_LARGE : 0) | (device ? FRAME_DEVICE : 0), pa, 0);
    case OBJ_PAGE_TABLE:   return cap_make(CAP_PAGE_TABLE, 0, pa, 0);
    case OBJ_VSPACE:       return cap_make(CAP_VSPACE, 0, pa, 1);
    default:               return cap_null;
    }
}

/* Every obj_finalise call, in order. */
struct fin { struct cap cap; bool final; };
static struct fin *fins;
static size_t nfins, fins_cap;
void obj_finalise(struct cap c, bool final)
{
    if (nfins == fins_cap) {
        fins_cap = fins_cap ? 2 * fins_cap : 64;
        fins = realloc(fins, fins_cap * sizeof *fins);
        assert_non_null(fins);
    }
    fins[nfins++] = (struct fin){ c, final };
}
/* How often the object at pa was finalised as final (the last cap) and how often at all
 * (untyped caps apart: an untyped and the first object made from it share an address). */
static unsigned finals_of(uint64_t pa)
{
    unsigned n = 0;
    for (size_t i = 0; i < nfins; i++)
        n += cap_pa(fins[i].cap) == pa && fins[i].final && cap_type(fins[i].cap) != CAP_UNTYPED;
    return n;
}
static unsigned calls_of(uint64_t pa)
{
    unsigned n = 0;
    for (size_t i = 0; i < nfins; i++)
        n += cap_pa(fins[i].cap) == pa && cap_type(fins[i].cap) != CAP_UNTYPED;
    return n;
}

/* ---- the world: a root CNode of 256 slots (guard 56 bits of 0: cptr = slot at depth 64),
 * its own cap in slot 2, a RAM untyped in slot 3 and a device untyped in slot 4 ---- */

#define ROOT_BITS  8
#define NROOT      (1u << ROOT_BITS)
#define S_ROOT     2
#define S_UT       3
#define S_DEV      4
#define DEV_BITS   16

static struct cte *root;
static uint8_t *arena, *dev_arena;
static unsigned ut_bits;
static size_t arena_size;
static struct invocation inv;
static uint8_t *visited;               /* check_world: one bit per 32 bytes of the arena */

static void world_free(void)
{
    free(root);
    free(arena);
    free(dev_arena);
    free(visited);
    free(fins);
    root = 0, arena = dev_arena = visited = 0, fins = 0, nfins = fins_cap = 0;
}

static void world(unsigned bits)
{
    world_free();
    ut_bits = bits;
    arena_size = (size_t)1 << bits;
    assert_int_equal(posix_memalign((void **)&root, NROOT * sizeof(struct cte), NROOT * sizeof(struct cte)), 0);
    assert_int_equal(posix_memalign((void **)&arena, arena_size, arena_size), 0);
    assert_int_equal(posix_memalign((void **)&dev_arena, 1 << DEV_BITS, 1 << DEV_BITS), 0);
    assert_true(OBJ_PA(arena) + arena_size < UINT64_C(1) << 47);
    memset(root, 0, NROOT * sizeof(struct cte));
    memset(arena, 0xa5, arena_size);   /* Retype must zero what it makes */
    visited = calloc(arena_size / 32 / 8 + 1, 1);
    can_make_answer = E_NONE;
    made = 0;
    cte_insert_new(0, &root[S_ROOT], cnode_cap(OBJ_PA(root), ROOT_BITS, 64 - ROOT_BITS, 0));
    cte_insert_new(0, &root[S_UT], untyped_cap(OBJ_PA(arena), bits, false));
    cte_insert_new(0, &root[S_DEV], untyped_cap(OBJ_PA(dev_arena), DEV_BITS, true));
}

/* ---- invariant 4: the tree is well formed ---- */

static struct cte **stack;
static size_t stack_cap;

static bool in_arena(const void *p)
{
    return (const uint8_t *)p >= arena && (const uint8_t *)p < arena + arena_size;
}

/* One derivation list from its head: links agree both ways, no cycle, every cap but the head
 * has its parent before it, and everything an untyped's region holds follows the untyped
 * without a gap (its descendants are one run, which is what Revoke deletes). */
static void check_list(struct cte *head)
{
    size_t n = 0, depth = 0;
    for (struct cte *x = head; x; x = cte_next(x)) {
        assert_true(++n < 10000000);
        assert_int_not_equal(cap_type(x->cap), CAP_NULL);
        assert_int_not_equal(cap_type(x->cap), CAP_ZOMBIE);
        assert_int_equal(x->next_flags & 31 & ~(uintptr_t)3, 0);
        if (cte_next(x))
            assert_ptr_equal(cte_next(x)->prev, x);
        if (x != head) {
            while (depth && !cte_is_parent_of(stack[depth - 1], x))
                depth--;
            if (!depth)
                fail_msg("a %s cap has no parent before it", cap_type_name(cap_type(x->cap)));
        }
        if (depth == stack_cap) {
            stack_cap = stack_cap ? 2 * stack_cap : 1024;
            stack = realloc(stack, stack_cap * sizeof *stack);
        }
        stack[depth++] = x;
    }
    for (struct cte *u = head; u; u = cte_next(u)) {
        if (cap_type(u->cap) != CAP_UNTYPED || !cte_revocable(u))
            continue;
        struct cte *x = cte_next(u);
        while (x && cte_is_parent_of(u, x))
            x = cte_next(x);
        for (; x; x = cte_next(x))
            if (cte_is_parent_of(u, x))
                fail_msg("a %s cap in an untyped's region is outside its run of descendants",
                         cap_type_name(cap_type(x->cap)));
    }
}

static void check_slot(struct cte *s, struct cte ***todo, size_t *ntodo, size_t *todo_cap)
{
    enum cap_type t = cap_type(s->cap);
    if (t == CAP_ZOMBIE)
        fail_msg("a zombie is left in a slot");
    if (t == CAP_NULL) {
        assert_null(s->prev);
        assert_int_equal(s->next_flags, 0);
        return;
    }
    if (s->prev)
        assert_ptr_equal(cte_next(s->prev), s);
    if (cte_next(s))
        assert_ptr_equal(cte_next(s)->prev, s);
    if (!s->prev)
        check_list(s);
    if (t == CAP_CNODE && in_arena(cap_obj(s->cap))) {
        size_t bit = (size_t)((uint8_t *)cap_obj(s->cap) - arena) / 32;
        if (!(visited[bit / 8] >> (bit % 8) & 1)) {
            visited[bit / 8] |= (uint8_t)(1u << bit % 8);
            if (*ntodo == *todo_cap) {
                *todo_cap = *todo_cap ? 2 * *todo_cap : 256;
                *todo = realloc(*todo, *todo_cap * sizeof **todo);
            }
            (*todo)[(*ntodo)++] = s;
        }
    }
}

/* Every slot of the root CNode and of every CNode reachable from it, without recursion. */
static void check_world(void)
{
    struct cte **todo = 0;
    size_t ntodo = 0, todo_cap = 0;
    memset(visited, 0, arena_size / 32 / 8 + 1);
    for (unsigned i = 0; i < NROOT; i++)
        check_slot(&root[i], &todo, &ntodo, &todo_cap);
    while (ntodo) {
        struct cap c = todo[--ntodo]->cap;
        struct cte *slots = cnode_slots(c);
        for (uint64_t i = 0; i < UINT64_C(1) << cnode_radix(c); i++)
            check_slot(&slots[i], &todo, &ntodo, &todo_cap);
    }
    free(todo);
}

/* Invariant 1: nothing in s's whole list descends from s. */
static void assert_no_descendant(struct cte *s)
{
    struct cte *h = s;
    while (h->prev)
        h = h->prev;
    for (struct cte *x = h; x; x = cte_next(x))
        if (x != s && cte_is_parent_of(s, x))
            fail_msg("a %s cap still descends from the revoked cap", cap_type_name(cap_type(x->cap)));
}

/* ---- invocations ---- */

static enum error retype_to(struct cte *ut, struct cte *dest_root, uint64_t type, uint64_t bits,
                            uint64_t index, uint64_t depth, uint64_t offset, uint64_t count)
{
    memset(&inv, 0, sizeof inv);
    inv.label = UNTYPED_RETYPE;
    inv.length = 6;
    inv.mr[0] = type, inv.mr[1] = bits, inv.mr[2] = index, inv.mr[3] = depth;
    inv.mr[4] = offset, inv.mr[5] = count;
    inv.extra = 1;
    inv.extra_slot[0] = dest_root;
    inv.slot = ut;
    enum error e = untyped_invoke(&inv);
    check_world();
    return e;
}
/* Retype from the RAM untyped into root slots [slot, slot + count). */
static enum error retype(uint64_t type, uint64_t bits, uint64_t slot, uint64_t count)
{
    return retype_to(&root[S_UT], &root[S_ROOT], type, bits, 0, 0, slot, count);
}

/* A CNode method on the root CNode (invoked and source root: slot 2), cptrs at depth 64. */
static enum error cnode_call(uint64_t label, unsigned length, uint64_t dst, uint64_t src,
                             uint64_t rights, uint64_t data)
{
    memset(&inv, 0, sizeof inv);
    inv.label = label;
    inv.length = length;
    inv.mr[0] = dst, inv.mr[1] = 64, inv.mr[2] = src, inv.mr[3] = 64;
    inv.mr[4] = rights, inv.mr[5] = data;
    inv.extra = 1;
    inv.extra_slot[0] = &root[S_ROOT];
    inv.slot = &root[S_ROOT];
    enum error e = cnode_invoke(&inv);
    check_world();
    return e;
}
static enum error copy(uint64_t dst, uint64_t src, uint64_t rights)
{
    return cnode_call(CNODE_COPY, 5, dst, src, rights, 0);
}
static enum error mint(uint64_t dst, uint64_t src, uint64_t rights, uint64_t data)
{
    return cnode_call(CNODE_MINT, 6, dst, src, rights, data);
}
static enum error move(uint64_t dst, uint64_t src) { return cnode_call(CNODE_MOVE, 4, dst, src, 0, 0); }
static enum error del(uint64_t slot)    { return cnode_call(CNODE_DELETE, 2, slot, 0, 0, 0); }
static enum error revoke(uint64_t slot) { return cnode_call(CNODE_REVOKE, 2, slot, 0, 0, 0); }

/* "State unchanged after a failed call": every root slot, all of both arenas and the
 * finalisation log are compared before and after; the call must fail with `err`. */
struct snapshot { struct cte *root; uint8_t *arena, *dev; size_t nfins; unsigned made; };
static struct snapshot snap(void)
{
    struct snapshot s = { malloc(NROOT * sizeof(struct cte)), malloc(arena_size),
                          malloc(1 << DEV_BITS), nfins, made };
    memcpy(s.root, root, NROOT * sizeof(struct cte));
    memcpy(s.arena, arena, arena_size);
    memcpy(s.dev, dev_arena, 1 << DEV_BITS);
    return s;
}
static void same_as(struct snapshot s)
{
    assert_memory_equal(s.root, root, NROOT * sizeof(struct cte));
    assert_true(memcmp(s.arena, arena, arena_size) == 0);
    assert_true(memcmp(s.dev, dev_arena, 1 << DEV_BITS) == 0);
    assert_int_equal(s.nfins, nfins);
    assert_int_equal(s.made, made);
    free(s.root), free(s.arena), free(s.dev);
}
#define EXPECT_FAIL(call, err) do {                                   \
        struct snapshot snap_ = snap();                               \
        assert_int_equal((call), (err));                              \
        same_as(snap_);                                               \
    } while (0)
#define OUT(n, ...) do {                                              \
        uint64_t want_[] = { __VA_ARGS__ };                           \
        unsigned n_ = (n);                                            \
        assert_int_equal(inv.out_len, n_);                            \
        for (unsigned i_ = 0; i_ < n_; i_++)                          \
            assert_int_equal(inv.out[i_], want_[i_]);                 \
    } while (0)

static uint64_t pa_at(unsigned slot)    { return cap_pa(root[slot].cap); }
static uint64_t off_at(unsigned slot)   { return pa_at(slot) - OBJ_PA(arena); }
static uint64_t watermark(void)         { return root[S_UT].cap.w0; }

/* ================= lookup ================= */

/* With the root's 56-bit guard of 0, a cptr read at depth 64 is a slot number. */
static void test_lookup_root_slot(void **state)
{
    (void)state;
    world(16);
    unsigned left = 99;
    struct lookup_fault f;
    assert_ptr_equal(cspace_resolve(root[S_ROOT].cap, 20, 64, &left, &f), &root[20]);
    assert_int_equal(left, 0);
    /* A cptr whose guard bits are not 0: GuardMismatch, bitsLeft 64, the guard, its size. */
    assert_null(cspace_resolve(root[S_ROOT].cap, UINT64_C(1) << 63 | 20, 64, &left, &f));
    assert_int_equal(f.type, LOOKUP_GUARD_MISMATCH);
    assert_int_equal(f.bits_left, 64);
    assert_int_equal(f.guard_found, 0);
    assert_int_equal(f.guard_size, 56);
    /* Depth 60: the guard (56 bits) fits, the radix (8) does not. */
    assert_null(cspace_resolve(root[S_ROOT].cap, 1, 60, &left, &f));
    assert_int_equal(f.type, LOOKUP_DEPTH_MISMATCH);
    assert_int_equal(f.bits_left, 60);
    assert_int_equal(f.bits_found, 64);
    /* Fewer bits than the guard: GuardMismatch. */
    assert_null(cspace_resolve(root[S_ROOT].cap, 0, 50, &left, &f));
    assert_int_equal(f.type, LOOKUP_GUARD_MISMATCH);
    assert_int_equal(f.bits_left, 50);
    /* Not a CNode: InvalidRoot. */
    assert_null(cspace_resolve(root[S_UT].cap, 0, 64, &left, &f));
    assert_int_equal(f.type, LOOKUP_INVALID_ROOT);
    check_world();
}

/* Two levels: root' (the root cap minted with no guard: 8 bits), then a CNode of 16 slots
 * minted with a 4-bit guard 0xa. */
static void two_level(void)
{
    world(16);
    assert_int_equal(mint(5, S_ROOT, RIGHTS_ALL, 0), E_NONE);     /* root': guard size 0 */
    assert_int_equal(cnode_radix(root[5].cap), ROOT_BITS);
    assert_int_equal(cnode_guard_size(root[5].cap), 0);
    assert_int_equal(retype(OBJ_CNODE, 4, 20, 1), E_NONE);
    assert_int_equal(mint(21, 20, 0, 0xa << 6 | 4), E_NONE);     /* guard 0xa, 4 bits */
    assert_int_equal(cnode_guard_size(root[21].cap), 4);
    assert_int_equal(root[21].cap.w0, 0xa);
}

static void test_lookup_two_levels(void **state)
{
    (void)state;
    two_level();
    struct cte *c = cnode_slots(root[21].cap);
    unsigned left = 99;
    struct lookup_fault f;
    struct cap r = root[5].cap;
    assert_ptr_equal(cspace_resolve(r, 21 << 8 | 0xa << 4 | 5, 16, &left, &f), &c[5]);
    assert_int_equal(left, 0);
    /* Depth 8 ends at root'[21] itself, a CNode cap. */
    assert_ptr_equal(cspace_resolve(r, 21, 8, &left, &f), &root[21]);
    assert_int_equal(left, 0);
    /* More bits than the walk uses: it stops at the empty slot, bits left over. */
    assert_ptr_equal(cspace_resolve(r, (uint64_t)(21 << 8 | 0xa << 4 | 5) << 48, 64, &left, &f), &c[5]);
    assert_int_equal(left, 48);
    /* The second level's guard is wrong: bitsLeft 8, guard 0xa, size 4. */
    assert_null(cspace_resolve(r, 21 << 8 | 0xb << 4 | 5, 16, &left, &f));
    assert_int_equal(f.type, LOOKUP_GUARD_MISMATCH);
    assert_int_equal(f.bits_left, 8);
    assert_int_equal(f.guard_found, 0xa);
    assert_int_equal(f.guard_size, 4);
    /* Depth 12: the guard fits in the 4 bits left, the radix does not. */
    assert_null(cspace_resolve(r, 21 << 4 | 0xa, 12, &left, &f));
    assert_int_equal(f.type, LOOKUP_DEPTH_MISMATCH);
    assert_int_equal(f.bits_left, 4);
    assert_int_equal(f.bits_found, 8);
    /* Through the unguarded original in slot 20: 8 + 4 bits. */
    assert_ptr_equal(cspace_resolve(r, 20 << 4 | 7, 12, &left, &f), &cnode_slots(root[20].cap)[7]);
    check_world();
}

/* cnode_lookup_target: depth 0 and 65 are RangeError(1, 64); the walk must end exactly. */
static void test_lookup_target_depth_range(void **state)
{
    (void)state;
    two_level();
    struct cte *s;
    EXPECT_FAIL(cnode_lookup_target(&inv, root[5].cap, 0, 0, false, &s), E_RANGE);
    OUT(2, 1, 64);
    EXPECT_FAIL(cnode_lookup_target(&inv, root[5].cap, 0, 65, false, &s), E_RANGE);
    OUT(2, 1, 64);
    EXPECT_FAIL(cnode_lookup_target(&inv, root[5].cap, 0, UINT64_C(1) << 32 | 8, false, &s), E_RANGE);
    OUT(2, 1, 64);
    /* Depth 64 through root' and the 0xa-guarded CNode stops at its empty slot 5, 48 bits
     * early: DepthMismatch with bitsLeft 48, bitsFound 0 (seL4's lookupSlotForCNodeOp). */
    EXPECT_FAIL(cnode_lookup_target(&inv, root[5].cap, (uint64_t)(21 << 8 | 0xa << 4 | 5) << 48, 64,
                                    true, &s), E_FAILED_LOOKUP);
    OUT(4, 1, LOOKUP_DEPTH_MISMATCH, 48, 0);
    /* A root that is not a CNode: InvalidRoot, no more words. */
    EXPECT_FAIL(cnode_lookup_target(&inv, root[S_UT].cap, 0, 64, false, &s), E_FAILED_LOOKUP);
    OUT(2, 0, LOOKUP_INVALID_ROOT);
    assert_int_equal(cnode_lookup_target(&inv, root[5].cap, 21 << 8 | 0xa << 4 | 5, 16, false, &s), E_NONE);
    assert_ptr_equal(s, &cnode_slots(root[21].cap)[5]);
}

/* The FailedLookup words as seL4 sets them, through the decoder: MR0 = source?, MR1 = the
 * failure type (1-based), then bitsLeft, then bitsFound or guard and guard size. */
static void test_lookup_failure_words(void **state)
{
    (void)state;
    two_level();
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 30, 1), E_NONE);
    /* Destination: guard mismatch at the second level (not a source: MR0 0). */
    memset(&inv, 0, sizeof inv);
    inv.label = CNODE_COPY, inv.length = 5, inv.extra = 1;
    inv.slot = &root[5], inv.extra_slot[0] = &root[S_ROOT];
    inv.mr[0] = 21 << 8 | 0xb << 4 | 1, inv.mr[1] = 16, inv.mr[2] = 30, inv.mr[3] = 64;
    inv.mr[4] = RIGHTS_ALL;
    EXPECT_FAIL(cnode_invoke(&inv), E_FAILED_LOOKUP);
    OUT(5, 0, LOOKUP_GUARD_MISMATCH, 8, 0xa, 4);
    /* Destination: depth mismatch at the second level. */
    inv.mr[0] = 21 << 4 | 0xa, inv.mr[1] = 12;
    EXPECT_FAIL(cnode_invoke(&inv), E_FAILED_LOOKUP);
    OUT(4, 0, LOOKUP_DEPTH_MISMATCH, 4, 8);
    /* Source: an empty slot is MissingCapability with bitsLeft = the source depth. */
    inv.mr[0] = 21 << 8 | 0xa << 4 | 1, inv.mr[1] = 16, inv.mr[2] = 31, inv.mr[3] = 64;
    EXPECT_FAIL(cnode_invoke(&inv), E_FAILED_LOOKUP);
    OUT(3, 1, LOOKUP_MISSING_CAPABILITY, 64);
    /* Source: guard mismatch at the root (MR0 1). */
    inv.mr[2] = UINT64_C(3) << 62 | 30;
    EXPECT_FAIL(cnode_invoke(&inv), E_FAILED_LOOKUP);
    OUT(5, 1, LOOKUP_GUARD_MISMATCH, 64, 0, 56);
    /* Source root that is not a CNode: InvalidRoot. */
    inv.mr[2] = 30, inv.extra_slot[0] = &root[30];
    EXPECT_FAIL(cnode_invoke(&inv), E_FAILED_LOOKUP);
    OUT(2, 1, LOOKUP_INVALID_ROOT);
    /* And the same call with everything right works. */
    inv.extra_slot[0] = &root[S_ROOT];
    assert_int_equal(cnode_invoke(&inv), E_NONE);
    check_world();
    assert_int_equal(cap_type(cnode_slots(root[21].cap)[1].cap), CAP_ENDPOINT);
}

/* ================= Untyped_Retype ================= */

/* Objects are aligned to their size, placed from the watermark up, zeroed, inside the
 * untyped and disjoint; the watermark follows. */
static void test_retype_watermark_alignment(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 3), E_NONE);
    assert_int_equal(off_at(20), 0);
    assert_int_equal(off_at(21), 16);
    assert_int_equal(off_at(22), 32);
    assert_int_equal(watermark(), 48);
    assert_int_equal(retype(OBJ_TCB, 0, 23, 1), E_NONE);
    assert_int_equal(off_at(23), 1024);
    assert_int_equal(watermark(), 2048);
    assert_int_equal(retype(OBJ_NOTIFICATION, 0, 24, 1), E_NONE);
    assert_int_equal(off_at(24), 2048);
    assert_int_equal(retype(OBJ_SMALL_PAGE, 0, 25, 2), E_NONE);
    assert_int_equal(off_at(25), 4096);
    assert_int_equal(off_at(26), 8192);
    assert_int_equal(retype(OBJ_CNODE, 3, 27, 1), E_NONE);
    assert_int_equal(off_at(27), 12288);
    assert_int_equal(retype(OBJ_UNTYPED, 12, 28, 1), E_NONE);
    assert_int_equal(off_at(28), 16384);
    assert_int_equal(watermark(), 20480);
    /* Each object zeroed (the arena started as 0xa5), the rest not touched. */
    for (size_t i = 0; i < 2048 + 32; i++)
        if (i < 48 || (i >= 1024 && i < 2048 + 32))
            assert_int_equal(arena[i], 0);
    assert_int_equal(arena[48], 0xa5);
    assert_int_equal(arena[16384], 0xa5);                      /* an untyped is not zeroed */
    /* Every object aligned to its size and inside the untyped. */
    unsigned sizes[] = { 4, 4, 4, 10, 5, 12, 12, 8, 12 };
    for (unsigned s = 20; s <= 28; s++) {
        assert_int_equal(pa_at(s) % (UINT64_C(1) << sizes[s - 20]), 0);
        assert_true(off_at(s) + (UINT64_C(1) << sizes[s - 20]) <= arena_size);
        assert_true(cte_is_parent_of(&root[S_UT], &root[s]));
    }
}

static void test_retype_count_range(void **state)
{
    (void)state;
    world(16);
    EXPECT_FAIL(retype(OBJ_ENDPOINT, 0, 20, 0), E_RANGE);
    OUT(2, 1, 256);
    EXPECT_FAIL(retype(OBJ_ENDPOINT, 0, 0, 257), E_RANGE);
    OUT(2, 1, 256);
    EXPECT_FAIL(retype(OBJ_ENDPOINT, 0, 250, 10), E_RANGE);    /* past the CNode's end */
    OUT(2, 1, 6);
    EXPECT_FAIL(retype(OBJ_ENDPOINT, 0, 256, 1), E_RANGE);     /* offset outside the CNode */
    OUT(2, 0, 255);
    /* 240 slots from 16: the whole rest of the root CNode, in one call. */
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 16, 240), E_NONE);
    assert_int_equal(watermark(), 240 * 16);
}

/* Not enough room: NotEnoughMemory with MR0 = the bytes left above the watermark. */
static void test_retype_not_enough_memory(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 3), E_NONE);
    /* 16 pages would fit in 64 KiB, but not above 48 bytes aligned to 4 KiB. */
    EXPECT_FAIL(retype(OBJ_SMALL_PAGE, 0, 30, 16), E_NOT_ENOUGH_MEMORY);
    OUT(1, 65536 - 48);
    EXPECT_FAIL(retype(OBJ_UNTYPED, 17, 30, 1), E_NOT_ENOUGH_MEMORY);   /* bigger than all */
    OUT(1, 65536 - 48);
    assert_int_equal(retype(OBJ_SMALL_PAGE, 0, 30, 15), E_NONE);
    EXPECT_FAIL(retype(OBJ_ENDPOINT, 0, 50, 1), E_NOT_ENOUGH_MEMORY);
    OUT(1, 0);
}

static void test_retype_delete_first(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 22, 1), E_NONE);
    EXPECT_FAIL(retype(OBJ_ENDPOINT, 0, 20, 4), E_DELETE_FIRST);   /* slot 22 is in the window */
    OUT(0, 0);
    EXPECT_FAIL(retype(OBJ_ENDPOINT, 0, S_ROOT, 1), E_DELETE_FIRST);
}

/* A device untyped makes frames and untypeds only; its memory is not written. */
static void test_retype_device(void **state)
{
    (void)state;
    world(16);
    memset(dev_arena, 0x5a, 1 << DEV_BITS);
    uint64_t types[] = { OBJ_TCB, OBJ_ENDPOINT, OBJ_NOTIFICATION, OBJ_CNODE, OBJ_VSPACE, OBJ_PAGE_TABLE };
    for (unsigned i = 0; i < 6; i++) {
        EXPECT_FAIL(retype_to(&root[S_DEV], &root[S_ROOT], types[i], 1, 0, 0, 20, 1), E_INVALID_ARGUMENT);
        OUT(1, 1);
    }
    assert_int_equal(retype_to(&root[S_DEV], &root[S_ROOT], OBJ_SMALL_PAGE, 0, 0, 0, 20, 1), E_NONE);
    assert_true(frame_is_device(root[20].cap));
    assert_int_equal(retype_to(&root[S_DEV], &root[S_ROOT], OBJ_UNTYPED, 12, 0, 0, 21, 1), E_NONE);
    assert_true(untyped_is_device(root[21].cap));
    EXPECT_FAIL(retype_to(&root[21], &root[S_ROOT], OBJ_TCB, 0, 0, 0, 22, 1), E_INVALID_ARGUMENT);
    assert_int_equal(dev_arena[0], 0x5a);
    assert_int_equal(dev_arena[4096], 0x5a);
}

/* The argument checks, each with seL4's error and words, nothing changed. */
static void test_retype_bad_arguments(void **state)
{
    (void)state;
    world(16);
    EXPECT_FAIL(retype(OBJ_CNODE, 0, 20, 1), E_INVALID_ARGUMENT);   /* a CNode of radix 0 */
    OUT(1, 1);
    EXPECT_FAIL(retype(OBJ_UNTYPED, 3, 20, 1), E_INVALID_ARGUMENT); /* an untyped < 16 bytes */
    OUT(1, 1);
    EXPECT_FAIL(retype(OBJ_HUGE_PAGE, 0, 20, 1), E_INVALID_ARGUMENT);
    OUT(1, 0);
    EXPECT_FAIL(retype(OBJ_TYPE_COUNT, 0, 20, 1), E_INVALID_ARGUMENT);
    OUT(1, 0);
    EXPECT_FAIL(retype(UINT64_MAX, 0, 20, 1), E_INVALID_ARGUMENT);
    EXPECT_FAIL(retype(OBJ_UNTYPED, 33, 20, 1), E_RANGE);
    OUT(2, 0, 32);
    EXPECT_FAIL(retype(OBJ_CNODE, 28, 20, 1), E_RANGE);             /* 2^33 bytes */
    EXPECT_FAIL(retype(OBJ_TCB, 64, 20, 1), E_RANGE);
    EXPECT_FAIL(retype(OBJ_UNTYPED, UINT64_MAX, 20, 1), E_RANGE);
    /* The destination: (root, index, depth) must name a CNode cap. */
    EXPECT_FAIL(retype_to(&root[S_UT], &root[S_ROOT], OBJ_ENDPOINT, 0, S_UT, 64, 0, 1), E_FAILED_LOOKUP);
    OUT(3, 0, LOOKUP_MISSING_CAPABILITY, 64);
    EXPECT_FAIL(retype_to(&root[S_UT], &root[S_ROOT], OBJ_ENDPOINT, 0, 40, 65, 0, 1), E_RANGE);
    OUT(2, 1, 64);
    EXPECT_FAIL(retype_to(&root[S_UT], &root[S_UT], OBJ_ENDPOINT, 0, 0, 0, 20, 1), E_FAILED_LOOKUP);
    OUT(3, 0, LOOKUP_MISSING_CAPABILITY, 0);
    EXPECT_FAIL(retype_to(&root[S_UT], &root[S_UT], OBJ_ENDPOINT, 0, 0, 64, 20, 1), E_FAILED_LOOKUP);
    OUT(2, 0, LOOKUP_INVALID_ROOT);
    /* The message: its label, length and extra cap. */
    memset(&inv, 0, sizeof inv);
    inv.slot = &root[S_UT], inv.extra_slot[0] = &root[S_ROOT], inv.extra = 1;
    inv.label = UNTYPED_RETYPE, inv.length = 5, inv.mr[5] = 1, inv.mr[4] = 20;
    EXPECT_FAIL(untyped_invoke(&inv), E_TRUNCATED_MESSAGE);
    inv.length = 6, inv.extra = 0;
    EXPECT_FAIL(untyped_invoke(&inv), E_TRUNCATED_MESSAGE);
    inv.extra = 1, inv.label = CNODE_COPY;
    EXPECT_FAIL(untyped_invoke(&inv), E_ILLEGAL_OPERATION);
    /* obj_can_make says no (every ASID taken): its error, nothing made. */
    can_make_answer = E_DELETE_FIRST;
    EXPECT_FAIL(retype(OBJ_VSPACE, 0, 20, 1), E_DELETE_FIRST);
    can_make_answer = E_NONE;
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 1), E_NONE);
}

/* Retype into a CNode named by (root, index, depth), and into a CNode made by Retype. */
static void test_retype_into_other_cnode(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_CNODE, 2, 20, 1), E_NONE);
    assert_int_equal(retype_to(&root[S_UT], &root[S_ROOT], OBJ_ENDPOINT, 0, 20, 64, 1, 3), E_NONE);
    struct cte *c = cnode_slots(root[20].cap);
    assert_int_equal(cap_type(c[0].cap), CAP_NULL);
    for (int i = 1; i < 4; i++)
        assert_int_equal(cap_type(c[i].cap), CAP_ENDPOINT);
    EXPECT_FAIL(retype_to(&root[S_UT], &root[S_ROOT], OBJ_ENDPOINT, 0, 20, 64, 3, 2), E_RANGE);
    OUT(2, 1, 1);
    EXPECT_FAIL(retype_to(&root[S_UT], &root[S_ROOT], OBJ_ENDPOINT, 0, 20, 64, 4, 1), E_RANGE);
    OUT(2, 0, 3);
    EXPECT_FAIL(retype_to(&root[S_UT], &root[20], OBJ_ENDPOINT, 0, 0, 0, 0, 2), E_DELETE_FIRST);
}

/* Invariant 2: the watermark goes back to 0 only when the untyped has no children. */
static void test_retype_watermark_resets_without_children(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 2), E_NONE);
    assert_int_equal(del(20), E_NONE);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 22, 1), E_NONE);  /* 21 is still there */
    assert_int_equal(off_at(22), 32);
    assert_int_equal(del(21), E_NONE);
    assert_int_equal(del(22), E_NONE);
    assert_false(cte_has_children(&root[S_UT]));
    assert_int_equal(watermark(), 48);                         /* kept until the next Retype */
    assert_int_equal(retype(OBJ_TCB, 0, 23, 1), E_NONE);
    assert_int_equal(off_at(23), 0);
    assert_int_equal(watermark(), 1024);
    /* NotEnoughMemory counts from 0 too when there are no children. */
    assert_int_equal(del(23), E_NONE);
    EXPECT_FAIL(retype(OBJ_UNTYPED, 17, 24, 1), E_NOT_ENOUGH_MEMORY);
    OUT(1, 65536);
}

/* Invariant 1 for an untyped: after Revoke nothing made from it exists, every object is
 * finalised once, the untyped remains, and the next Retype starts at offset 0. */
static void test_revoke_untyped(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_TCB, 0, 20, 2), E_NONE);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 22, 2), E_NONE);
    assert_int_equal(retype(OBJ_UNTYPED, 12, 24, 1), E_NONE);
    assert_int_equal(retype_to(&root[24], &root[S_ROOT], OBJ_SMALL_PAGE, 0, 0, 0, 25, 1), E_NONE);
    assert_int_equal(copy(30, 20, RIGHTS_ALL), E_NONE);
    assert_int_equal(mint(31, 22, RIGHTS_ALL, 7), E_NONE);
    assert_int_equal(copy(32, 31, RIGHTS_ALL), E_NONE);
    assert_int_equal(retype(OBJ_CNODE, 2, 26, 1), E_NONE);
    assert_int_equal(retype_to(&root[S_UT], &root[26], OBJ_NOTIFICATION, 0, 0, 0, 1, 1), E_NONE);
    uint64_t tcb0 = pa_at(20), tcb1 = pa_at(21), ep0 = pa_at(22), ep1 = pa_at(23), fr = pa_at(25);
    uint64_t nt = cap_pa(cnode_slots(root[26].cap)[1].cap);
    struct cap ut = root[S_UT].cap;
    assert_int_equal(revoke(S_UT), E_NONE);
    assert_no_descendant(&root[S_UT]);
    assert_false(cte_has_children(&root[S_UT]));
    assert_int_equal(root[S_UT].cap.w1, ut.w1);                /* the untyped remains */
    for (unsigned s = 20; s < 33; s++)
        assert_int_equal(cap_type(root[s].cap), CAP_NULL);
    uint64_t objs[] = { tcb0, tcb1, ep0, ep1, fr, nt };
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(finals_of(objs[i]), 1);
    assert_int_equal(calls_of(tcb0), 2);                       /* its copy, then the last */
    assert_int_equal(retype(OBJ_SMALL_PAGE, 0, 40, 16), E_NONE);
    assert_int_equal(off_at(40), 0);
}

/* ================= CNode methods ================= */

static void test_copy_rights_only_shrink(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 1), E_NONE);
    assert_int_equal(copy(21, 20, RIGHT_READ | RIGHT_GRANT), E_NONE);
    assert_int_equal(cap_rights(root[21].cap), RIGHT_READ | RIGHT_GRANT);
    assert_int_equal(copy(22, 21, RIGHTS_ALL), E_NONE);        /* cannot grow back */
    assert_int_equal(cap_rights(root[22].cap), RIGHT_READ | RIGHT_GRANT);
    assert_int_equal(mint(23, 22, RIGHT_WRITE | RIGHT_READ, 0), E_NONE);
    assert_int_equal(cap_rights(root[23].cap), RIGHT_READ);
    assert_int_equal(copy(24, 23, UINT64_MAX), E_NONE);
    assert_int_equal(cap_rights(root[24].cap), RIGHT_READ);
    assert_int_equal(cap_pa(root[24].cap), pa_at(20));
    /* Frames: Read and Write only shrink too, and a copy is never mapped. */
    assert_int_equal(retype(OBJ_SMALL_PAGE, 0, 30, 1), E_NONE);
    root[30].cap.w0 = MAPPED(3, 0x400000);                     /* as if Page_Map had run */
    assert_int_equal(copy(31, 30, RIGHT_READ), E_NONE);
    assert_int_equal(cap_bits(root[31].cap) & 3, RIGHT_READ);
    assert_int_equal(root[31].cap.w0, 0);
    assert_int_equal(copy(32, 31, RIGHTS_ALL), E_NONE);
    assert_int_equal(cap_bits(root[32].cap) & 3, RIGHT_READ);
    /* None of these copies is revocable: they have no children of their own. */
    for (unsigned s = 21; s <= 24; s++)
        assert_false(cte_revocable(&root[s]));
}

/* Mint a badge onto an unbadged endpoint: a revocable "first badged" cap. A second badge is
 * IllegalOperation, and so is a notification's; a CNode guard that does not fit too. */
static void test_mint_badge_rules(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 1), E_NONE);
    assert_int_equal(mint(21, 20, RIGHTS_ALL, 5), E_NONE);
    assert_int_equal(root[21].cap.w0, 5);
    assert_true(cte_revocable(&root[21]) && cte_first_badged(&root[21]));
    EXPECT_FAIL(mint(22, 21, RIGHTS_ALL, 6), E_ILLEGAL_OPERATION);
    OUT(0, 0);
    EXPECT_FAIL(mint(22, 21, RIGHTS_ALL, 0), E_ILLEGAL_OPERATION);
    assert_int_equal(copy(22, 21, RIGHTS_ALL), E_NONE);        /* Copy keeps the badge */
    assert_int_equal(root[22].cap.w0, 5);
    assert_false(cte_revocable(&root[22]));
    assert_int_equal(mint(23, 20, RIGHTS_ALL, 0), E_NONE);     /* badge 0: still unbadged */
    assert_false(cte_revocable(&root[23]));
    assert_int_equal(retype(OBJ_NOTIFICATION, 0, 30, 1), E_NONE);
    assert_int_equal(mint(31, 30, RIGHTS_ALL, 9), E_NONE);
    EXPECT_FAIL(mint(32, 31, RIGHTS_ALL, 9), E_ILLEGAL_OPERATION);
    assert_int_equal(retype(OBJ_CNODE, 4, 40, 1), E_NONE);
    EXPECT_FAIL(mint(41, 40, 0, 61), E_ILLEGAL_OPERATION);     /* 61 + 4 > 64 */
    assert_int_equal(mint(41, 40, 0, UINT64_C(0x3ff) << 6 | 60), E_NONE);
    assert_int_equal(cnode_guard_size(root[41].cap), 60);
    assert_int_equal(root[41].cap.w0, 0x3ff);
    assert_int_equal(mint(42, 40, 0, UINT64_C(0xff) << 6 | 4), E_NONE);
    assert_int_equal(root[42].cap.w0, 0xf);                    /* the guard is cut to its size */
}

/* Revoking the first badged cap removes exactly that badge's copies; revoking the unbadged
 * original removes every badge. */
static void test_revoke_badged_tree(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 1), E_NONE);
    assert_int_equal(mint(21, 20, RIGHTS_ALL, 5), E_NONE);
    assert_int_equal(copy(22, 21, RIGHTS_ALL), E_NONE);
    assert_int_equal(copy(23, 22, RIGHT_WRITE), E_NONE);
    assert_int_equal(copy(24, 21, RIGHT_READ), E_NONE);
    assert_int_equal(mint(25, 20, RIGHTS_ALL, 6), E_NONE);
    assert_int_equal(copy(26, 25, RIGHTS_ALL), E_NONE);
    assert_int_equal(copy(27, 20, RIGHTS_ALL), E_NONE);
    assert_int_equal(revoke(21), E_NONE);
    assert_no_descendant(&root[21]);
    assert_int_equal(root[21].cap.w0, 5);                      /* the cap itself remains */
    for (unsigned s = 22; s <= 24; s++)
        assert_int_equal(cap_type(root[s].cap), CAP_NULL);
    for (unsigned s = 25; s <= 27; s++)
        assert_int_equal(cap_type(root[s].cap), CAP_ENDPOINT);
    assert_int_equal(finals_of(pa_at(20)), 0);                 /* the endpoint lives on */
    assert_int_equal(revoke(20), E_NONE);
    assert_no_descendant(&root[20]);
    for (unsigned s = 21; s <= 27; s++)
        assert_int_equal(cap_type(root[s].cap), CAP_NULL);
    assert_int_equal(finals_of(pa_at(20)), 0);
    assert_int_equal(del(20), E_NONE);
    assert_int_equal(finals_of(OBJ_PA(arena)), 1);
}

/* Move keeps the cap's place in the tree: Revoke through the new slot still finds its
 * children, and the source slot is empty. */
static void test_move_keeps_place(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 1), E_NONE);
    assert_int_equal(mint(21, 20, RIGHTS_ALL, 3), E_NONE);
    assert_int_equal(copy(22, 21, RIGHTS_ALL), E_NONE);
    struct cte *prev = root[21].prev, *next = cte_next(&root[21]);
    struct cap c = root[21].cap;
    uintptr_t flags = root[21].next_flags & 31;
    assert_int_equal(move(40, 21), E_NONE);
    assert_int_equal(cap_type(root[21].cap), CAP_NULL);
    assert_memory_equal(&root[40].cap, &c, sizeof c);
    assert_ptr_equal(root[40].prev, prev);
    assert_ptr_equal(cte_next(&root[40]), next);
    assert_int_equal(root[40].next_flags & 31, flags);
    assert_true(cte_has_children(&root[40]));
    /* Move of an untyped with children is allowed, and Retype goes on from its watermark. */
    assert_int_equal(move(41, S_UT), E_NONE);
    assert_int_equal(retype_to(&root[41], &root[S_ROOT], OBJ_ENDPOINT, 0, 0, 0, 23, 1), E_NONE);
    assert_int_equal(off_at(23), 16);
    assert_int_equal(revoke(40), E_NONE);
    assert_int_equal(cap_type(root[22].cap), CAP_NULL);
    EXPECT_FAIL(move(42, 21), E_FAILED_LOOKUP);                /* the old slot is empty */
    OUT(3, 1, LOOKUP_MISSING_CAPABILITY, 64);
    EXPECT_FAIL(move(40, 20), E_DELETE_FIRST);
}

/* An untyped with children cannot be copied (RevokeFirst); one without can. */
static void test_copy_untyped_with_children(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 1), E_NONE);
    EXPECT_FAIL(copy(21, S_UT, RIGHTS_ALL), E_REVOKE_FIRST);
    OUT(0, 0);
    EXPECT_FAIL(mint(21, S_UT, RIGHTS_ALL, 0), E_REVOKE_FIRST);
    assert_int_equal(revoke(S_UT), E_NONE);
    assert_int_equal(copy(21, S_UT, RIGHTS_ALL), E_NONE);
    assert_true(cte_revocable(&root[21]));
    assert_true(cte_is_parent_of(&root[S_UT], &root[21]));
}

/* Invariant 2 across a copy of an untyped: the copy and the original must never hand out
 * the same memory. seL4's cteInsert marks the source full when it copies an untyped
 * (setUntypedCapAsFull), so the original can make nothing until the copy is gone. */
static void test_copy_untyped_then_retype_both_disjoint(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(copy(21, S_UT, RIGHTS_ALL), E_NONE);
    assert_int_equal(retype_to(&root[21], &root[S_ROOT], OBJ_SMALL_PAGE, 0, 0, 0, 30, 1), E_NONE);
    enum error e = retype(OBJ_SMALL_PAGE, 0, 31, 1);
    if (e == E_NONE) {
        uint64_t a = pa_at(30), b = pa_at(31);
        if (a < b + 4096 && b < a + 4096)
            fail_msg("the untyped and its copy both made a frame at offset 0x%llx",
                     (unsigned long long)(a - OBJ_PA(arena)));
    } else {
        assert_int_equal(e, E_NOT_ENOUGH_MEMORY);
    }
}

/* Delete: the last cap finalises its object, once; earlier copies say "not final". */
static void test_delete_finalises_once(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_TCB, 0, 20, 1), E_NONE);
    assert_int_equal(copy(21, 20, RIGHTS_ALL), E_NONE);
    assert_int_equal(copy(22, 21, RIGHTS_ALL), E_NONE);
    uint64_t pa = pa_at(20);
    assert_int_equal(del(21), E_NONE);
    assert_int_equal(finals_of(pa), 0);
    assert_int_equal(del(20), E_NONE);
    assert_int_equal(finals_of(pa), 0);
    assert_int_equal(del(22), E_NONE);
    assert_int_equal(finals_of(pa), 1);
    assert_int_equal(calls_of(pa), 3);
    assert_int_equal(del(22), E_NONE);                         /* an empty slot: nothing */
    assert_int_equal(calls_of(pa), 3);
    assert_int_equal(revoke(22), E_NONE);
    /* Deleting an untyped finalises nothing it made; its children stay in the tree. */
    assert_int_equal(retype(OBJ_UNTYPED, 12, 30, 1), E_NONE);
    assert_int_equal(retype_to(&root[30], &root[S_ROOT], OBJ_ENDPOINT, 0, 0, 0, 31, 1), E_NONE);
    size_t before = nfins;
    assert_int_equal(del(30), E_NONE);
    assert_int_equal(cap_type(root[31].cap), CAP_ENDPOINT);
    assert_int_equal(nfins, before + 1);                       /* the untyped cap's own call */
    assert_int_equal(cap_type(fins[before].cap), CAP_UNTYPED);
    assert_true(cte_is_parent_of(&root[S_UT], &root[31]));
}

/* The decoder's checks, each with nothing changed. */
static void test_cnode_bad_messages(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_ENDPOINT, 0, 20, 1), E_NONE);
    cte_insert_new(0, &root[10], cap_make(CAP_IRQ_CONTROL, 0, 0, 0));
    check_world();
    EXPECT_FAIL(cnode_call(CNODE_COPY, 1, 21, 20, RIGHTS_ALL, 0), E_TRUNCATED_MESSAGE);
    EXPECT_FAIL(cnode_call(CNODE_REVOKE, 1, 20, 0, 0, 0), E_TRUNCATED_MESSAGE);
    EXPECT_FAIL(cnode_call(CNODE_COPY, 3, 21, 20, RIGHTS_ALL, 0), E_TRUNCATED_MESSAGE);
    EXPECT_FAIL(cnode_call(CNODE_COPY, 4, 21, 20, RIGHTS_ALL, 0), E_TRUNCATED_MESSAGE);
    EXPECT_FAIL(cnode_call(CNODE_MINT, 5, 21, 20, RIGHTS_ALL, 1), E_TRUNCATED_MESSAGE);
    EXPECT_FAIL(cnode_call(CNODE_MOVE, 3, 21, 20, 0, 0), E_TRUNCATED_MESSAGE);
    inv.extra = 0;                                             /* no source root */
    EXPECT_FAIL(cnode_invoke(&inv), E_TRUNCATED_MESSAGE);
    uint64_t bad[] = { 0, 16, CNODE_CANCEL_BADGED_SENDS, CNODE_MUTATE, CNODE_ROTATE,
                       CNODE_SAVE_CALLER, 26, UINT64_MAX };
    for (unsigned i = 0; i < sizeof bad / sizeof *bad; i++) {
        EXPECT_FAIL(cnode_call(bad[i], 6, 21, 20, RIGHTS_ALL, 0), E_ILLEGAL_OPERATION);
        OUT(0, 0);
    }
    EXPECT_FAIL(copy(20, S_UT, RIGHTS_ALL), E_DELETE_FIRST);
    EXPECT_FAIL(copy(21, 10, RIGHTS_ALL), E_ILLEGAL_OPERATION);   /* IRQControl: no copies */
    EXPECT_FAIL(mint(21, 10, RIGHTS_ALL, 0), E_ILLEGAL_OPERATION);
    EXPECT_FAIL(cnode_call(CNODE_DELETE, 2, 256, 0, 0, 0), E_FAILED_LOOKUP);  /* guard bit */
    OUT(5, 0, LOOKUP_GUARD_MISMATCH, 64, 0, 56);
    memset(&inv, 0, sizeof inv);
    inv.label = CNODE_DELETE, inv.length = 2, inv.slot = &root[S_ROOT], inv.mr[0] = 20;
    EXPECT_FAIL(cnode_invoke(&inv), E_RANGE);                  /* depth 0 */
    OUT(2, 1, 64);
    inv.mr[1] = 65;
    EXPECT_FAIL(cnode_invoke(&inv), E_RANGE);
    OUT(2, 1, 64);
    /* A page table copies only once mapped; the copy of a reply cap would be null. */
    assert_int_equal(retype(OBJ_PAGE_TABLE, 0, 30, 1), E_NONE);
    EXPECT_FAIL(copy(31, 30, RIGHTS_ALL), E_ILLEGAL_OPERATION);
    cte_insert_new(0, &root[11], cap_make(CAP_REPLY, 0, 0, 0));
    check_world();
    EXPECT_FAIL(copy(31, 11, RIGHTS_ALL), E_ILLEGAL_OPERATION);
    assert_int_equal(move(31, 11), E_NONE);                    /* Move takes anything */
}

/* ================= CNodes that hold caps to CNodes ================= */

/* A CNode whose only cap sits in its own slot 2 (as a root CNode's does): revoking the
 * untyped deletes it, empties it and finalises what it held, once, with no zombie left. */
static void test_cnode_holds_last_cap_to_itself(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(mint(5, S_ROOT, RIGHTS_ALL, 0), E_NONE);  /* root' (8-bit cptrs) */
    assert_int_equal(retype(OBJ_CNODE, 2, 20, 1), E_NONE);
    struct cte *c = cnode_slots(root[20].cap);
    assert_int_equal(retype_to(&root[S_UT], &root[20], OBJ_TCB, 0, 0, 0, 1, 1), E_NONE);
    assert_int_equal(retype_to(&root[S_UT], &root[20], OBJ_ENDPOINT, 0, 0, 0, 3, 1), E_NONE);
    uint64_t tcb = cap_pa(c[1].cap), ep = cap_pa(c[3].cap);
    memset(&inv, 0, sizeof inv);                               /* Move root[20] -> C[2] */
    inv.label = CNODE_MOVE, inv.length = 4, inv.slot = &root[5], inv.extra = 1;
    inv.extra_slot[0] = &root[S_ROOT];
    inv.mr[0] = 20 << 2 | 2, inv.mr[1] = 10, inv.mr[2] = 20, inv.mr[3] = 64;
    assert_int_equal(cnode_invoke(&inv), E_NONE);
    check_world();
    assert_int_equal(cap_type(root[20].cap), CAP_NULL);
    assert_int_equal(cap_pa(c[2].cap), OBJ_PA(c));
    assert_true(cte_is_final(&c[2]));
    assert_int_equal(revoke(S_UT), E_NONE);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cap_type(c[i].cap), CAP_NULL);
        assert_null(c[i].prev);
        assert_int_equal(c[i].next_flags, 0);
    }
    assert_int_equal(finals_of(tcb), 1);
    assert_int_equal(finals_of(ep), 1);
    assert_false(cte_has_children(&root[S_UT]));
    assert_int_equal(retype(OBJ_SMALL_PAGE, 0, 30, 1), E_NONE);
    assert_int_equal(off_at(30), 0);
}

/* A CNode holds a copy of its own cap in slot 2, the original is in root[21]. Deleting C[2]
 * (through root' and C) is not final; deleting root[21] then is, and empties C. */
static void test_cnode_self_copy_deleted_through_itself(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(mint(5, S_ROOT, RIGHTS_ALL, 0), E_NONE);
    assert_int_equal(retype(OBJ_CNODE, 2, 20, 1), E_NONE);
    struct cte *c = cnode_slots(root[20].cap);
    assert_int_equal(retype_to(&root[S_UT], &root[20], OBJ_NOTIFICATION, 0, 0, 0, 0, 1), E_NONE);
    uint64_t nt = cap_pa(c[0].cap);
    memset(&inv, 0, sizeof inv);                               /* Copy root[20] -> C[2] */
    inv.label = CNODE_COPY, inv.length = 5, inv.slot = &root[5], inv.extra = 1;
    inv.extra_slot[0] = &root[S_ROOT];
    inv.mr[0] = 20 << 2 | 2, inv.mr[1] = 10, inv.mr[2] = 20, inv.mr[3] = 64, inv.mr[4] = RIGHTS_ALL;
    assert_int_equal(cnode_invoke(&inv), E_NONE);
    check_world();
    assert_int_equal(move(21, 20), E_NONE);
    /* Delete C[2] through root'[21] -> C: the cap it names is not final (root[21]). */
    memset(&inv, 0, sizeof inv);
    inv.label = CNODE_DELETE, inv.length = 2, inv.slot = &root[5];
    inv.mr[0] = 21 << 2 | 2, inv.mr[1] = 10;
    assert_int_equal(cnode_invoke(&inv), E_NONE);
    check_world();
    assert_int_equal(cap_type(c[2].cap), CAP_NULL);
    assert_int_equal(cap_type(c[0].cap), CAP_NOTIFICATION);
    /* Now the last cap, root[21]: C is emptied. */
    assert_int_equal(del(21), E_NONE);
    assert_int_equal(cap_type(c[0].cap), CAP_NULL);
    assert_int_equal(finals_of(nt), 1);
}

/* A <-> B: each CNode holds the only cap to the other, nothing else reaches them. Revoking
 * the untyped deletes both, each thing in them once. */
static void test_cnode_cycle(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(mint(5, S_ROOT, RIGHTS_ALL, 0), E_NONE);
    assert_int_equal(retype(OBJ_CNODE, 2, 20, 2), E_NONE);     /* A in 20, B in 21 */
    struct cte *a = cnode_slots(root[20].cap), *b = cnode_slots(root[21].cap);
    assert_int_equal(retype_to(&root[S_UT], &root[20], OBJ_TCB, 0, 0, 0, 1, 1), E_NONE);
    assert_int_equal(retype_to(&root[S_UT], &root[21], OBJ_ENDPOINT, 0, 0, 0, 1, 1), E_NONE);
    uint64_t tcb = cap_pa(a[1].cap), ep = cap_pa(b[1].cap);
    memset(&inv, 0, sizeof inv);
    inv.label = CNODE_MOVE, inv.length = 4, inv.slot = &root[5], inv.extra = 1;
    inv.extra_slot[0] = &root[S_ROOT];
    inv.mr[0] = 20 << 2 | 0, inv.mr[1] = 10, inv.mr[2] = 21, inv.mr[3] = 64;  /* B -> A[0] */
    assert_int_equal(cnode_invoke(&inv), E_NONE);
    check_world();
    inv.mr[0] = 20 << 4 | 0 << 2 | 0, inv.mr[1] = 12, inv.mr[2] = 20;      /* A -> B[0] */
    assert_int_equal(cnode_invoke(&inv), E_NONE);
    check_world();
    assert_int_equal(cap_pa(a[0].cap), OBJ_PA(b));
    assert_int_equal(cap_pa(b[0].cap), OBJ_PA(a));
    assert_int_equal(cap_type(root[20].cap), CAP_NULL);
    assert_int_equal(revoke(S_UT), E_NONE);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cap_type(a[i].cap), CAP_NULL);
        assert_int_equal(cap_type(b[i].cap), CAP_NULL);
    }
    assert_int_equal(finals_of(tcb), 1);
    assert_int_equal(finals_of(ep), 1);
    /* And a cycle cut by Delete from inside: A in root[20] holds B's only cap, B holds a
     * copy of A's; deleting A's last outside cap... leaves it to the cycle; deleting B[0]
     * (through A) then deletes both in one call. */
    assert_int_equal(retype(OBJ_CNODE, 2, 20, 2), E_NONE);
    a = cnode_slots(root[20].cap), b = cnode_slots(root[21].cap);
    memset(&inv, 0, sizeof inv);
    inv.label = CNODE_MOVE, inv.length = 4, inv.slot = &root[5], inv.extra = 1;
    inv.extra_slot[0] = &root[S_ROOT];
    inv.mr[0] = 20 << 2 | 0, inv.mr[1] = 10, inv.mr[2] = 21, inv.mr[3] = 64;  /* B -> A[0] */
    assert_int_equal(cnode_invoke(&inv), E_NONE);
    inv.label = CNODE_COPY, inv.length = 5, inv.mr[4] = RIGHTS_ALL;
    inv.mr[0] = 20 << 4 | 0 << 2 | 1, inv.mr[1] = 12, inv.mr[2] = 20;      /* A -> B[1] */
    assert_int_equal(cnode_invoke(&inv), E_NONE);
    check_world();
    memset(&inv, 0, sizeof inv);                               /* Delete A[0] (B's only cap) */
    inv.label = CNODE_DELETE, inv.length = 2, inv.slot = &root[5];
    inv.mr[0] = 20 << 2 | 0, inv.mr[1] = 10;
    assert_int_equal(cnode_invoke(&inv), E_NONE);
    check_world();
    for (int i = 0; i < 4; i++)
        assert_int_equal(cap_type(b[i].cap), CAP_NULL);
    assert_int_equal(cap_type(a[0].cap), CAP_NULL);
    assert_int_equal(cap_type(root[20].cap), CAP_CNODE);       /* A lives on: root[20] */
}

/* 4,000 CNodes, each holding the only cap to the next; the first in root[20]. Deleting
 * root[20] must empty them all without recursion: it runs on a thread with a 256 KiB stack,
 * where 4,000 nested calls could not fit. */
#define CHAIN 4000
static void *delete_on_small_stack(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)del(20);
}
static void test_cnode_chain_4000(void **state)
{
    (void)state;
    world(20);                                                 /* 4,000 x 64 B */
    assert_int_equal(retype(OBJ_CNODE, 1, 20, 1), E_NONE);
    struct cte *holder = &root[20];
    for (int i = 1; i < CHAIN; i++) {                          /* C(i) into C(i-1)[0] */
        assert_int_equal(retype_to(&root[S_UT], holder, OBJ_CNODE, 1, 0, 0, 0, 1), E_NONE);
        holder = &cnode_slots(holder->cap)[0];
    }
    assert_int_equal(retype_to(&root[S_UT], holder, OBJ_TCB, 0, 0, 0, 1, 1), E_NONE);
    uint64_t tcb = cap_pa(cnode_slots(holder->cap)[1].cap);
    assert_int_equal(made, CHAIN + 1);
    pthread_attr_t attr;
    pthread_t t;
    void *ret;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
    assert_int_equal(pthread_create(&t, &attr, delete_on_small_stack, 0), 0);
    assert_int_equal(pthread_join(t, &ret), 0);
    pthread_attr_destroy(&attr);
    assert_int_equal((uintptr_t)ret, E_NONE);
    assert_int_equal(cap_type(root[20].cap), CAP_NULL);
    assert_int_equal(finals_of(tcb), 1);
    for (size_t i = 0; i < CHAIN * 64; i++)                    /* every slot emptied */
        if (arena[i] != 0 && !(i >= tcb - OBJ_PA(arena) && i < tcb - OBJ_PA(arena) + 1024))
            fail_msg("byte %zu of the chain's CNodes is not 0", i);
    assert_false(cte_has_children(&root[S_UT]));
    assert_int_equal(retype(OBJ_CNODE, 1, 21, 1), E_NONE);
    assert_int_equal(off_at(21), 0);
}

/* Revoke of a CNode cap removes its copies and minted (guarded) children, not the CNode. */
static void test_revoke_cnode_copies(void **state)
{
    (void)state;
    world(16);
    assert_int_equal(retype(OBJ_CNODE, 3, 20, 1), E_NONE);
    assert_int_equal(retype_to(&root[S_UT], &root[20], OBJ_ENDPOINT, 0, 0, 0, 0, 1), E_NONE);
    assert_int_equal(copy(21, 20, RIGHTS_ALL), E_NONE);
    assert_int_equal(mint(22, 20, 0, 5 << 6 | 3), E_NONE);
    assert_int_equal(copy(23, 22, 0), E_NONE);
    assert_int_equal(revoke(20), E_NONE);
    assert_no_descendant(&root[20]);
    for (unsigned s = 21; s <= 23; s++)
        assert_int_equal(cap_type(root[s].cap), CAP_NULL);
    assert_int_equal(cap_type(cnode_slots(root[20].cap)[0].cap), CAP_ENDPOINT);
    assert_int_equal(nfins, 3);                                /* three non-final CNode caps */
    for (size_t i = 0; i < nfins; i++)
        assert_false(fins[i].final);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_root_slot),
        cmocka_unit_test(test_lookup_two_levels),
        cmocka_unit_test(test_lookup_target_depth_range),
        cmocka_unit_test(test_lookup_failure_words),
        cmocka_unit_test(test_retype_watermark_alignment),
        cmocka_unit_test(test_retype_count_range),
        cmocka_unit_test(test_retype_not_enough_memory),
        cmocka_unit_test(test_retype_delete_first),
        cmocka_unit_test(test_retype_device),
        cmocka_unit_test(test_retype_bad_arguments),
        cmocka_unit_test(test_retype_into_other_cnode),
        cmocka_unit_test(test_retype_watermark_resets_without_children),
        cmocka_unit_test(test_revoke_untyped),
        cmocka_unit_test(test_copy_rights_only_shrink),
        cmocka_unit_test(test_mint_badge_rules),
        cmocka_unit_test(test_revoke_badged_tree),
        cmocka_unit_test(test_move_keeps_place),
        cmocka_unit_test(test_copy_untyped_with_children),
        cmocka_unit_test(test_copy_untyped_then_retype_both_disjoint),
        cmocka_unit_test(test_delete_finalises_once),
        cmocka_unit_test(test_cnode_bad_messages),
        cmocka_unit_test(test_cnode_holds_last_cap_to_itself),
        cmocka_unit_test(test_cnode_self_copy_deleted_through_itself),
        cmocka_unit_test(test_cnode_cycle),
        cmocka_unit_test(test_cnode_chain_4000),
        cmocka_unit_test(test_revoke_cnode_copies),
    };
    int failed = cmocka_run_group_tests(tests, 0, 0);
    world_free();
    free(stack);
    return failed;
}
