/*
 * ping.c: what a round trip through an endpoint costs, counted the way seL4's own figures
 * (chapter 09 sets them side by side) were: a client thread Calls, a server answers with
 * ReplyRecv, and the client reads the PMU's cycle counter before and after. Under QEMU's
 * -icount the counter counts instructions, so the numbers are the same on every run.
 *
 * The client's and the server's loops are in assembly, so that the count holds exactly the
 * instructions seL4's measurement held: the client's `mrs`, four `mov`s and `svc` (6), the
 * server's loop (5: `and`, `mov`, `mov`, `svc`, `b`), and the kernel's two trips (Call and
 * ReplyRecv) between them. A second counter, PMU event 0x08 (instructions retired) with
 * EL0 filtered out, counts the kernel's part alone.
 *
 * Three rows, in the format of the kernel's `bench` command (bench.c starts this program):
 *     call-replyrecv      1 word each way, both threads in one address space
 *     call-replyrecv-2as  the same with the server in an address space of its own
 *     call-replyrecv-10   10 words each way (more than 4: the slowpath)
 * Each is the least of SAMPLES round trips after WARM_UPS (a tick inside one adds ~150).
 * `run ping [PRIO]`: PRIO is this thread's priority (100 for `run`, bench's for bench), which
 * the servers get too.
 */
#include "ulib.h"

/* ANCHOR: ping_stubs */
/* ping_server: x19 = the endpoint's cptr. Receive the first Call, then answer each with a
 * message as long as the one received (label 0, the words it came with) and wait for the
 * next, in one ReplyRecv: five instructions a round trip.
 *
 * ping_client(ep, length, cycles[], kernel[], n): n round trips of `length` words; for each,
 * the cycle counter's difference (all instructions, user and kernel) and event counter 0's
 * (the kernel's alone). The first `mrs` of a sample and the one after `svc` bound it: in
 * between, four `mov`s and the `svc`. (The `eret` back to the client synchronises the
 * context: no `isb` is needed after it.) */
__asm__(
    "    .text\n"
    "    .balign 64\n"
    "    .global ping_server\n"
    "ping_server:\n"
    "    mov     x0, x19\n"
    "    mov     x7, #-5\n"              /* Recv, the first time */
    "    svc     #0\n"
    "1:  and     x1, x1, #0x7f\n"        /* the answer: label 0, the same length */
    "    mov     x0, x19\n"
    "    mov     x7, #-2\n"              /* ReplyRecv */
    "    svc     #0\n"
    "    b       1b\n"
    "\n"
    "    .balign 64\n"
    "    .global ping_client\n"
    "ping_client:\n"                     /* x0 ep, x1 length, x2 cycles, x3 kernel, x4 n */
    "    mov     x9, x0\n"
    "    mov     x10, x1\n"
    "    mov     x11, x2\n"              /* x2-x5 carry MR0-MR3: move the rest away */
    "    mov     x12, x3\n"
    "    mov     x13, x4\n"
    "2:  isb\n"
    "    mrs     x14, pmevcntr0_el0\n"
    "    mrs     x15, pmccntr_el0\n"     /* the sample starts */
    "    mov     x1, x10\n"              /* msginfo: label 0, the length */
    "    mov     x0, x9\n"               /* the endpoint */
    "    mov     x2, #42\n"              /* MR0 */
    "    mov     x7, #-1\n"              /* Call */
    "    svc     #0\n"
    "    mrs     x16, pmccntr_el0\n"     /* and ends */
    "    mrs     x17, pmevcntr0_el0\n"
    "    sub     x16, x16, x15\n"
    "    sub     x17, x17, x14\n"
    "    str     x16, [x11], #8\n"
    "    str     x17, [x12], #8\n"
    "    subs    x13, x13, #1\n"
    "    b.ne    2b\n"
    "    ret\n");
/* ANCHOR_END: ping_stubs */

void ping_server(void);
void ping_client(seL4_CPtr ep, seL4_Word length, uint64_t *cycles, uint64_t *kernel,
                 uint64_t n);

#define SAMPLES   1000
#define WARM_UPS  16
#define KERNEL_INSTRUCTIONS  (0x08 | 1UL << 30)   /* INST_RETIRED, not counted at EL0 (U) */

static seL4_CPtr ut, next_slot;

static seL4_CPtr make(seL4_Word type, seL4_Word size_bits)
{
    seL4_CPtr slot = next_slot++;
    seL4_Error e = seL4_Untyped_Retype(ut, type, size_bits, seL4_CapInitThreadCNode, 0, 0,
                                       slot, 1);
    if (e)
        printf("ping: retype of type %lu: %s\n", type, error_name(e));
    return e ? 0 : slot;
}

/* Map a frame in `vspace`, making page tables as needed: read-write, or read-only and
 * executable for code. */
