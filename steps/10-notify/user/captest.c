/*
 * captest.c: `run captest` provokes every error of an invocation that a program can provoke,
 * and prints each with its detail words, one line per case:
 *
 *     captest: NAME: ERROR w0 w1 ...
 *
 * then checks that the failed calls changed nothing (the untyped's watermark, the slots), runs
 * 10,000 Retype/Revoke cycles, and makes random invocations on the caps it made. The step's
 * checks compare every line with seL4's answer.
 */
#include "ulib.h"

/* ANCHOR: captest_report */
static seL4_CPtr ut, next_slot;

/* One line: the case, the error, and the detail words the error carries (seL4's count). */
static void report(const char *name, seL4_Error e)
{
    static const unsigned words[] = { 0, 1, 1, 0, 2, 0, 2, 0, 0, 0, 1 };
    unsigned n = (unsigned)e < sizeof words / sizeof *words ? words[e] : 0;
    if (e == seL4_FailedLookup) {           /* source flag, kind, then the kind's words */
        static const unsigned kind_words[] = { 0, 0, 1, 2, 3 };
        seL4_Word kind = seL4_GetMR(1);
        n = 2 + (kind < 5 ? kind_words[kind] : 0);
    }
    printf("captest: %s: %s", name, error_name(e));
    for (unsigned i = 0; i < n; i++)
        printf(" %lu", seL4_GetMR(i));
    printf("\n");
}

static seL4_CPtr retype(seL4_CPtr from, seL4_Word type, seL4_Word bits)
{
    seL4_CPtr slot = next_slot++;
    seL4_Error e = seL4_Untyped_Retype(from, type, bits, seL4_CapInitThreadCNode, 0, 0, slot, 1);
    if (e)
        report("setup retype", e);
    return slot;
}

/* Where the untyped's next 4 KiB frame would go: make one, read its address, delete it. */
static seL4_Word probe(void)
{
    seL4_CPtr f = retype(ut, seL4_ARM_SmallPageObject, 0);
    seL4_Word pa = seL4_ARM_Page_GetAddress(f).paddr;
    seL4_CNode_Delete(seL4_CapInitThreadCNode, f, 64);
    next_slot--;
    return pa;
}
/* ANCHOR_END: captest_report */

