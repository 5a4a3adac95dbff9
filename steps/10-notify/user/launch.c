/*
 * launch.c: `run launch`: the user-level loader (loader.c) at work, in a program the kernel
 * starts. It starts programs of its archive one at a time, each from a block of its own
 * memory: `hello alice`, ipctest, kv, three of faults' faults (one it answers, so that the
 * program goes on), then hello 200 times (or, given
 * `run launch NAME ARG`, that program alone). For each it waits for the fault message that
 * says the program ended (crt0's brk) or faulted, kills it with one Revoke, and checks with
 * the kernel that every byte of the block and every slot of its own CNode came back. One
 * line per event.
 */
#include "loader.h"

/* ANCHOR: launch */
#define CHILD_PRIO  100         /* what the console's `run` gives: launch's own priority and MCP */
#define BLOCK_BITS  19          /* 512 KiB per child (launch has a 1 MiB untyped) */
#define CYCLES      200
/* ESR_EL1.EC of a brk (Arm ARM D13, "ESR_EL1, Exception Syndrome Register (EL1)") */
#define EC_BRK64    0x3c

static inline uint64_t instructions(void)    /* the cycle counter: under -icount, instructions */
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v) :: "memory");
    return v;
}

/* What a fault message says, in words (the kinds and words of loader.h's seL4 messages). */
static void print_fault(const struct proc *p, const struct proc_fault *f)
{
    const seL4_Word *mr = f->mr;
    printf("launch: %s (badge %lu) ", p->name, p->badge);
    switch (f->label) {
    case seL4_Fault_UserException:           /* crt0's brk #0 is a program's end */
        if (mr[seL4_UserException_Number] >> 26 == EC_BRK64)
            printf("%s: brk #%lu at pc 0x%lx\n",
                   mr[seL4_UserException_Number] & 0xffff ? "faulted" : "ended",
                   mr[seL4_UserException_Number] & 0xffff, mr[seL4_UserException_FaultIP]);
        else
            printf("faulted: user exception, ESR 0x%lx, at pc 0x%lx\n",
                   mr[seL4_UserException_Number], mr[seL4_UserException_FaultIP]);
        break;
    case seL4_Fault_VMFault:
        printf("faulted: VM fault, %s at 0x%lx, pc 0x%lx, ESR 0x%lx\n",
               mr[seL4_VMFault_PrefetchFault] ? "instruction" : "data", mr[seL4_VMFault_Addr],
               mr[seL4_VMFault_IP], mr[seL4_VMFault_FSR]);
        break;
    case seL4_Fault_UnknownSyscall:
        printf("faulted: unknown system call %ld at pc 0x%lx\n",
               (long)mr[seL4_UnknownSyscall_Syscall], mr[seL4_UnknownSyscall_FaultIP]);
        break;
    case seL4_Fault_CapFault:
        printf("faulted: cap fault on cptr 0x%lx at pc 0x%lx\n", mr[seL4_CapFault_Addr],
               mr[seL4_CapFault_IP]);
        break;
    default:
        printf("sent label %lu, %lu words\n", f->label, f->length);
        break;
    }
}

/* A slot of the child's CNode holds a cap if a Move onto itself finds it full. */
static const char *slot_state(const struct proc *p, seL4_Word slot)
{
    seL4_Error e = seL4_CNode_Move(p->cnode, slot, PROC_CNODE_BITS, p->cnode, slot,
                                   PROC_CNODE_BITS);
    return e == seL4_DeleteFirst ? "a cap" : e == seL4_FailedLookup ? "nothing" : "?";
}

static seL4_CPtr gift;          /* an endpoint of launch's own, given to hello as an extra cap */

/* The next message from child p: after answering its last one with `answer` (its PC, SP and
 * SPSR), or not. A message from another badge is reported and skipped. */
static void next_message(struct proc *p, const seL4_Word *answer, struct proc_fault *f)
{
    struct proc *q = answer ? proc_resume_wait(answer, 3, f) : proc_wait(f);
    while (q != p) {
        printf("launch: a message from badge %lu, not %s's\n", f->badge, p->name);
        q = proc_wait(f);
    }
}

/*
 * Start `name arg` (with `gift` as extra cap 0 if `extra`), wait for its end, kill it. A brk
 * other than crt0's #0 is a breakpoint: launch answers it with the next instruction, and the
 * program goes on. Quiet: only a failure is printed (the cycles). Returns the instructions
 * proc_start took, or 0 on a failure.
 *
 * The children run at launch's own priority, so they take turns with it at every tick. So
 * launch prints only when no child can run (before it starts one, and while one waits for
 * launch's answer to a fault message): no line of launch's lands inside a child's.
 */
