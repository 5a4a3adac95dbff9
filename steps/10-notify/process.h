/*
 * process.h: programs the kernel starts itself: init at boot, and the console's `run`. Each
 * gets what seL4 gives its root task: a CSpace with the caps to its own TCB, CNode, VSpace,
 * image frames, page tables, IPC buffer and BootInfo frame, at seL4's slot numbers, and
 * untyped memory to make everything else from. The kernel makes nothing for it afterwards.
 */
#ifndef PROCESS_H
#define PROCESS_H

#include <stdint.h>

#include "cap.h"
#include "tcb.h"

/* ANCHOR: process_api */
#define PRIO_USER   100                /* `run`: below the console, which stays in charge */
#define PRIO_INIT   255                /* init: seL4's root task has the top priority and MCP */

/* Each program the kernel starts gets a 2 MiB block of RAM, held by an untyped cap only the
 * kernel has: its objects are made from it, and `kill` revokes it, which ends them all. */
#define PROCESS_BLOCK_PA    UL(0x200000)
#define PROCESS_BLOCK_BITS  21
#define PROCESS_BLOCKS      7          /* 0x200000 - 0x1000000 */
#define BLOCK_FRAMES        (1u << (PROCESS_BLOCK_BITS - 12))   /* `ps` counts blocks in frames */
#define RUN_UNTYPED_BITS    20         /* a `run` program's own untyped: 1 MiB of its block */
#define INIT_RAM_PA         UL(0x1000000)   /* init's untypeds: all the RAM from here */
#define PROCESS_ARG_MAX     64         /* bytes of `run NAME ARG`'s ARG, with its NUL */
extern uint64_t ram_end;               /* the end of the ARM's RAM (main.c asks the firmware) */

struct process {
    struct cte block;                  /* the kernel's untyped cap for the block */
    struct cte *cnode;                 /* its root CNode's slots */
    uint64_t untyped_first, untyped_end;   /* the slots of the untypeds it was given */
    uint32_t pages;                    /* frames of its image, IPC buffer and BootInfo */
    uint32_t asid;
    bool in_use;
};

struct program {
    const char *name;
    const uint8_t *image, *end;        /* its ELF file, in the kernel image (programs.S) */
};
extern const struct program programs[];
extern const unsigned program_count;
const struct program *program_find(const char *name);

/* Start a program as a new thread at `priority`; *t is the thread. 0, or why not. */
const char *process_start(const struct program *p, const char *arg, uint8_t priority,
                          struct tcb **t);
void process_kill(struct tcb *t);      /* a program: revoke all it has; another thread: stop it */
uint32_t process_free_blocks(void);
/* ANCHOR_END: process_api */

#endif
