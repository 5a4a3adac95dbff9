/*
 * trap.c: what the kernel does with an exception, and the report it prints when it cannot
 * carry on.
 *
 * From its own thread, the idle thread at EL1t, the kernel expects only interrupts. From user
 * threads (EL0, step 07) it expects interrupts, system calls, and faults: those are the
 * program's, and stop only that thread. Every exception ends in the scheduler, which may
 * resume another thread than the one that trapped. Anything else is a kernel bug, and the
 * kernel panics: it prints the decoded syndrome, the addresses, every register and the
 * thread, and halts the core. Nothing hangs silently.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debug.h"
#include "endpoint.h"
#include "irq.h"
#include "kprintf.h"
#include "sched.h"
#include "sysregs.h"
#include "trap.h"
#include "uart.h"

/* ANCHOR: frame_checks */
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame is 36 words");
_Static_assert(offsetof(struct trap_frame, sp_el0) == TF_SP_EL0, "SP_EL0 is word 31");
_Static_assert(offsetof(struct trap_frame, elr) == TF_ELR, "ELR is word 32");
_Static_assert(offsetof(struct trap_frame, spsr) == TF_SPSR, "SPSR is word 33");
_Static_assert(offsetof(struct trap_frame, fault_ip) == TF_FAULT_IP, "FaultIP is word 34");
_Static_assert(offsetof(struct trap_frame, tpidr_el0) == TF_TPIDR_EL0, "TPIDR_EL0 is word 35");

/* SP_EL1 points here while kernel_main runs at EL1t, before the first thread starts
 * (16-byte aligned: SCTLR_EL1.SA). */
struct trap_frame boot_frame __attribute__((aligned(16)));
/* ANCHOR_END: frame_checks */

/* ANCHOR: esr */
/* ESR_EL1, Exception Syndrome Register: EC says which kind of exception, ISS the details. */
#define ESR_EC(esr)      (((esr) >> 26) & 0x3f)   /* EC, bits 31:26: exception class */
#define ESR_ISS(esr)     ((esr) & 0x1ffffff)     /* ISS, bits 24:0 */
#define ESR_FSC(esr)     ((esr) & 0x3f)          /* DFSC/IFSC, bits 5:0: fault status code */
#define ESR_WNR          (UL(1) << 6)            /* WnR (data aborts): the access was a write */
#define ESR_S1PTW        (UL(1) << 7)            /* S1PTW: the fault hit a table walk */

#define EC_UNKNOWN       0x00    /* unknown reason: mostly an undefined instruction */
#define EC_SVC64         0x15    /* svc from AArch64 */
#define EC_IABT_LOWER    0x20    /* instruction abort from a lower EL */
#define EC_IABT_SAME     0x21    /* instruction abort from the same EL */
#define EC_PC_ALIGN      0x22    /* PC not 4-byte aligned */
#define EC_DABT_LOWER    0x24    /* data abort from a lower EL */
#define EC_DABT_SAME     0x25    /* data abort from the same EL */
#define EC_SP_ALIGN      0x26    /* SP not 16-byte aligned (SCTLR_EL1.SA/SA0) */
#define EC_SERROR        0x2F    /* SError: an asynchronous external abort */
#define EC_BRK64         0x3C    /* brk from AArch64 */

/* A name for each exception class this kernel can meet. */
static const char *ec_name(uint64_t ec)
{
    switch (ec) {
    case EC_UNKNOWN:     return "undefined instruction (unknown reason)";
    case 0x01:           return "wfi/wfe trapped";
    case 0x07:           return "FP/SIMD access trapped";
    case 0x0E:           return "illegal execution state";
    case EC_SVC64:       return "svc (system call)";
    case 0x18:           return "msr/mrs trapped";
    case EC_IABT_LOWER:  return "instruction abort, lower EL";
    case EC_IABT_SAME:   return "instruction abort, same EL";
    case EC_PC_ALIGN:    return "PC alignment fault";
    case EC_DABT_LOWER:  return "data abort, lower EL";
    case EC_DABT_SAME:   return "data abort, same EL";
    case EC_SP_ALIGN:    return "SP alignment fault";
    case EC_SERROR:      return "SError";
    case 0x30: case 0x31: return "breakpoint";
    case 0x32: case 0x33: return "software step";
    case 0x34: case 0x35: return "watchpoint";
    case EC_BRK64:       return "brk instruction";
    default:             return "unexpected class";
    }
}
/* ANCHOR_END: esr */

