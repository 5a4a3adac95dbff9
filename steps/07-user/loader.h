/*
 * loader.h: putting a program's ELF image into an address space.
 */
#ifndef LOADER_H
#define LOADER_H

#include <stdint.h>

#include "vspace.h"

/* ANCHOR: loader_api */
#define LOADER_ARG_MAX  64             /* bytes of `run NAME ARG`'s ARG, with its NUL */

/* Where the program starts, and where its argument string is (x1 at entry). */
struct loaded {
    uint64_t entry;
    uint64_t arg_va;
};

/* 0 when loaded; else why not (the address space may hold part of it: destroy it). */
const char *loader_load(struct vspace *vs, const uint8_t *file, uint64_t size,
                        const char *arg, struct loaded *out);
/* ANCHOR_END: loader_api */

#endif