static uint64_t start_wait_kill(const char *name, const char *arg, bool extra, bool quiet)
{
    struct proc *p;
    struct proc_fault f;
    if (!quiet)
        printf("launch: starting %s%s%s\n", name, arg[0] ? " " : "", arg);
    uint64_t t0 = instructions();
    const char *why = proc_start(name, arg, CHILD_PRIO, &gift, extra, &p);
    uint64_t spent = instructions() - t0;
    if (why) {
        printf("launch: starting %s: %s (%s)\n", name, why, error_name(loader_error));
        return 0;
    }
    next_message(p, 0, &f);
    for (;;) {
        if (!quiet)
            print_fault(p, &f);
        seL4_Word esr = f.mr[seL4_UserException_Number];
        if (f.label != seL4_Fault_UserException || esr >> 26 != EC_BRK64 || !(esr & 0xffff))
            break;
        seL4_Word answer[3] = { f.mr[seL4_UserException_FaultIP] + 4,
                                f.mr[seL4_UserException_SP], f.mr[seL4_UserException_SPSR] };
        if (!quiet)
            printf("launch: answered %s (badge %lu): go on at pc 0x%lx\n", name, p->badge,
                   answer[0]);
        next_message(p, answer, &f);
    }
    if (!quiet)
        printf("launch: %s (badge %lu) had %lu pages, %lu bytes of objects and an untyped of "
               "%lu KiB, made in %lu instructions\n", name, p->badge, p->pages, p->object_bytes,
               (1UL << p->untyped_bits) / 1024, spent);
    if (extra)
        printf("launch: %s's slot %d held %s (the extra cap), slot %d %s, slot %d %s (its "
               "fault endpoint)\n", name, PROC_SLOT_EXTRA(0), slot_state(p, PROC_SLOT_EXTRA(0)),
               PROC_SLOT_EXTRA(1), slot_state(p, PROC_SLOT_EXTRA(1)), PROC_SLOT_FAULT_EP,
               slot_state(p, PROC_SLOT_FAULT_EP));
    proc_kill(p);
    return spent ? spent : 1;
}

/* One program, with the leak check around it. */
static void run(const char *name, const char *arg, bool extra)
{
    seL4_Word bytes = loader_free_bytes(), slots = loader_empty_slots();
    if (!start_wait_kill(name, arg, extra, false))
        return;
    seL4_Word bytes_after = loader_free_bytes(), slots_after = loader_empty_slots();
    printf("launch: killed %s: free bytes %lu before, %lu after; empty slots %lu before, "
           "%lu after: %s\n", name, bytes, bytes_after, slots, slots_after,
           bytes == bytes_after && slots == slots_after ? "all back" : "LEAKED");
}

int main(const char *arg)
{
    /* The loader's own objects and launch's endpoint first, then the block: it goes to the
     * untyped's next 512 KiB boundary, above them (Retype places objects aligned to their
     * size, from the watermark up). */
    seL4_CPtr ut = bootinfo->untyped.start;
    const char *why = loader_init(ut, bootinfo->empty.start);
    gift = why ? 0 : loader_slot_alloc();
    if (!why && (!gift || (loader_error = seL4_Untyped_Retype(ut, seL4_EndpointObject, 0,
                                                              seL4_CapInitThreadCNode, 0, 0,
                                                              gift, 1))))
        why = "making an endpoint to give";
    if (!why && loader_add_blocks(ut, BLOCK_BITS, 1) != 1)
        why = "carving a block";
    if (why) {
        printf("launch: %s: %s\n", why, error_name(loader_error));
        return 1;
    }
    printf("launch: %lu programs in the archive; a block of %lu KiB for a child, priority %d\n",
           archive_count, (1UL << BLOCK_BITS) / 1024, CHILD_PRIO);
    if (arg[0]) {                       /* `run launch NAME [ARG]`: that program alone */
        static char name[PROC_ARG_MAX];
        unsigned n = 0;
        while (arg[n] && arg[n] != ' ' && n < sizeof name - 1) {
            name[n] = arg[n];
            n++;
        }
        while (arg[n] == ' ')
            n++;
        run(name, arg + n, false);
        printf("launch: done\n");
        return 0;
    }
    run("hello", "alice", true);
    run("ipctest", "", false);
    run("kv", "", false);
    run("faults", "write-code", false);
    run("faults", "syscall", false);
    run("faults", "brk", false);

    /* Many lives in the same block: every kill must give all of it back. */
    seL4_Word bytes = loader_free_bytes(), slots = loader_empty_slots(), differed = 0;
    uint64_t total = 0;
    unsigned done = 0;
    for (; done < CYCLES; done++) {
        uint64_t spent = start_wait_kill("hello", "again", false, true);
        if (!spent)
            break;
        total += spent;
        differed += loader_free_bytes() != bytes;
    }
    seL4_Word slots_after = loader_empty_slots();
    printf("launch: %u start/kill cycles of hello: free bytes %lu before, different after %lu "
           "kills; empty slots %lu before, %lu after; %lu instructions to start, on average\n",
           done, bytes, differed, slots, slots_after, done ? total / done : 0);
    printf("launch: done\n");
    return 0;
}
/* ANCHOR_END: launch */
