/*
 * loader.h: a root task's program loader (loader.c). It starts the programs whose ELF files
 * are in its own image (archive.S) the way the kernel starts its root task, and the way this
 * kernel's process.c started every program until step 10: everything a program begins with
 * is made by Untyped_Retype, its caps are at seL4's initial slots, BootInfo says where the
 * rest is. Only seL4 invocations, through libsel4's names, so it would build against seL4's
 * own libsel4.
 *
 * Each program (a "child") is made from one untyped of its own, carved from one of the
 * loader's blocks of memory, so that killing it is one Revoke: every object it has, and every
 * object it made, goes, and the block is whole again. Its end, or any fault, comes to the
 * loader as a fault message on the loader's fault endpoint, badged with the child's number.
 */
#ifndef LOADER_H
#define LOADER_H

#include <stdbool.h>

#include "ulib.h"

/* ANCHOR: archive_api */
/* One program of the archive (archive.S): its name and its ELF file. */
struct archive_member {
    const char *name;
    const uint8_t *start, *end;
};
extern const struct archive_member archive[];
extern const seL4_Word archive_count;
/* ANCHOR_END: archive_api */

/* ANCHOR: loader_child */
/* What a child finds in its CNode: 2^12 slots (a cptr is a slot number, read with depth 64
 * through a guard of 52 zero bits), seL4's initial caps (1 TCB, 2 CNode, 3 VSpace, 6 ASID
 * pool, 9 BootInfo frame, 10 IPC buffer frame), then from slot 16 the regions BootInfo names
 * (page tables, image frames, one untyped), then empty slots. The top eight slots are the
 * loader's, outside BootInfo's `empty` region: the extra caps proc_start was given (a
 * driver's IRQHandler and device frame, say), and the child's fault endpoint. */
#define PROC_CNODE_BITS     12
#define PROC_SLOT_EXTRA(i)  (4088 + (i))    /* extra cap i, for i < PROC_EXTRA_MAX */
#define PROC_EXTRA_MAX      7
#define PROC_SLOT_FAULT_EP  4095            /* its fault endpoint: Write and GrantReply */
#define PROC_EMPTY_END      PROC_SLOT_EXTRA(0)  /* bootinfo->empty.end */
#define PROC_ARG_MAX        64              /* the argument string, with its NUL: at the end */
                                            /* of the BootInfo page; x1 points to it */
/* ANCHOR_END: loader_child */

/* ANCHOR: loader_api */
#define LOADER_PROCS        8               /* children at once */
#define LOADER_BLOCKS       8               /* blocks of memory for them */
#define LOADER_SCRATCH_VA   0x20000000UL    /* where the loader maps a child's page to fill it */

struct proc {
    const char *name;
    seL4_Word badge;            /* its fault messages carry it: its index + 1 */
    seL4_CPtr untyped;          /* in the loader's CNode: what all of it was made from */
    seL4_CPtr tcb, cnode;       /* its TCB and CNode, in the loader's CNode */
    unsigned block;             /* the loader's block that `untyped` fills */
    seL4_Word pages;            /* frames: its image, IPC buffer and BootInfo */
    seL4_Word object_bytes;     /* bytes of the objects the loader made for it */
    seL4_Word untyped_bits;     /* the untyped it was given: 2^untyped_bits bytes */
    bool in_use;
};

/* A fault message, as proc_wait received it. */
struct proc_fault {
    seL4_Word badge;            /* whose: the badge of the sender's fault endpoint */
    seL4_Word label;            /* seL4_Fault_tag_t: what kind of fault */
    seL4_Word length;           /* words in mr[] */
    seL4_Word mr[seL4_UnknownSyscall_Length];   /* the longest fault message */
};

/* The loader's own objects (its fault endpoint, the page table under its scratch page) from
 * `untyped`, its slots from first_slot to bootinfo->empty's end. 0, or what failed. */
const char *loader_init(seL4_CPtr untyped, seL4_CPtr first_slot);
/* Whether children get the loader's fault endpoint (true, the default) or none: then a fault
 * stops the child, and the kernel's fault line is all there is of it (the console's way). */
extern bool loader_fault_handler;
/* Carve n blocks of 2^bits bytes from `untyped`, each one child's memory (a child gets the
 * upper half of its block as its own untyped, as process.c gave 1 MiB of a 2 MiB block).
 * Returns how many it made. */
unsigned loader_add_blocks(seL4_CPtr untyped, unsigned bits, unsigned n);

/* Start program `name` of the archive with argument string `arg`, at `priority` (also its
 * MCP: the loader's own MCP must allow it), with nextra extra caps (cptrs in the loader's
 * CSpace) copied to PROC_SLOT_EXTRA(0..). 0 and *out, or what failed (loader_error then holds
 * seL4's error, if an invocation failed); a failure leaves nothing behind. */
const char *proc_start(const char *name, const char *arg, seL4_Word priority,
                       const seL4_CPtr *extra, unsigned nextra, struct proc **out);
extern seL4_Error loader_error;
/* Wait for a fault message from any child (a program's end is one: crt0's brk). The child
 * it came from (0 if the badge is none of the loader's); the child waits for an answer. */
struct proc *proc_wait(struct proc_fault *f);
/* Answer the fault message proc_wait received last, as seL4's fault handlers do, and wait
 * for the next message (as proc_wait). The answer has label 0, which restarts the child at
 * the instruction that faulted; for a user exception its n words (n <= 3) set the child's
 * PC, SP and SPSR first (seL4_UserException_FaultIP, _SP, _SPSR). */
struct proc *proc_resume_wait(const seL4_Word *words, unsigned n, struct proc_fault *f);
/* Suspend the child, then revoke and delete its untyped: everything it had is gone. */
void proc_kill(struct proc *p);

/* What the kernel says is left, for leak checks: the free bytes of every block (Retype's
 * NotEnoughMemory answer says how many), and the empty slots of the loader's CNode (those a
 * Move onto itself finds empty). */
seL4_Word loader_free_bytes(void);
seL4_Word loader_block_bytes(void);     /* the blocks' bytes, free or not */
seL4_Word loader_empty_slots(void);

/* The loader's slots: a program that uses the loader takes its own slots here too. */
seL4_CPtr loader_slot_alloc(void);      /* 0 if none is free */
void loader_slot_free(seL4_CPtr slot);
/* ANCHOR_END: loader_api */

#endif
