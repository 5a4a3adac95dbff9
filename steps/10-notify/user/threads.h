/*
 * threads.h: a root task's threads of its own (threads.c), for the programs that start some.
 */
#ifndef THREADS_H
#define THREADS_H

#include "ulib.h"

extern seL4_CPtr next_slot;           /* the next empty slot of the program's CNode */

/* Thread i's memory: a guard page, its stack, a guard page, its IPC buffer. */
#define THREAD_VA(i)   (0x10000000UL + (seL4_Word)(i) * 0x4000)
#define STACK_TOP(i)   (THREAD_VA(i) + 0x2000)
#define IPC_VA(i)      (THREAD_VA(i) + 0x3000)
#define IPC(i)         ((seL4_IPCBuffer *)IPC_VA(i))

/* Slots of a thread's CNode (16 slots; a cptr is read with depth 64 through its guard). */
#define SLOT_TCB   1                  /* thread_new puts these two there; a program's own caps */
#define SLOT_CNODE 3                  /* go in slot 2 and from 4 on */

struct thread {
    seL4_CPtr tcb, cnode;
};

/* The objects come from bootinfo's first untyped, into the CNode's empty slots; a failure
 * is printed with the program's name. */
void threads_init(const char *name);
seL4_CPtr make(seL4_Word type, seL4_Word size_bits);          /* its slot, or 0 */
seL4_Error map(seL4_CPtr frame, seL4_Word va);
seL4_CPtr device_frame(seL4_Word pa);   /* a frame of the device page at pa, or 0 (step 10) */

/* Thread i, stopped: its TCB, CNode (slots 1 and 3 filled), stack and IPC buffer; it will
 * start at entry(arg) at priority prio when resumed. */
seL4_Error thread_new(struct thread *t, unsigned i, void (*entry)(seL4_Word), seL4_Word arg,
                      seL4_Word prio);

#endif
