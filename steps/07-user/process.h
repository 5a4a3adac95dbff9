/*
 * process.h: user programs as threads, each in an address space of its own.
 */
#ifndef PROCESS_H
#define PROCESS_H

#include <stdint.h>

#include "tcb.h"

/* ANCHOR: process_api */
#define PRIO_USER   100                /* `run`: below the console, which stays in charge */
#define PRIO_INIT   200                /* init: above it, done before the first prompt */

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
void process_kill(struct tcb *t);      /* stop it, free its TCB, address space and frames */
/* ANCHOR_END: process_api */

#endif