/* ANCHOR: fsc */
/* Print what a DFSC/IFSC fault status code means. The low two bits of the four families
 * below are the translation level at which the walk stopped. */
static void print_fsc(uint64_t fsc)
{
    static const char *const family[4] = {
        "address size fault", "translation fault", "access flag fault", "permission fault",
    };
    if (fsc < 0x10)
        kprintf("%s, level %lu", family[fsc >> 2], fsc & 3);
    else if (fsc == 0x10)
        kprintf("synchronous external abort");
    else if (fsc >= 0x14 && fsc <= 0x17)
        kprintf("external abort on a table walk, level %lu", fsc & 3);
    else if (fsc == 0x21)
        kprintf("alignment fault");
    else if (fsc == 0x30)
        kprintf("TLB conflict abort");
    else
        kprintf("fault status 0x%lx", fsc);
}
/* ANCHOR_END: fsc */

/* ANCHOR: report */
static const char *const vector_source[4] = {
    "current EL with SP_EL0", "current EL with SP_EL1", "lower EL (AArch64)", "lower EL (AArch32)",
};
static const char *const vector_kind[4] = { "synchronous", "IRQ", "FIQ", "SError" };

/* Guard pages from link.ld: a fault there is a stack overflow. */
extern char __kstack_guard[], __boot_stack_guard[];

static const char *el_name(uint64_t spsr)
{
    switch (spsr & SPSR_M_MASK) {
    case SPSR_M_EL0T: return "EL0t";
    case SPSR_M_EL1T: return "EL1t";
    case SPSR_M_EL1H: return "EL1h";
    default:          return "EL?";
    }
}

/* Print everything known about the exception that brought us to `tf`. */
static void report(const struct trap_frame *tf, uint64_t vector, uint64_t esr, uint64_t far)
{
    uint64_t ec = ESR_EC(esr);
    int sync = vector % 4 == 0 || vector % 4 == 3;  /* ESR is valid for sync and SError only */

    kprintf("\n*** %s exception from %s (vector %lu)\n", vector_kind[vector % 4],
            vector_source[vector / 4], vector);
    if (sync) {
        kprintf("  class   %s (EC 0x%02lx)\n", ec_name(ec), ec);
        kprintf("  ESR_EL1 0x%08lx  ISS 0x%07lx\n", esr, ESR_ISS(esr));
    }
    if (sync && (ec == EC_DABT_SAME || ec == EC_DABT_LOWER || ec == EC_IABT_SAME ||
                 ec == EC_IABT_LOWER)) {
        int data = ec == EC_DABT_SAME || ec == EC_DABT_LOWER;
        kprintf("  fault   ");
        print_fsc(ESR_FSC(esr));
        kprintf(" (%s 0x%02lx)", data ? "DFSC" : "IFSC", ESR_FSC(esr));
        if (data)
            kprintf(", %s", esr & ESR_WNR ? "write (WnR=1)" : "read (WnR=0)");
        if (esr & ESR_S1PTW)
            kprintf(", during a table walk");
        kprintf("\n  FAR_EL1 0x%016lx\n", far);
        uint64_t page = far & ~UL(0xfff);
        if (page == (uint64_t)__boot_stack_guard)
            kprintf("  note    FAR is in the guard page below the boot stack: stack overflow\n");
        else if (page == (uint64_t)__kstack_guard)
            kprintf("  note    FAR is in the guard page below the kernel stack: stack overflow\n");
    } else if (sync && (ec == EC_PC_ALIGN || ec == EC_SP_ALIGN)) {
        kprintf("  FAR_EL1 0x%016lx\n", far);
    }
    kprintf("  ELR_EL1 0x%016lx  SPSR_EL1 0x%08lx (%s, DAIF %lx)\n", tf->elr, tf->spsr,
            el_name(tf->spsr), (tf->spsr >> 6) & 0xf);
    for (int i = 0; i < 31; i++)
        kprintf("  x%-2d 0x%016lx%s", i, tf->x[i], i % 3 == 2 ? "\n" : "");
    kprintf("  sp_el0 0x%016lx\n", tf->sp_el0);
}
/* ANCHOR_END: report */

