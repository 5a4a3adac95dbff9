/*
 * sel4bench.c: a root task written for seL4, not for this kernel, run as init
 * (make build STEP=10 INIT=build/10-notify/user/sel4bench.elf). It uses libsel4's API only,
 * the way a program for seL4 does, so the same source builds against seL4's own libsel4 and
 * runs on either kernel; here it shows that this kernel runs it, and what it costs.
 *
 * It retypes an endpoint, a notification, a TCB, a CNode, a VSpace, page tables and frames
 * from untyped memory; starts a server thread in a CSpace and an address space of its own
 * (not the root task's); and counts three operations with the PMU, as seL4's figures on the
 * same emulator were counted (chapters 9 and 11 say how): a Call+ReplyRecv round trip of
 * one word to that server, Yield with no other thread ready at its priority, and Signal
 * with no waiter.
 * One line per figure, then `sel4bench: done`:
 *
 *     sel4bench: call-replyrecv min N median N kernel N
 *
 * min and median of RUNS samples after WARM_UPS, in instructions (under QEMU's -icount the
 * cycle counter counts instructions); `kernel` is the least count of the kernel's part alone.
 * Last, seL4_DebugDumpScheduler (a debug kernel's call, in seL4 too) lists the threads: the
 * server waits in Recv, in an address space of its own.
 *
 * What this file takes from this project rather than from libsel4 (each a line to change for
 * seL4, where sel4runtime and a libc stand in for them):
 *   - crt0.S and ulib.c start it: they set the stack, pass x0 (the BootInfo) on as the global
 *     `bootinfo`, call seL4_SetIPCBuffer(bootinfo->ipcBuffer), and call main(arg); seL4's
 *     sel4runtime does the same and gives the BootInfo through sel4runtime_bootinfo().
 *   - printf is ulib's, which writes each character with the DebugPutChar system call (what
 *     seL4_DebugPutChar does).
 * Everything else is seL4's: its names, numbers and calls, and the measuring stubs below use
 * only the system-call convention (svc #0, the number in x7) and the PMU's registers.
 */
#include <sel4/sel4.h>

#include "ulib.h"                     /* printf, bootinfo, main(arg): see above */

#define RUNS      64                  /* samples kept, after ... */
#define WARM_UPS  8                   /* ... these, which are not (as seL4's were counted) */
#define PRIO      seL4_MaxPrio        /* the server's priority: the root task's own (255) */
#define PAGE      (1UL << seL4_PageBits)

/* ANCHOR: sel4bench_stubs */
/*
 * The measuring loops, in assembly, so that each sample holds exactly the instructions seL4's
 * own count held. A sample starts with the `mrs` of the cycle counter, then the instructions
 * of one system call as libsel4's stub makes it, then `svc`; the `mrs` after it ends the
 * sample. So a round trip holds 6 of the client's instructions (mrs, four movs, svc) and the
 * server's 5 (its loop below); Yield holds 3 (mrs, mov, svc); Signal 5 (mrs, three movs,
 * svc); the kernel's are the rest. (The `eret` back to EL0 synchronises the context, so no
 * `isb` is needed before the closing `mrs`.)
 *
 * A second counter, PMU event counter 0 set to count instructions retired outside EL0, is
 * read around the first: its difference is the kernel's part alone.
 *
 * SAMPLES_STUB(name, call) is the C function name(cptr, cycles[], kernel[], n): n samples of
 * `call`, with the cptr in x9. x9-x16 are scratch registers, which a C caller does not
 * expect to be kept and the kernel keeps across `svc`.
 */
