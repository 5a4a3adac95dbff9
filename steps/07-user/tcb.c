/*
 * tcb.c: the pool of thread control blocks, and how a new thread's first trap frame is made.
 *
 * There is no memory allocator in this kernel, so threads come from a fixed pool of
 * TCB_POOL_SIZE TCBs, each with a stack of its own. Running out is an answer (tcb_alloc
 * returns 0), never a crash. Like everything that changes the scheduler's data, these
 * functions run with IRQs masked: in the kernel (where they always are), or in a kernel
 * thread that masked them itself (the console).
 */
#include "tcb.h"

#include <stddef.h>
#include <stdint.h>

#include "irq.h"
#include "sched.h"
#include "syscall.h"
#include "sysregs.h"

/* ANCHOR: tcb_pool */
/* 16-byte alignment: SP_EL1 points at a TCB while its thread runs, and SCTLR_EL1.SA makes
 * every SP-based access fault unless SP is a multiple of 16. */
static struct tcb pool[TCB_POOL_SIZE] __attribute__((aligned(16)));
static uint8_t stacks[TCB_POOL_SIZE][THREAD_STACK_SIZE] __attribute__((aligned(16)));
static uint32_t free_count = TCB_POOL_SIZE;

/* The first TCB not in use, or 0. Call with IRQs masked. */
struct tcb *tcb_alloc(void)
{
    for (uint32_t i = 0; i < TCB_POOL_SIZE; i++) {
        struct tcb *t = &pool[i];
        if (!t->in_use) {
            t->in_use = true;
            t->id = i;
            t->state = THREAD_INACTIVE;
            free_count--;
            return t;
        }
    }
    return 0;
}

/* Give t back to the pool. t must be Inactive and in no queue (sched_kill sees to it). */
void tcb_free(struct tcb *t)
{
    t->in_use = false;
    free_count++;
}

struct tcb *tcb_by_id(uint64_t id)
{
    if (id >= TCB_POOL_SIZE || !pool[id].in_use)
        return 0;
    return &pool[id];
}

uint32_t tcb_free_count(void)
{
    return free_count;
}

void *tcb_stack_top(const struct tcb *t)
{
    return stacks[t->id] + THREAD_STACK_SIZE;
}
/* ANCHOR_END: tcb_pool */

/* ANCHOR: tcb_setup */
/* Every register of a new thread is 0 but these. It starts at EL1t with IRQs unmasked
 * (SPSR_EL1.I = 0) and D, A, F masked, as kernel_main ran in step 05. */
#define THREAD_SPSR (SPSR_M_EL1T | SPSR_D | SPSR_A | SPSR_F)

/*
 * Make t a thread that will run entry(arg) on the stack below stack_top, at `priority`, when
 * the scheduler first picks it. Nothing runs yet: the thread exists as a trap frame that looks
 * as if it had been interrupted just before the first instruction of entry. eret through that
 * frame starts it. If entry returns, it returns to thread_exit (the link register, x30).
 * t stays Inactive until sched_resume.
 */
void tcb_setup(struct tcb *t, const char *name, thread_entry *entry, uint64_t arg,
               void *stack_top, uint8_t priority)
{
    uint64_t *w = (uint64_t *)&t->regs;
    for (size_t i = 0; i < sizeof t->regs / sizeof *w; i++)
        w[i] = 0;
    t->regs.x[0] = arg;                           /* the first argument (AAPCS64) */
    t->regs.x[30] = (uint64_t)thread_exit;        /* where `ret` from entry goes */
    t->regs.sp_el0 = (uint64_t)stack_top;         /* 16-byte aligned: SCTLR_EL1.SA0 */
    t->regs.elr = (uint64_t)entry;                /* eret jumps here ... */
    t->regs.spsr = THREAD_SPSR;                   /* ... at EL1t, IRQs on */
    t->state = THREAD_INACTIVE;
    t->priority = priority;
    t->queued = false;
    t->next = t->prev = 0;
    t->timeslice = SCHED_TIMESLICE;
    t->ticks_used = 0;
    t->vspace = 0;
    size_t i = 0;
    for (; name[i] && i < TCB_NAME_MAX - 1; i++)
        t->name[i] = name[i];
    t->name[i] = '\0';
}
/* ANCHOR_END: tcb_setup */

/* ANCHOR: thread_spawn */
/* A new thread in a free TCB, on that TCB's stack, runnable at once: the TCB, or 0 when the
 * pool is empty. Callable with IRQs masked or not; the caller then calls sched_preempt_point
 * (with IRQs unmasked) if the new thread may outrank it. */
struct tcb *thread_spawn(const char *name, thread_entry *entry, uint64_t arg, uint8_t priority)
{
    uint64_t daif = irq_save();
    struct tcb *t = tcb_alloc();
    if (t) {
        tcb_setup(t, name, entry, arg, tcb_stack_top(t), priority);
        sched_resume(t);
    }
    irq_restore(daif);
    return t;
}
/* ANCHOR_END: thread_spawn */

/* ANCHOR: thread_exit */
/* A thread whose entry function returns comes here, on its own stack: it becomes Inactive,
 * as seL4 leaves a thread that has nothing more to do, and keeps its TCB until `kill` frees
 * it. Yield enters the kernel, which does not queue an Inactive thread again: it never
 * comes back. */
void thread_exit(void)
{
    irq_disable();
    sched_block(THREAD_INACTIVE);
    sys_yield();
    for (;;)
        ;                                         /* not reached */
}
/* ANCHOR_END: thread_exit */

/* ANCHOR: state_names */
const char *thread_state_name(enum thread_state s)
{
    static const char *const names[THREAD_STATES] = {
        [THREAD_INACTIVE] = "inactive",
        [THREAD_RUNNING] = "running",
        [THREAD_RESTART] = "restart",
        [THREAD_BLOCKED_ON_RECEIVE] = "blocked-recv",
        [THREAD_BLOCKED_ON_SEND] = "blocked-send",
        [THREAD_BLOCKED_ON_REPLY] = "blocked-reply",
        [THREAD_BLOCKED_ON_NOTIFICATION] = "blocked-ntfn",
        [THREAD_IDLE] = "idle",
    };
    return (unsigned)s < THREAD_STATES ? names[s] : "?";
}
/* ANCHOR_END: state_names */