/* ANCHOR: captest_errors */
static void errors(void)
{
    seL4_CPtr root = seL4_CapInitThreadCNode;
    seL4_CPtr ep = retype(ut, seL4_EndpointObject, 0);
    seL4_CPtr badged = next_slot++;
    seL4_CNode_Mint(root, badged, 64, root, ep, 64, seL4_AllRights, 7);
    seL4_CPtr child = retype(ut, seL4_UntypedObject, 12);
    retype(child, seL4_EndpointObject, 0);                /* child now has a child */
    seL4_CPtr frame = retype(ut, seL4_ARM_SmallPageObject, 0);
    seL4_CPtr read_only = next_slot++;                    /* an endpoint cap that cannot send */
    seL4_CNode_Copy(root, read_only, 64, root, ep, 64, seL4_CanRead);
    seL4_CPtr free1 = next_slot, empty = 4000;            /* slots no call may fill */

    seL4_Word before = probe();
    report("random cptr", seL4_CNode_Copy(root, free1, 64, root, 0xdeadbeefcafe1234, 64,
                                          seL4_AllRights));
    report("depth 0", seL4_CNode_Delete(root, free1, 0));
    report("depth 65", seL4_CNode_Delete(root, free1, 65));
    report("depth 60", seL4_CNode_Delete(root, free1, 60));
    report("empty source", seL4_CNode_Copy(root, free1, 64, root, empty, 64, seL4_AllRights));
    report("retype 0 objects", seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, root, 0, 0,
                                                   free1, 0));
    report("retype 257 objects", seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, root, 0, 0,
                                                     free1, 257));
    report("retype too big", seL4_Untyped_Retype(ut, seL4_ARM_LargePageObject, 0, root, 0, 0,
                                                 free1, 1));
    report("retype past the CNode", seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, root, 0, 0,
                                                        4095, 2));
    report("retype into a used slot", seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, root, 0,
                                                          0, ep, 1));
    report("retype type 99", seL4_Untyped_Retype(ut, 99, 0, root, 0, 0, free1, 1));
    report("retype huge page", seL4_Untyped_Retype(ut, seL4_ARM_HugePageObject, 0, root, 0, 0,
                                                   free1, 1));
    report("retype CNode of 0 bits", seL4_Untyped_Retype(ut, seL4_CapTableObject, 0, root, 0, 0,
                                                         free1, 1));
    report("retype 3-bit untyped", seL4_Untyped_Retype(ut, seL4_UntypedObject, 3, root, 0, 0,
                                                       free1, 1));
    report("mint a badge onto a badge", seL4_CNode_Mint(root, free1, 64, root, badged, 64,
                                                        seL4_AllRights, 8));
    report("copy an untyped with children", seL4_CNode_Copy(root, free1, 64, root, child, 64,
                                                            seL4_AllRights));
    report("copy into a used slot", seL4_CNode_Copy(root, ep, 64, root, badged, 64,
                                                    seL4_AllRights));
    report("invoke an empty slot", seL4_CNode_Delete(empty, 0, 64));
    report("untyped asked to copy", seL4_CNode_Copy(ut, free1, 64, root, ep, 64,
                                                    seL4_AllRights));
    report("read-only endpoint asked to retype", seL4_Untyped_Retype(read_only,
                                                                     seL4_EndpointObject, 0,
                                                                     root, 0, 0, free1, 1));
    report("map at an odd address", seL4_ARM_Page_Map(frame, seL4_CapInitThreadVSpace,
                                                      0x20000100, seL4_ReadWrite,
                                                      seL4_ARM_Default_VMAttributes));
    report("map with no page table", seL4_ARM_Page_Map(frame, seL4_CapInitThreadVSpace,
                                                       0x20000000, seL4_ReadWrite,
                                                       seL4_ARM_Default_VMAttributes));
    report("map above 2^39", seL4_ARM_Page_Map(frame, seL4_CapInitThreadVSpace,
                                               0x8000000000, seL4_ReadWrite,
                                               seL4_ARM_Default_VMAttributes));
    report("map into an endpoint", seL4_ARM_Page_Map(frame, ep, 0x20000000, seL4_ReadWrite,
                                                     seL4_ARM_Default_VMAttributes));
    report("map over the image", seL4_ARM_Page_Map(frame, seL4_CapInitThreadVSpace, 0x400000,
                                                   seL4_ReadWrite,
                                                   seL4_ARM_Default_VMAttributes));
    report("priority above my MCP", seL4_TCB_SetPriority(seL4_CapInitThreadTCB,
                                                         seL4_CapInitThreadTCB, 254));
    seL4_MessageInfo_t short_msg = seL4_MessageInfo_new(UntypedRetype, 0, 0, 2);
    report("retype with 2 words", (seL4_Error)seL4_MessageInfo_get_label(seL4_Call(ut, short_msg)));
    unsigned refused = 0;                  /* no cap, no operation: whatever the method */
    for (seL4_Word label = 0; label < 64; label++) {
        seL4_MessageInfo_t m = seL4_MessageInfo_new(label, 0, 0, 4);
        refused += seL4_MessageInfo_get_label(seL4_Call(empty, m)) == seL4_InvalidCapability;
    }
    printf("captest: 64 methods on an empty slot: %u refused with InvalidCapability\n", refused);
    seL4_Word after = probe();
    printf("captest: after the failed calls the next frame is at +%lu bytes (one probe "
           "apart), slot %lu is %s\n", after - before,
           free1, seL4_CNode_Delete(root, free1, 64) == seL4_NoError ? "still usable" : "?");
    seL4_CNode_Revoke(root, ut, 64);        /* all of it back */
    next_slot = free1 - 6;
}
/* ANCHOR_END: captest_errors */

/* ANCHOR: captest_cycles */
/* Retype a few objects of each kind from a 64 KiB untyped, then Revoke it: the watermark must
 * come back to 0 every time, so the first frame is always at the untyped's start. */
