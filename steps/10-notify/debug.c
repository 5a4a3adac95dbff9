/*
 * debug.c: seL4_DebugDumpScheduler (system call -10), the one window into the kernel that the
 * console keeps when it leaves the kernel in step 10. seL4's debug kernels print their
 * threads for it; this one prints what the kernel console's `ps` printed in steps 06-09, in
 * the same columns, through the polled UART, as it prints its banner and panics. And one call
 * of ours, not seL4's, that lets the console speak of threads by the same numbers.
 */
#include "debug.h"

#include <stdint.h>

#include "cnode.h"
#include "format.h"
#include "kprintf.h"
#include "tcb.h"
#include "vspace.h"

/* ANCHOR: debug_dump_scheduler */
/* Every thread, in fixed columns, then what is left of the two things the kernel has only so
 * many of: thread numbers and ASIDs (memory is init's: its untypeds). The kernel runs with
 * IRQs masked, so the rows are one moment. */
void debug_dump_scheduler(void)
{
    kprintf("  ID NAME             STATE         PRIO      TICKS  ASID\n");
    for (uint64_t id = 0; id < MAX_THREADS; id++) {
        struct tcb *t = tcb_by_id(id);
        if (!t)
            continue;
        char prio[8] = "-";
        if (t->state != THREAD_IDLE)
            ksnprintf(prio, sizeof prio, "%u", t->priority);
        kprintf("%4u %-16s %-13s %4s %10lu", t->id, t->name, thread_state_name(t->state), prio,
                (unsigned long)t->ticks_used);
        uint32_t asid = (uint32_t)(tcb_ttbr0(t) >> 48);
        if (asid)
            kprintf(" %5u", asid);             /* the idle thread has no address space */
        kprintf("\n");
    }
    kprintf("%u of %u thread ids free, %u of %u ASIDs free\n", tcb_free_ids(), MAX_THREADS,
            vspace_free_asids(), ASID_COUNT - ASID_FIRST);
}
/* ANCHOR_END: debug_dump_scheduler */

/* ANCHOR: debug_thread_id */
/* Ours, not seL4's (system call -100): the kernel's number for the thread whose TCB cap is
 * x0 in the caller's CSpace, and the ASID of its address space, in x0 and x1 (x0 = -1 if x0
 * names no TCB). seL4 numbers no threads; this kernel does, for `ps` and its fault lines, and
 * the console, which starts programs from user space since step 10, needs the number to say
 * which thread it started, as the kernel console did. */
void debug_thread_id(struct tcb *caller)
{
    struct lookup_fault f;
    struct cte *s = cspace_lookup(tcb_slots(caller)[TCB_CSPACE].cap, caller->regs.x[0], &f);
    if (!s || cap_type(s->cap) != CAP_THREAD) {
        caller->regs.x[0] = UINT64_MAX;
        return;
    }
    struct tcb *t = tcb_of(s->cap);
    caller->regs.x[0] = t->id;
    caller->regs.x[1] = tcb_ttbr0(t) >> 48;
}
/* ANCHOR_END: debug_thread_id */
