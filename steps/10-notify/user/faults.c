/*
 * faults.c: `run faults KIND` makes one user fault of each kind the kernel decodes. Each
 * ends the program: the kernel prints one line and the thread becomes Inactive. `run faults`
 * lists the kinds.
 */
#include "ulib.h"

/* ANCHOR: faults */
#define KERNEL_ADDRESS 0xFFFFFF8000080000UL  /* the kernel's first instruction (TTBR1) */

static uint32_t ret_in_data[1] = { 0xd65f03c0 };   /* `ret`, in a read-write page */

static void read_at(uint64_t addr)
{
    printf("faults: reading 0x%lx\n", addr);
    printf("faults: read 0x%lx: the kernel let me!\n", *(volatile uint64_t *)addr);
}

static void jump_to(uint64_t addr)
{
    printf("faults: jumping to 0x%lx\n", addr);
    ((void (*)(void))addr)();
}

static void fault(const char *kind)
{
    if (!strcmp(kind, "null")) {
        read_at(0);                                      /* below 0x400000: unmapped */
    } else if (!strcmp(kind, "kernel-read")) {
        read_at(KERNEL_ADDRESS);                         /* mapped, but for EL1 only */
    } else if (!strcmp(kind, "write-code")) {
        puts("faults: writing to my own code");
        *(volatile uint32_t *)(uintptr_t)main = 0;       /* r-x: not writable */
    } else if (!strcmp(kind, "exec-data")) {
        jump_to((uint64_t)ret_in_data);                  /* rw-: never executable */
    } else if (!strcmp(kind, "exec-null")) {
        jump_to(0);
    } else if (!strcmp(kind, "exec-kernel")) {
        jump_to(KERNEL_ADDRESS);
    } else if (!strcmp(kind, "undef")) {
        puts("faults: udf #0");
        __asm__ volatile("udf #0");
    } else if (!strcmp(kind, "fp")) {
        puts("faults: fmov d0, xzr");                    /* CPACR_EL1.FPEN traps it */
        __asm__ volatile(".inst 0x9e6703e0");            /* (the compiler may not emit FP) */
    } else if (!strcmp(kind, "pc-align")) {
        jump_to((uint64_t)main + 2);                     /* a PC that is not a multiple of 4 */
    } else if (!strcmp(kind, "sp-align")) {
        puts("faults: a load through an SP that is not a multiple of 16");
        __asm__ volatile("mov x9, sp; sub x9, x9, #8; mov sp, x9; ldr x10, [sp]; "
                         "add x9, x9, #8; mov sp, x9" ::: "x9", "x10", "memory");
    } else if (!strcmp(kind, "brk")) {
        puts("faults: brk #7");
        __asm__ volatile("brk #7");
    } else if (!strcmp(kind, "syscall")) {
        puts("faults: svc #0 with x7 = 1234");
        register int64_t x7 __asm__("x7") = 1234;
        __asm__ volatile("svc #0" : : "r"(x7) : "memory");
    } else {
        puts("usage: run faults KIND: null kernel-read write-code exec-data exec-null "
             "exec-kernel undef fp pc-align sp-align brk syscall");
        return;
    }
    puts("faults: still running: no fault!");
}

int main(const char *arg)
{
    fault(arg);
    return 0;
}
/* ANCHOR_END: faults */
