/*
 * frame.h: physical memory for user programs, one 4 KiB frame at a time.
 */
#ifndef FRAME_H
#define FRAME_H

#include <stdint.h>

#include "sysregs.h"

/* ANCHOR: frame_api */
#define FRAME_POOL_PA     UL(0x200000)   /* the 4 MiB of RAM right after the kernel's 2 MiB */
#define FRAME_COUNT       1024

void frame_init(void);
uint64_t frame_alloc(void);              /* a zeroed frame's physical address, or 0 */
void frame_free(uint64_t pa);
uint32_t frame_free_count(void);
/* ANCHOR_END: frame_api */

#endif