#define SAMPLES_STUB(name, call)                                                           \
    "    .text\n"                                                                          \
    "    .balign 64\n"                                                                     \
    "    .global " name "\n"                                                               \
    name ":\n"                        /* x0 the cptr, x1 cycles[], x2 kernel[], x3 n */    \
    "    mov     x9, x0\n"                                                                 \
    "    mov     x10, x1\n"                                                                \
    "    mov     x11, x2\n"                                                                \
    "    mov     x12, x3\n"                                                                \
    "1:  isb\n"                                                                            \
    "    mrs     x13, pmevcntr0_el0\n"                                                     \
    "    mrs     x14, pmccntr_el0\n"  /* the sample starts */                              \
    call                                                                                   \
    "    mrs     x15, pmccntr_el0\n"  /* and ends */                                       \
    "    mrs     x16, pmevcntr0_el0\n"                                                     \
    "    sub     x15, x15, x14\n"                                                          \
    "    sub     x16, x16, x13\n"                                                          \
    "    str     x15, [x10], #8\n"                                                         \
    "    str     x16, [x11], #8\n"                                                         \
    "    subs    x12, x12, #1\n"                                                           \
    "    b.ne    1b\n"                                                                     \
    "    ret\n"

__asm__(
    /* seL4_Call(ep, 1 word), as seL4's figure was counted: the message info (label 0,
     * length 1), the endpoint, MR0, the system call's number. */
    SAMPLES_STUB("samples_call",
                 "    mov     x1, #1\n"
                 "    mov     x0, x9\n"
                 "    mov     x2, #42\n"
                 "    mov     x7, #-1\n"           /* seL4_SysCall */
                 "    svc     #0\n")
    /* seL4_Yield(): the number alone. */
    SAMPLES_STUB("samples_yield",
                 "    mov     x7, #-7\n"           /* seL4_SysYield */
                 "    svc     #0\n")
    /* seL4_Signal(ntfn): a Send of an empty message (info 0) on the notification's cap. */
    SAMPLES_STUB("samples_signal",
                 "    mov     x0, x9\n"
                 "    mov     x1, #0\n"
                 "    mov     x7, #-3\n"           /* seL4_SysSend */
                 "    svc     #0\n"));

/* The server's loop: answer (ReplyRecv) with the message it received, its label cleared,
 * and wait for the next. It enters with its first answer in registers, which are where C
 * puts serve()'s arguments: x0 the endpoint, x1 the message info, x2 MR0. Five instructions
 * a round trip, as in seL4's count; x2 goes back as it came, so the client's word returns. */
__asm__(
    "    .text\n"
    "    .balign 64\n"
    "    .global serve\n"
    "serve:\n"
    "    mov     x19, x0\n"
    "1:  and     x1, x1, #0x7f\n"                      /* label 0, the length it came with */
    "    mov     x0, x19\n"
    "    mov     x7, #-2\n"                            /* seL4_SysReplyRecv */
    "    svc     #0\n"
    "    b       1b\n");
/* ANCHOR_END: sel4bench_stubs */

void samples_call(seL4_CPtr ep, seL4_Word *cycles, seL4_Word *kernel, seL4_Word n);
void samples_yield(seL4_CPtr unused, seL4_Word *cycles, seL4_Word *kernel, seL4_Word n);
void samples_signal(seL4_CPtr ntfn, seL4_Word *cycles, seL4_Word *kernel, seL4_Word n);
void serve(seL4_CPtr ep, seL4_Word info, seL4_Word mr0) __attribute__((noreturn));

/* ANCHOR: sel4bench_server */
/* The server's CSpace: a CNode of 16 slots, read with depth 64 through a guard of 60 bits. */
#define SERVER_CNODE_BITS 4
#define SERVER_EP         1           /* the endpoint, with Read: it can only receive on it */
#define SERVER_NTFN       2           /* the notification, with Write and badge 0x10 */
#define SERVER_BADGE      0x10

/* Its address space: the root task's image at the same addresses, read-only, then a stack page,
 * a guard page and its IPC buffer page, away from everything the root task's image holds. */
#define SERVER_STACK      0x10000000UL
#define SERVER_IPC        (SERVER_STACK + 2 * PAGE)

/*
 * The server thread. It runs the root task's code, from the same frames, but in an address
 * space where those frames are read-only: it may not write a global variable, and it has
 * set no IPC buffer pointer of its own, so it uses only the calls that keep their message
 * in registers (seL4_Signal, seL4_RecvWithMRs, seL4_ReplyRecv's stub),
 * and its stack. It says it has started, takes the first Call, and answers it with the word
 * plus the caller's badge: proof that it runs, in its own CSpace, with the caps given to it.
 * Then serve() answers every Call with the word it brought.
 */
