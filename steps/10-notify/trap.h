/*
 * trap.h: the trap frame, where an exception saves the interrupted code's registers.
 *
 * 36 words in seL4's order, so that from step 06 on the frame can live in a thread's TCB:
 * x0..x30 at 8*N, then SP_EL0, ELR_EL1 (where execution resumes), SPSR_EL1 (the interrupted
 * PSTATE), FaultIP (the instruction that trapped) and TPIDR_EL0 (user thread pointer).
 * exception.S uses the TF_ offsets; C uses the struct, and trap.c checks they agree.
 */
#ifndef TRAP_H
#define TRAP_H

/* ANCHOR: trap_frame */
#define TF_SP_EL0     (31 * 8)
#define TF_ELR        (32 * 8)
#define TF_SPSR       (33 * 8)
#define TF_FAULT_IP   (34 * 8)
#define TF_TPIDR_EL0  (35 * 8)
#define TF_SIZE       (36 * 8)

#ifndef __ASSEMBLY__
#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
    uint64_t x[31];        /* x0 .. x30 (x29 is the frame pointer, x30 the link register) */
    uint64_t sp_el0;       /* the interrupted code's stack pointer, if it ran on SP_EL0 */
    uint64_t elr;          /* ELR_EL1: where eret resumes ("NextIP" in seL4) */
    uint64_t spsr;         /* SPSR_EL1: the interrupted PSTATE (EL, SP, DAIF, flags) */
    uint64_t fault_ip;     /* the instruction that trapped, for a restart */
    uint64_t tpidr_el0;    /* the user-space thread pointer */
};
/* ANCHOR_END: trap_frame */

/* ANCHOR: trap_api */
/* The frame of kernel_main, which runs at EL1t until the first thread starts: SP_EL1 points
 * to it (boot.S sets it up). From then on SP_EL1 points into the running thread's TCB. */
extern struct trap_frame boot_frame;

struct trap_frame *trap_handle(struct trap_frame *tf, uint64_t vector);  /* exception.S */
void trap_panic(struct trap_frame *tf, uint64_t vector) __attribute__((noreturn));
void trap_restore(struct trap_frame *tf) __attribute__((noreturn));     /* exception.S */
void trap_start(struct trap_frame *tf) __attribute__((noreturn));       /* ... from EL1t */
struct tcb;
void sys_invoke(struct tcb *t, uint64_t esr, bool call, bool blocking);   /* invoke.c */
void sys_recv(struct tcb *t, uint64_t esr, bool blocking);
/* ANCHOR_END: trap_api */
#endif

#endif
