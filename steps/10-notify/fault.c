/*
 * fault.c: faults on purpose, one kind at a time, for the console's `fault` command, so that
 * each decoded report of trap.c can be seen (and tested). Every kind ends in a kernel panic.
 */
#include <stdint.h>

#include "fault.h"
#include "kprintf.h"
#include "mmu.h"

/* ANCHOR: fault_kinds */
/* One `ret` instruction, placed in .data: read-write, so never executable (PXN). */
static uint32_t code_in_data[1] __attribute__((section(".data"))) = { 0xd65f03c0 };

/* Recurse with a 256-byte frame each time until the boot stack runs into its guard page. */
static uint64_t __attribute__((noinline)) overflow(volatile uint64_t depth)
{
    volatile uint8_t frame[256];
    frame[0] = (uint8_t)depth;
    if (depth < UL(1) << 40)
        depth += overflow(depth + 1);
    return depth + frame[0];
}

void fault_read(uint64_t addr)
{
    kprintf("reading 0x%lx\n", addr);
    kprintf("read 0x%lx\n", *(volatile uint64_t *)addr);
}

void fault_write(uint64_t addr)
{
    kprintf("writing 0x%lx\n", addr);
    *(volatile uint64_t *)addr = 0;
}

void fault_exec(void)
{
    kprintf("calling 0x%lx in .data\n", (uint64_t)code_in_data);
    ((void (*)(void))(uintptr_t)code_in_data)();
}

void fault_undef(void)
{
    kprintf("executing udf #0\n");
    __asm__ volatile("udf #0");
}

/* An exclusive load (ldxr, the building block of atomics) must be aligned on every memory
 * type. (A plain unaligned access to Device memory faults too on a real Pi, but QEMU 7.2 does
 * not model that, so it would prove nothing here.) */
void fault_align(void)
{
    uint64_t v, addr = (uint64_t)&code_in_data + 1;
    kprintf("ldxr at 0x%lx\n", addr);
    __asm__ volatile("ldxr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
    kprintf("read 0x%lx\n", v);
}

void fault_stack(void)
{
    kprintf("recursing until the stack overflows\n");
    kprintf("depth %lu\n", overflow(0));
}
/* ANCHOR_END: fault_kinds */
