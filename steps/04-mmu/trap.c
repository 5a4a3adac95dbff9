/*
 * trap.c: what the kernel does with an exception, and the report it prints when it cannot
 * carry on.
 *
 * In this step the only exception the kernel expects is `svc` from the code running at EL1t
 * (kernel_main's console): it is handled and returns. Anything else is a kernel bug, and the
 * kernel panics: it prints the decoded syndrome, the addresses and every register, and halts
 * the core. Nothing hangs silently.
 */
#include <stddef.h>
#include <stdint.h>

#include "kprintf.h"
#include "sysregs.h"
#include "trap.h"

/* ANCHOR: frame_checks */
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame is 36 words");
_Static_assert(offsetof(struct trap_frame, sp_el0) == TF_SP_EL0, "SP_EL0 is word 31");
_Static_assert(offsetof(struct trap_frame, elr) == TF_ELR, "ELR is word 32");
_Static_assert(offsetof(struct trap_frame, spsr) == TF_SPSR, "SPSR is word 33");
_Static_assert(offsetof(struct trap_frame, fault_ip) == TF_FAULT_IP, "FaultIP is word 34");
_Static_assert(offsetof(struct trap_frame, tpidr_el0) == TF_TPIDR_EL0, "TPIDR_EL0 is word 35");

/* SP_EL1 points here while kernel_main runs at EL1t (16-byte aligned: SCTLR_EL1.SA). */
struct trap_frame boot_frame __attribute__((aligned(16)));
/* ANCHOR_END: frame_checks */

/* ANCHOR: esr */
/* ESR_EL1, Exception Syndrome Register: EC says which kind of exception, ISS the details. */
#define ESR_EC(esr)      (((esr) >> 26) & 0x3f)   /* EC, bits 31:26: exception class */
#define ESR_IL           (UL(1) << 25)           /* IL: the instruction was 32 bits */
#define ESR_ISS(esr)     ((esr) & 0x1ffffff)     /* ISS, bits 24:0 */
#define ESR_FSC(esr)     ((esr) & 0x3f)          /* DFSC/IFSC, bits 5:0: fault status code */
#define ESR_WNR          (UL(1) << 6)            /* WnR (data aborts): the access was a write */
#define ESR_S1PTW        (UL(1) << 7)            /* S1PTW: the fault hit a table walk */
#define ESR_SVC_IMM(esr) ((esr) & 0xffff)        /* svc #imm16 */

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
    // EXERCISE: esr_decode: turn the syndrome into words (Arm ARM D13, "ESR_EL1"): here, a name for each exception class ESR_EL1.EC (its table of EC values), at least those of the EC_ constants above and "unexpected class" for the rest (the checks read "undefined instruction (unknown reason)" for 0x00, "instruction abort, same EL" for 0x21, "data abort, same EL" for 0x25); in print_fsc below, what a data or instruction abort's fault status code DFSC/IFSC means
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
    // EXERCISE_STANDIN: esr_decode
    //     (void)ec;
    //     return "unexpected class";
    // EXERCISE_END: esr_decode
}
/* ANCHOR_END: esr */

/* ANCHOR: fsc */
/* Print what a DFSC/IFSC fault status code means. The low two bits of the four families
 * below are the translation level at which the walk stopped. */
static void print_fsc(uint64_t fsc)
{
    // EXERCISE: esr_decode: print what the fault status code DFSC/IFSC (ESR_EL1.ISS bits 5:0; Arm ARM D13, "ESR_EL1", the ISS encoding for an exception from a Data Abort, and from an Instruction Abort) means: codes 0b0000LL to 0b0011LL as "address size fault", "translation fault", "access flag fault" or "permission fault" followed by ", level L"; 0x10 "synchronous external abort"; 0x14-0x17 "external abort on a table walk, level L"; 0x21 "alignment fault"; 0x30 "TLB conflict abort"; anything else "fault status 0x.."
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
    // EXERCISE_STANDIN: esr_decode
    //     kprintf("fault status 0x%lx", fsc);
    // EXERCISE_END: esr_decode
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
        kprintf("*** kernel panic: core 0 halted\n");
    }
    for (;;)
        __asm__ volatile("wfe");
}
/* ANCHOR_END: panic */

/* ANCHOR: handle */
static volatile uint64_t svc_count;

/* The one system call of this step: it answers with its own immediate in x0 and counts. The
 * trap frame's ELR already points after the svc; FaultIP names the svc itself (seL4's rule,
 * so that a restarted call re-executes it). */
static void handle_svc(struct trap_frame *tf, uint64_t esr)
{
    tf->fault_ip = tf->elr - 4;
    tf->x[0] = ESR_SVC_IMM(esr);
    svc_count++;
}

/* Called by exception.S for the "current EL with SP_EL0" and "lower EL" entries, on the kernel
 * stack, with the interrupted registers in *tf. Returns the frame to resume. */
struct trap_frame *trap_handle(struct trap_frame *tf, uint64_t vector)
{
    uint64_t esr = sysreg_read(esr_el1);

    if (vector % 4 == 0 && ESR_EC(esr) == EC_SVC64) {
        handle_svc(tf, esr);
        return tf;
    }
    trap_panic(tf, vector);       /* faults, IRQs, SErrors: no handler in this step */
}

uint64_t trap_svc_count(void)
{
    return svc_count;
}
/* ANCHOR_END: handle */