static void server(void)
{
    seL4_Signal(SERVER_NTFN);
    seL4_Word badge = 0, mr0 = 0;
    seL4_RecvWithMRs(SERVER_EP, &badge, &mr0, seL4_Null, seL4_Null, seL4_Null);
    serve(SERVER_EP, seL4_MessageInfo_new(0, 0, 0, 1).words[0], mr0 + badge);
}
/* ANCHOR_END: sel4bench_server */

/* ANCHOR: sel4bench_make */
static seL4_CPtr untyped, next_slot;  /* where objects come from, and where their caps go */

/* A failure ends the program with one line saying what failed and seL4's error number. */
static void fail(const char *what, seL4_Error e)
{
    printf("sel4bench: failed: %s: error %d\n", what, (int)e);
    seL4_TCB_Suspend(seL4_CapInitThreadTCB);
}

/* The first untyped of RAM (not device memory) with at least 2^bits bytes, or 0. */
static seL4_CPtr find_untyped(unsigned bits)
{
    for (seL4_Word i = 0; i < bootinfo->untyped.end - bootinfo->untyped.start; i++) {
        const seL4_UntypedDesc *d = &bootinfo->untypedList[i];
        if (!d->isDevice && d->sizeBits >= bits)
            return bootinfo->untyped.start + i;
    }
    return 0;
}

/* One object, its cap in the next empty slot of the root CNode (depth 0: that CNode itself). */
static seL4_CPtr make(seL4_Word type, seL4_Word size_bits)
{
    seL4_CPtr slot = next_slot++;
    seL4_Error e = seL4_Untyped_Retype(untyped, type, size_bits, seL4_CapInitThreadCNode, 0, 0,
                                       slot, 1);
    if (e != seL4_NoError)
        fail("Untyped_Retype", e);
    return slot;
}

/* Map a frame; where a page table is missing (FailedLookup), make one, map it and try again.
 * That loop is how seL4's own libraries map, whatever the number of levels (3 here, 4 in seL4). */
static seL4_Error map(seL4_CPtr frame, seL4_CPtr vspace, seL4_Word va, seL4_CapRights_t rights,
                      seL4_ARM_VMAttributes attr)
{
    for (;;) {
        seL4_Error e = seL4_ARM_Page_Map(frame, vspace, va, rights, attr);
        if (e != seL4_FailedLookup)
            return e;
        e = seL4_ARM_PageTable_Map(make(seL4_ARM_PageTableObject, 0), vspace, va,
                                   seL4_ARM_Default_VMAttributes);
        if (e != seL4_NoError)
            return e;
    }
}
/* ANCHOR_END: sel4bench_make */

/* ANCHOR: sel4bench_vspace */
/*
 * The server's address space: a new VSpace with the root task's image mapped at the same
 * addresses. BootInfo's userImageFrames holds one cap per page of the image, from its lowest
 * page on, and the IPC buffer is the first page after it (seL4's layout), which gives the
 * image's first address. A frame cap maps one page, once: each frame is mapped through a
 * copy of its cap, with Read only, so the mapping is read-only (and executable: the code is
 * there). The root task's writable pages appear read-only too; the server writes none.
 *
 * Caches: the server executes bytes that nobody writes. The kernel wrote them once, when it
 * loaded the image, and then cleaned the data cache and invalidated the instruction cache for
 * them; this mapping adds a second virtual address (the same one, in another ASID) for the
 * same physical frames. The Cortex-A53's instruction cache is tagged with physical addresses
 * (and not with ASIDs), so a line holds those frames' bytes whichever mapping fetched it, and
 * the bytes never change: there is nothing to do. A program that
 * wrote code into a frame with stores (a copy of the image, say) would have to clean the data
 * cache to the point of unification and invalidate the instruction cache before running it:
 * seL4_ARM_Page_Unify_Instruction(frame, 0, PAGE) on each such frame. QEMU needs neither
 * (it models no caches), which is why only real hardware would catch the omission.
 */