/* ANCHOR: panic */
/* Report the exception and halt this core with every interrupt masked. A second panic while
 * reporting (the report itself faulted) prints one line and halts at once. */
void trap_panic(struct trap_frame *tf, uint64_t vector)
{
    static volatile int panicking;

    if (panicking++) {
        kprintf("\n*** nested exception (vector %lu) while panicking: halted\n", vector);
    } else {
        report(tf, vector, sysreg_read(esr_el1), sysreg_read(far_el1));
        const struct tcb *t = sched_current();
        if (t && tf == &t->regs)
            kprintf("  thread  %u (%s)\n", t->id, t->name);
        kprintf("*** kernel panic: core 0 halted\n");
    }
    for (;;)
        __asm__ volatile("wfe");
}
/* ANCHOR_END: panic */

/* ANCHOR: user_fault */
#define VECTOR_LOWER_SYNC 8      /* exception.S: a synchronous exception from EL0 */
#define EC_FP_TRAP        0x07   /* FP/SIMD access trapped by CPACR_EL1.FPEN */
#define ESR_BRK_IMM(esr)  ((esr) & 0xffff)   /* brk #imm16 */

/* The fault's kind, in words: what the syndrome says happened. */
static void print_fault_kind(uint64_t esr, const struct trap_frame *tf)
{
    uint64_t ec = ESR_EC(esr);
    switch (ec) {
    case EC_DABT_LOWER:
        kprintf("data abort (%s), ", esr & ESR_WNR ? "write" : "read");
        print_fsc(ESR_FSC(esr));
        break;
    case EC_IABT_LOWER:
        kprintf("instruction abort, ");
        print_fsc(ESR_FSC(esr));
        break;
    case EC_UNKNOWN:   kprintf("undefined instruction"); break;
    case EC_FP_TRAP:   kprintf("FP/SIMD instruction (FP is off: CPACR_EL1.FPEN)"); break;
    case EC_PC_ALIGN:  kprintf("PC alignment fault"); break;
    case EC_SP_ALIGN:  kprintf("SP alignment fault"); break;
    case EC_BRK64:     kprintf("brk #%lu", ESR_BRK_IMM(esr)); break;
    case EC_SVC64:     kprintf("unknown syscall %ld", (long)tf->x[7]); break;
    default:           kprintf("%s (EC 0x%02lx)", ec_name(ec), ec); break;
    }
}

/* A user thread did something the kernel will not do for it. One line says what happened
 * (always: it is this kernel's record of faults). Then, from step 10, the fault goes to the
 * thread's fault handler, as seL4 sends it (ipc.c's fault_send): an abort is a VM fault (the
 * address, instruction or data, ESR), an unknown system call says its number, anything else
 * (brk, an undefined instruction, FP, alignment) is a user exception with ESR as its number.
 * With no handler the thread stops: it becomes Inactive, and everything else carries on.
 * FAR_EL1 means something only for aborts and a misaligned PC; otherwise 0 is printed. */
