/*
 * process.h: init, the one program the kernel starts, at boot (process.c). It gets what seL4
 * gives its root task: a CSpace with the caps to its own TCB, CNode, VSpace, image frames,
 * page tables, IPC buffer and BootInfo frame, at seL4's slot numbers, IRQControl, and untyped
 * memory to make everything else from. The kernel makes nothing for it afterwards.
 */
#ifndef PROCESS_H
#define PROCESS_H

#include <stdint.h>

#include "sysregs.h"

/* ANCHOR: process_api */
#define PRIO_INIT   255                /* seL4's root task has the top priority and MCP */

/* init's objects are made from a 2 MiB block of RAM, held by an untyped cap only the kernel
 * has; init also gets 1 MiB of it as an untyped of its own, and all the RAM after it. */
#define INIT_BLOCK_PA       UL(0x200000)
#define INIT_BLOCK_BITS     21
#define INIT_UNTYPED_BITS   20         /* init's own untyped: 1 MiB of its block */
#define INIT_RAM_PA         (INIT_BLOCK_PA + (UL(1) << INIT_BLOCK_BITS))   /* the rest: 4 MiB on */
#define PROCESS_ARG_MAX     64         /* the argument string's room at the BootInfo page's end */
extern uint64_t ram_end;               /* the end of the ARM's RAM (main.c asks the firmware) */

const char *process_start_init(void);  /* make init and let it run: 0, or why not */
/* ANCHOR_END: process_api */

#endif
