/*
 * process.c: a user program becomes a thread. The thread is step 06's (a TCB, a priority, a
 * place in the scheduler's queues); what is new is where it runs: at EL0, in an address
 * space made for it and loaded from the program's ELF image.
 */
#include "process.h"

#include <stdint.h>

#include "irq.h"
#include "loader.h"
#include "sched.h"
#include "sysregs.h"
#include "tcb.h"
#include "vspace.h"

/* ANCHOR: programs_table */
#define PROGRAM(n) { #n, user_##n, user_##n##_end }
extern const uint8_t user_init[], user_init_end[], user_hello[], user_hello_end[],
    user_faults[], user_faults_end[], user_fuzz[], user_fuzz_end[], user_bench[], user_bench_end[];

const struct program programs[] = {
    PROGRAM(init), PROGRAM(hello), PROGRAM(faults), PROGRAM(fuzz), PROGRAM(bench),
};
const unsigned program_count = sizeof programs / sizeof programs[0];

const struct program *program_find(const char *name)
{
    for (unsigned i = 0; i < program_count; i++) {
        const char *a = programs[i].name, *b = name;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        if (*a == *b)
            return &programs[i];
    }
    return 0;
}
/* ANCHOR_END: programs_table */

/* ANCHOR: process_start */
/* EL0t, IRQs unmasked, SError and FIQ masked: seL4's PSTATE for user threads (0x140). */
#define USER_SPSR (SPSR_M_EL0T | SPSR_A | SPSR_F)

/* The new thread's first trap frame: every register 0 but the PC, PSTATE, x0 (BootInfo's
 * address: none in step 07) and x1 (the argument). No stack: crt0 brings its own. */
static void user_frame(struct tcb *t, const struct loaded *l)
{
    t->regs.elr = l->entry;
    t->regs.spsr = USER_SPSR;
    t->regs.sp_el0 = 0;
    t->regs.x[0] = 0;
    t->regs.x[1] = l->arg_va;
    t->regs.x[30] = 0;
}

/* Make the address space, load the program into it, then the thread. Every failure undoes
 * what was done, so a refused `run` leaves no frame, ASID or TCB behind. */
const char *process_start(const struct program *p, const char *arg, uint8_t priority,
                          struct tcb **out)
{
    struct vspace *vs = vspace_create();
    if (!vs)
        return "no free ASID or frame";
    struct loaded l;
    const char *why = loader_load(vs, p->image, (uint64_t)(p->end - p->image), arg, &l);
    if (why) {
        vspace_destroy(vs);
        return why;
    }
    uint64_t daif = irq_save();
    struct tcb *t = tcb_alloc();
    if (t) {
        tcb_setup(t, p->name, 0, 0, 0, priority);
        user_frame(t, &l);
        t->vspace = vs;
        sched_resume(t);
    }
    irq_restore(daif);
    if (!t) {
        vspace_destroy(vs);
        return "no free TCB";
    }
    *out = t;
    return 0;
}
/* ANCHOR_END: process_start */

/* ANCHOR: process_kill */
/* Any thread but the current one: out of the scheduler, then its address space, if it has
 * one (a kernel thread has none). */
void process_kill(struct tcb *t)
{
    uint64_t daif = irq_save();
    struct vspace *vs = t->vspace;
    sched_kill(t);
    t->vspace = 0;
    if (vs)
        vspace_destroy(vs);
    irq_restore(daif);
}
/* ANCHOR_END: process_kill */