static seL4_Error address_space(seL4_CPtr vspace)
{
    seL4_SlotRegion image = bootinfo->userImageFrames;
    seL4_Word base = (seL4_Word)bootinfo->ipcBuffer - (image.end - image.start) * PAGE;
    for (seL4_CPtr frame = image.start; frame < image.end; frame++) {
        seL4_CPtr copy = next_slot++;
        seL4_Error e = seL4_CNode_Copy(seL4_CapInitThreadCNode, copy, seL4_WordBits,
                                       seL4_CapInitThreadCNode, frame, seL4_WordBits,
                                       seL4_CanRead);
        if (e == seL4_NoError)
            e = map(copy, vspace, base + (frame - image.start) * PAGE, seL4_CanRead,
                    seL4_ARM_Default_VMAttributes);
        if (e != seL4_NoError)
            return e;
    }
    return seL4_NoError;
}
/* ANCHOR_END: sel4bench_vspace */

/* ANCHOR: sel4bench_thread */
/* The server: its CSpace (a new CNode holding the endpoint, Read only, and the notification
 * with a badge), its address space, stack and IPC buffer, at the root task's priority. The
 * root task keeps its own caps to all of it; the server holds two caps and nothing else.
 * The root task names the new CNode's slots with depth 4, since its cap to the CNode has no
 * guard; the server's has the 60-bit guard (TCB_Configure's cspace_root_data). */
static seL4_Error start_server(seL4_CPtr ep, seL4_CPtr ntfn)
{
    seL4_CPtr tcb = make(seL4_TCBObject, 0);
    seL4_CPtr cnode = make(seL4_CapTableObject, SERVER_CNODE_BITS);
    seL4_CPtr vspace = make(seL4_ARM_VSpaceObject, 0);
    seL4_CPtr stack = make(seL4_ARM_SmallPageObject, 0);
    seL4_CPtr ipc = make(seL4_ARM_SmallPageObject, 0);
    seL4_Word guard = seL4_CNode_CapData_new(0, seL4_WordBits - SERVER_CNODE_BITS).words[0];
    seL4_UserContext regs = { .pc = (seL4_Word)server, .sp = SERVER_STACK + PAGE };
    seL4_ARM_VMAttributes data = seL4_ARM_Default_VMAttributes | seL4_ARM_ExecuteNever;

    /* seL4 gives a VSpace an ASID through an ASID pool; this kernel gives it one at Retype
     * and answers Assign on the root task's pool with NoError. */
    seL4_Error e = seL4_ARM_ASIDPool_Assign(seL4_CapInitThreadASIDPool, vspace);
    if (e == seL4_NoError)
        e = address_space(vspace);
    if (e == seL4_NoError)
        e = map(stack, vspace, SERVER_STACK, seL4_ReadWrite, data);
    if (e == seL4_NoError)
        e = map(ipc, vspace, SERVER_IPC, seL4_ReadWrite, data);
    if (e == seL4_NoError)
        e = seL4_CNode_Copy(cnode, SERVER_EP, SERVER_CNODE_BITS, seL4_CapInitThreadCNode, ep,
                            seL4_WordBits, seL4_CanRead);
    if (e == seL4_NoError)
        e = seL4_CNode_Mint(cnode, SERVER_NTFN, SERVER_CNODE_BITS, seL4_CapInitThreadCNode, ntfn,
                            seL4_WordBits, seL4_CanWrite, SERVER_BADGE);
    if (e == seL4_NoError)
        e = seL4_TCB_Configure(tcb, seL4_CapNull, cnode, guard, vspace, 0, SERVER_IPC, ipc);
    if (e == seL4_NoError)
        e = seL4_TCB_SetPriority(tcb, seL4_CapInitThreadTCB, PRIO);
    if (e == seL4_NoError)
        e = seL4_TCB_WriteRegisters(tcb, 0, 0, sizeof regs / sizeof(seL4_Word), &regs);
    if (e == seL4_NoError)
        e = seL4_TCB_Resume(tcb);
    return e;
}
/* ANCHOR_END: sel4bench_thread */

