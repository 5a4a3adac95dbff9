/*
 * frame.c: the frame allocator. A fixed pool of FRAME_COUNT frames and a stack of the free
 * ones: taking and giving back are one array access each. The kernel reaches a frame only
 * through its linear map (KBASE + PA), never through a user address.
 */
#include "frame.h"

#include <stdint.h>

#include "mmu.h"

/* ANCHOR: frame */
static uint32_t free_stack[FRAME_COUNT];   /* frame numbers; the top is free_stack[free_top - 1] */
static uint32_t free_top;

void frame_init(void)
{
    for (uint32_t i = 0; i < FRAME_COUNT; i++)
        free_stack[i] = FRAME_COUNT - 1 - i;  /* frame 0 on top: handed out in address order */
    free_top = FRAME_COUNT;
}

/* A frame, zeroed, so no program ever sees what another left in it. */
uint64_t frame_alloc(void)
{
    if (free_top == 0)
        return 0;
    uint64_t pa = FRAME_POOL_PA + (uint64_t)free_stack[--free_top] * PAGE_SIZE;
    uint64_t *p = PHYS_TO_VIRT(pa);
    for (uint64_t i = 0; i < PAGE_SIZE / 8; i++)
        p[i] = 0;
    return pa;
}

void frame_free(uint64_t pa)
{
    free_stack[free_top++] = (uint32_t)((pa - FRAME_POOL_PA) / PAGE_SIZE);
}

uint32_t frame_free_count(void)
{
    return free_top;
}
/* ANCHOR_END: frame */
