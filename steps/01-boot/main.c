/*
 * main.c: the first C code. There is no UART yet, so the kernel reports what it found in a
 * structure in memory that a debugger (make gdb) or the QEMU monitor can read.
 */
#include <stdint.h>

/* ANCHOR: boot_record */
#define BOOT_MAGIC 0x21214445544f4f42ull  /* "BOOTED!!" as little-endian bytes */

/* What kernel_main found when it started; `print boot` shows it in gdb. */
struct boot_record {
    uint64_t magic;               /* BOOT_MAGIC once kernel_main has run */
    uint64_t el;                  /* exception level kernel_main runs at (2 on a Pi 3) */
    uint64_t core;                /* MPIDR_EL1.Aff0 of the core that ran kernel_main */
    uint64_t bss_nonzero;         /* bytes of .bss that were not zero: must be 0 */
};

/* volatile: only a debugger ever reads it, so without volatile the compiler may drop the
 * stores as useless. Placed in .data on purpose: an all-zero initialiser would put it in
 * .bss, and then "never written" would look the same as "zeroed by boot.S". */
__attribute__((section(".data")))
volatile struct boot_record boot = { .magic = 0 };
/* ANCHOR_END: boot_record */

/* ANCHOR: sysregs */
/* CurrentEL holds the exception level in bits [3:2]. */
static inline uint64_t current_el(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, CurrentEL" : "=r"(v));
    return (v >> 2) & 3;
}

/* MPIDR_EL1.Aff0, bits [7:0], numbers the cores of the cluster 0 to 3. */
static inline uint64_t core_id(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
    return v & 0xff;
}
/* ANCHOR_END: sysregs */

/* ANCHOR: kernel_main */
/* Symbols defined by link.ld: only their addresses mean anything, there is no storage. */
extern char __bss_start[], __bss_end[];

/* No initialiser, so it is in .bss: it starts at 0 only because boot.S cleared .bss.
 * It counts up forever, which shows the kernel is alive. */
volatile uint64_t heartbeat;

void kernel_main(void)
{
    uint64_t nonzero = 0;

    for (char *p = __bss_start; p < __bss_end; p++)
        nonzero += (*p != 0);

    boot.el = current_el();
    boot.core = core_id();
    boot.bss_nonzero = nonzero;
    boot.magic = BOOT_MAGIC;

    for (;;)
        heartbeat++;
}
/* ANCHOR_END: kernel_main */