static void user_fault(struct trap_frame *tf, uint64_t esr)
{
    uint64_t ec = ESR_EC(esr);
    bool far_valid = ec == EC_DABT_LOWER || ec == EC_IABT_LOWER || ec == EC_PC_ALIGN;
    uint64_t far = far_valid ? sysreg_read(far_el1) : 0;
    struct tcb *t = sched_current();

    kprintf("fault: %s[%u] ", t->name, t->id);
    print_fault_kind(esr, tf);
    kprintf(" pc=0x%016lx far=0x%016lx esr=0x%08lx\n", tf->fault_ip, far, esr);
    uint64_t w[FAULT_WORDS] = { esr };        /* a user exception: number ESR, code 0 */
    enum fault_type type = FAULT_USER_EXCEPTION;
    if (ec == EC_DABT_LOWER || ec == EC_IABT_LOWER) {
        type = FAULT_VM;                      /* address, prefetch, FSR (ESR on AArch64) */
        w[0] = ec == EC_IABT_LOWER ? tf->fault_ip : far;
        w[1] = ec == EC_IABT_LOWER;
        w[2] = esr;
    } else if (ec == EC_SVC64) {
        type = FAULT_UNKNOWN_SYSCALL;
        w[0] = tf->x[7];
    }
    if (!fault_send(t, type, w))
        sched_block(THREAD_INACTIVE);
}
/* ANCHOR_END: user_fault */

/* ANCHOR: handle */
/* A system call from EL0: the number in x7 (seL4's ABI; the svc's immediate is ignored, as
 * seL4 does). The kernel reads registers only, never memory the program points to. */
static void user_syscall(struct trap_frame *tf, uint64_t esr)
{
    switch ((int64_t)tf->x[7]) {
    case SYS_BENCHMARK_NULL_SYSCALL:
        return;                   /* in and out: what a system call costs at the least */
    case SYS_YIELD:
        sched_yield();
        return;
    case SYS_DEBUG_PUT_CHAR:
        uart_putc((char)tf->x[0]);
        return;
    case SYS_DEBUG_THREAD_ID:         /* ours: the console's `run` line names the thread */
        debug_thread_id(sched_current());
        return;
    case SYS_DEBUG_DUMP_SCHEDULER:    /* step 10: what `ps` printed when the console was ours */
        debug_dump_scheduler();
        return;
    case SYS_DEBUG_NAME_THREAD:   /* step 10: a thread's name, for `ps` and fault lines */
        tcb_debug_name(sched_current());
        return;
    case SYS_CALL:                /* step 08: invoke a cap and wait for the answer */
        sys_invoke(sched_current(), esr, true, true);
        return;
    case SYS_SEND:                /* invoke, no answer */
        sys_invoke(sched_current(), esr, false, true);
        return;
    case SYS_NB_SEND:             /* invoke, no answer, and a bad cptr is ignored */
        sys_invoke(sched_current(), esr, false, false);
        return;
    case SYS_RECV:                /* step 09: wait for a message on an endpoint */
        sys_recv(sched_current(), esr, true);
        return;
    case SYS_NB_RECV:             /* take one if there is one */
        sys_recv(sched_current(), esr, false);
        return;
    case SYS_REPLY:               /* answer the last Call received */
        ipc_reply(sched_current());
        return;
    case SYS_REPLY_RECV:          /* answer it, and wait for the next */
        ipc_reply(sched_current());
        sys_recv(sched_current(), esr, true);
        return;
    default:
        user_fault(tf, esr);      /* an unknown number stops the thread, as a fault */
    }
}

/* Called by exception.S for the "current EL with SP_EL0" and "lower EL" entries, on the kernel
 * stack, with the interrupted thread's registers saved in *tf, which is in its TCB. Returns
 * the frame to resume: the scheduler's answer, which is another thread's when it switches.
 * The trap frame's ELR already points after an svc; FaultIP names the svc itself (seL4's
 * rule, so that a restarted call re-executes it). */
struct trap_frame *trap_handle(struct trap_frame *tf, uint64_t vector)
{
    uint64_t esr = sysreg_read(esr_el1);

    if (vector % 4 == 1) {        /* IRQ: the controllers say from where */
        irq_handle();
    } else if (vector == VECTOR_LOWER_SYNC && ESR_EC(esr) == EC_SVC64) {
        tf->fault_ip = tf->elr - 4;
        user_syscall(tf, esr);
    } else if (vector == VECTOR_LOWER_SYNC) {
        user_fault(tf, esr);      /* the program's fault, not the kernel's */
    } else {
        trap_panic(tf, vector);   /* a kernel fault, an svc at EL1, FIQs, SErrors: bugs */
    }
    return sched_next();
}
/* ANCHOR_END: handle */