static void cycles(unsigned n)
{
    seL4_CPtr root = seL4_CapInitThreadCNode, u = retype(ut, seL4_UntypedObject, 16);
    seL4_CPtr first = next_slot;
    seL4_Word start = 0, moved = 0;
    for (unsigned i = 0; i < n; i++) {
        seL4_Untyped_Retype(u, seL4_ARM_SmallPageObject, 0, root, 0, 0, first, 2);
        seL4_Untyped_Retype(u, seL4_EndpointObject, 0, root, 0, 0, first + 2, 4);
        seL4_Untyped_Retype(u, seL4_TCBObject, 0, root, 0, 0, first + 6, 1);
        seL4_Untyped_Retype(u, seL4_CapTableObject, 2, root, 0, 0, first + 7, 1);
        seL4_CNode_Copy(root, first + 8, 64, root, first + 2, 64, seL4_CanRead);
        seL4_Word pa = seL4_ARM_Page_GetAddress(first).paddr;
        if (i == 0)
            start = pa;
        moved += pa != start;
        seL4_CNode_Revoke(root, u, 64);
    }
    unsigned empty = 0;                 /* a copy from an empty slot fails: count them */
    for (seL4_CPtr s = first; s < first + 9; s++)
        empty += seL4_CNode_Copy(root, first + 9, 64, root, s, 64, seL4_AllRights) ==
                 seL4_FailedLookup;
    printf("captest: %u retype/revoke cycles: first frame moved %lu times; %u of 9 slots "
           "empty again\n", n, moved, empty);
    seL4_CNode_Revoke(root, ut, 64);
}
/* ANCHOR_END: captest_cycles */

/* ANCHOR: captest_random */
/* xorshift64 (Marsaglia 2003). */
static uint64_t state = 0x08ca95eedULL;
static uint64_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* Random invocations of the caps in slots [lo, lo + 64) and of the untyped, each by NBSend
 * (no answer, and a cptr that leads nowhere is ignored), with random labels, lengths, words
 * and extra caps. Whatever they make or break, Revoke of the untyped clears it all. */
static void random_calls(unsigned n)
{
    seL4_CPtr lo = next_slot;
    for (unsigned i = 0; i < n; i++) {
        uint64_t r = next_random();
        seL4_CPtr dest = r % 8 == 0 ? ut : lo + (r >> 8) % 64;
        seL4_Word label = (r >> 16) % 56, len = (r >> 24) % 8, caps = (r >> 28) % 4;
        for (unsigned c = 0; c < caps; c++)
            seL4_SetCap(c, next_random() % 4 ? lo + next_random() % 64 : next_random());
        seL4_Word mr[4];
        for (unsigned m = 0; m < 4; m++) {
            uint64_t v = next_random();
            mr[m] = v % 3 == 0 ? v : v % 3 == 1 ? v % 16 : lo + v % 64;
        }
        for (unsigned m = 4; m < 8; m++)
            seL4_SetMR(m, next_random() % 4 ? next_random() % 64 : lo + next_random() % 64);
        if (label == UntypedRetype && mr[0] == seL4_TCBObject)
            mr[0] = seL4_EndpointObject;     /* threads would run random code: not here */
        seL4_NBSendWithMRs(dest, seL4_MessageInfo_new(label, 0, caps, len), &mr[0], &mr[1],
                         &mr[2], &mr[3]);
    }
    seL4_CNode_Revoke(seL4_CapInitThreadCNode, ut, 64);
    printf("captest: %u random invocations, untyped revoked, kernel alive\n", n);
}
/* ANCHOR_END: captest_random */

/* `run captest`: all three parts; `run captest errors`: the errors only. */
int main(const char *arg)
{
    ut = bootinfo->untyped.start;
    next_slot = bootinfo->empty.start;
    printf("captest: untyped in slot %lu, empty slots from %lu\n", ut, next_slot);
    errors();
    if (strcmp(arg, "errors") == 0)
        return 0;
    cycles(10000);
    random_calls(100000);
    return 0;
}