/* ANCHOR: sel4bench_figures */
static seL4_Word cycles[WARM_UPS + RUNS], kernel[WARM_UPS + RUNS];

static void sort(seL4_Word *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            seL4_Word t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* One figure: WARM_UPS + RUNS samples taken by `stub` on `cptr`, the first WARM_UPS dropped. */
static void figure(const char *key,
                   void (*stub)(seL4_CPtr, seL4_Word *, seL4_Word *, seL4_Word), seL4_CPtr cptr)
{
    stub(cptr, cycles, kernel, WARM_UPS + RUNS);
    sort(cycles + WARM_UPS, RUNS);
    sort(kernel + WARM_UPS, RUNS);
    printf("sel4bench: %s min %lu median %lu kernel %lu\n", key, cycles[WARM_UPS],
           cycles[WARM_UPS + RUNS / 2], kernel[WARM_UPS]);
}
/* ANCHOR_END: sel4bench_figures */

/* ANCHOR: sel4bench_main */
#define INST_RETIRED_NOT_EL0  (0x08 | 1UL << 30)   /* PMEVTYPER: event 0x08, U: not at EL0 */
#define ROOT_BADGE            0x1                  /* the root task's caps: endpoint, Signal */

int main(const char *arg)
{
    (void)arg;
    next_slot = bootinfo->empty.start;
    untyped = find_untyped(17);
    if (!untyped) {
        fail("no untyped of 128 KiB", seL4_NotEnoughMemory);
        return 1;
    }
    /* Event counter 0: instructions outside EL0. seL4 lets EL0 program the PMU when it is
     * built to export it (PMUSERENR_EL0.EN), as this kernel does. */
    __asm__ volatile("msr pmevtyper0_el0, %0; msr pmcntenset_el0, %1; isb"
                     :: "r"(INST_RETIRED_NOT_EL0), "r"(1UL) : "memory");

    seL4_CPtr ep = make(seL4_EndpointObject, 0), ntfn = make(seL4_NotificationObject, 0);
    seL4_CPtr client = next_slot++, signal = next_slot++;
    seL4_Error e = seL4_CNode_Mint(seL4_CapInitThreadCNode, client, seL4_WordBits,
                                   seL4_CapInitThreadCNode, ep, seL4_WordBits, seL4_AllRights,
                                   ROOT_BADGE);
    if (e == seL4_NoError)
        e = seL4_CNode_Mint(seL4_CapInitThreadCNode, signal, seL4_WordBits,
                            seL4_CapInitThreadCNode, ntfn, seL4_WordBits, seL4_CanWrite,
                            ROOT_BADGE);
    if (e == seL4_NoError)
        e = start_server(ep, ntfn);
    if (e != seL4_NoError) {
        fail("making the server", e);
        return 1;
    }

    /* The server runs when this thread blocks: it signals, then waits for a Call. */
    seL4_Word word = 0;
    seL4_Wait(ntfn, &word);
    seL4_SetMR(0, 41);
    seL4_MessageInfo_t answer = seL4_Call(client, seL4_MessageInfo_new(0, 0, 0, 1));
    printf("sel4bench: a server in its own CSpace and VSpace signalled 0x%lx and answered "
           "41 + badge %d = %lu (label %lu, length %lu)\n", word, ROOT_BADGE, seL4_GetMR(0),
           seL4_MessageInfo_get_label(answer), seL4_MessageInfo_get_length(answer));

    figure("call-replyrecv", samples_call, client);  /* across two address spaces */
    figure("yield", samples_yield, seL4_CapNull);     /* the only thread ready at 255 */
    figure("signal", samples_signal, signal);         /* nobody waits on ntfn */

    seL4_Poll(ntfn, &word);
    printf("sel4bench: %d Signals with badge 0x%x, then Poll: 0x%lx\n", WARM_UPS + RUNS,
           ROOT_BADGE, word);
    printf("sel4bench: done\n");
    seL4_DebugDumpScheduler();        /* a debug build's call in seL4: its threads, as ps */
    seL4_TCB_Suspend(seL4_CapInitThreadTCB);
    return 0;
}
/* ANCHOR_END: sel4bench_main */