static seL4_Error map(seL4_CPtr frame, seL4_CPtr vspace, seL4_Word va, int code)
{
    for (;;) {
        seL4_Error e = seL4_ARM_Page_Map(frame, vspace, va, code ? seL4_CanRead : seL4_ReadWrite,
                                         code ? seL4_ARM_Default_VMAttributes
                                              : seL4_ARM_Default_VMAttributes |
                                                seL4_ARM_ExecuteNever);
        if (e != seL4_FailedLookup)
            return e;
        seL4_CPtr pt = make(seL4_ARM_PageTableObject, 0);
        if (!pt || (e = seL4_ARM_PageTable_Map(pt, vspace, va, seL4_ARM_Default_VMAttributes)))
            return pt ? e : seL4_NotEnoughMemory;
    }
}

#define SERVER_STACK  0x10000000UL    /* each server's stack page, and its IPC buffer after */
#define SERVER_IPC    0x10002000UL

/* A server thread running ping_server on endpoint `ep`, in `vspace` (whose stack and IPC
 * buffer pages this maps), sharing this thread's CSpace, at priority `prio`. */
static seL4_Error server(seL4_CPtr ep, seL4_CPtr vspace, seL4_Word prio)
{
    seL4_CPtr tcb = make(seL4_TCBObject, 0), stack = make(seL4_ARM_SmallPageObject, 0);
    seL4_CPtr ipc = make(seL4_ARM_SmallPageObject, 0);
    if (!tcb || !stack || !ipc)
        return seL4_NotEnoughMemory;
    seL4_UserContext regs = { .pc = (seL4_Word)ping_server, .sp = SERVER_STACK + 4096,
                              .x19 = ep };
    seL4_Error e = map(stack, vspace, SERVER_STACK, 0);
    if (!e)
        e = map(ipc, vspace, SERVER_IPC, 0);
    if (!e)
        e = seL4_TCB_Configure(tcb, 0, seL4_CapInitThreadCNode, 0, vspace, 0, SERVER_IPC, ipc);
    if (!e)
        e = seL4_TCB_SetPriority(tcb, seL4_CapInitThreadTCB, prio);
    if (!e)
        e = seL4_TCB_WriteRegisters(tcb, 1, 0, sizeof regs / sizeof(seL4_Word), &regs);
    return e;
}

/* A new address space with ping_server's code page in it, at the same address: a copy of
 * this program's own frame cap (a frame is mapped once per cap). */
static seL4_CPtr address_space(void)
{
    seL4_CPtr vspace = make(seL4_ARM_VSpaceObject, 0), code = next_slot++;
    seL4_Word page = (seL4_Word)ping_server & ~0xfffUL;
    seL4_CPtr frame = bootinfo->userImageFrames.start + (page - 0x400000) / 4096;
    seL4_Error e = vspace ? seL4_NoError : seL4_NotEnoughMemory;
    if (!e)
        e = seL4_CNode_Copy(seL4_CapInitThreadCNode, code, 64, seL4_CapInitThreadCNode, frame,
                            64, seL4_CanRead);
    if (!e)
        e = map(code, vspace, page, 1);
    if (e)
        printf("ping: the server's address space: %s\n", error_name(e));
    return e ? 0 : vspace;
}

static uint64_t cycles[WARM_UPS + SAMPLES], kernel[WARM_UPS + SAMPLES];

static void sort(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* One row: the least round trip of SAMPLES after WARM_UPS, with the kernel's part. */
static void row(const char *key, seL4_CPtr ep, seL4_Word length, const char *what)
{
    ping_client(ep, length, cycles, kernel, WARM_UPS + SAMPLES);
    sort(cycles + WARM_UPS, SAMPLES);
    sort(kernel + WARM_UPS, SAMPLES);
    printf("bench: %s %lu cycles %s (min of %d; median %lu; the kernel's part %lu)\n", key,
           cycles[WARM_UPS], what, SAMPLES, cycles[WARM_UPS + SAMPLES / 2], kernel[WARM_UPS]);
}

int main(const char *arg)
{
    seL4_Word prio = 0;
    for (const char *s = arg; *s >= '0' && *s <= '9'; s++)
        prio = prio * 10 + (seL4_Word)(*s - '0');
    if (!prio)
        prio = 100;                   /* `run ping`: the priority `run` gives */
    next_slot = bootinfo->empty.start;
    ut = bootinfo->untyped.start;
    /* The event counter: set up from EL0, which the kernel allows (PMUSERENR_EL0.EN). */
    __asm__ volatile("msr pmevtyper0_el0, %0; msr pmcntenset_el0, %1; isb"
                     :: "r"(KERNEL_INSTRUCTIONS), "r"(1UL) : "memory");
    seL4_CPtr ep = make(seL4_EndpointObject, 0), ep2 = make(seL4_EndpointObject, 0);
    seL4_CPtr vspace = address_space();
    if (!ep || !ep2 || !vspace)
        return 1;
    seL4_Error e = server(ep, seL4_CapInitThreadVSpace, prio);
    if (!e)
        e = server(ep2, vspace, prio);
    if (e) {
        printf("ping: the servers: %s\n", error_name(e));
        return 1;
    }
    row("call-replyrecv", ep, 1, "Call and ReplyRecv, 1 word, one address space");
    row("call-replyrecv-2as", ep2, 1, "Call and ReplyRecv, 1 word, two address spaces");
    row("call-replyrecv-10", ep, 10, "Call and ReplyRecv, 10 words, one address space");
    return 0;
}
