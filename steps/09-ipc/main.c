/*
 * main.c: the first C code. It sets up the mini UART and the screen, says hello, prints what
 * the firmware knows about the board, starts the interrupts and the scheduler, and hands
 * the processor to the threads: the console, the idle thread, and init in user space.
 */
#include <stdint.h>

#include "bench.h"
#include "cache.h"
#include "console.h"
#include "fb.h"
#include "irq.h"
#include "kernel.h"
#include "kprintf.h"
#include "mbox.h"
#include "mmu.h"
#include "process.h"
#include "sched.h"
#include "sysregs.h"
#include "tcb.h"
#include "term.h"
#include "timer.h"
#include "uart.h"

#define SCREEN_WIDTH  640            /* what we ask the firmware for */
#define SCREEN_HEIGHT 480

/* ANCHOR: board_facts */
/* Board revision codes, new style (bit 23 set): Raspberry Pi documentation, "Raspberry Pi
 * revision codes". */
#define REV_NEW_STYLE   (1u << 23)
#define REV_MEMORY(r)   (((r) >> 20) & 7)      /* 256 MiB << n */
#define REV_TYPE(r)     (((r) >> 4) & 0xFF)    /* 0x08 = 3B, 0x0D = 3B+, 0x0E = 3A+ */

/* Ask the firmware, in one message, for what it knows about the board, and print it.
 * QEMU 7.2 does not implement the serial number and answers 0. */
static void print_board_facts(void)
{
    static struct mbox_msg m;
    static const uint32_t clocks[] = { MBOX_CLOCK_ARM, MBOX_CLOCK_CORE, MBOX_CLOCK_EMMC,
                                       MBOX_CLOCK_UART };
    static const char *const clock_names[] = { "ARM", "core", "EMMC", "UART" };
    uint32_t *rate[4];

    mbox_msg_init(&m);
    uint32_t *fw = mbox_add_tag(&m, MBOX_TAG_FIRMWARE_REV, 1);
    uint32_t *rev = mbox_add_tag(&m, MBOX_TAG_BOARD_REV, 1);
    uint32_t *serial = mbox_add_tag(&m, MBOX_TAG_BOARD_SERIAL, 2);
    uint32_t *arm = mbox_add_tag(&m, MBOX_TAG_ARM_MEMORY, 2);
    uint32_t *vc = mbox_add_tag(&m, MBOX_TAG_VC_MEMORY, 2);
    for (int i = 0; i < 4; i++) {
        rate[i] = mbox_add_tag(&m, MBOX_TAG_GET_CLOCK_RATE, 2);
        if (rate[i])
            rate[i][0] = clocks[i];
    }
    enum mbox_result r = mbox_call(&m);
    if (r != MBOX_OK) {
        mbox_print_error("board facts", &m, r);
        return;
    }
    kprintf("board:    revision 0x%06x", rev[0]);
    if (rev[0] & REV_NEW_STYLE)
        kprintf(" (type 0x%02x, %u MiB)", REV_TYPE(rev[0]), 256u << REV_MEMORY(rev[0]));
    kprintf(", serial 0x%08x%08x\n", serial[1], serial[0]);
    kprintf("firmware: revision %u\n", fw[0]);
    kprintf("memory:   ARM %u MiB at 0x%08x, VideoCore %u MiB at 0x%08x\n",
            arm[1] >> 20, arm[0], vc[1] >> 20, vc[0]);
    ram_end = (uint64_t)arm[0] + arm[1];   /* init's untypeds end here (process.c) */
    kprintf("clocks:  ");
    for (int i = 0; i < 4; i++)
        kprintf(" %s %u MHz", clock_names[i], rate[i][1] / 1000000);
    kprintf("\n");
}
/* ANCHOR_END: board_facts */

/* ANCHOR: uart_clock */
/* The mini UART divides the core clock, and uart_init assumed the 250 MHz that config.txt's
 * core_freq=250 asks for. Ask the firmware what the core clock is, and set the divisor from
 * its answer; without an answer the assumption stays (`info` says which it is). */
static void uart_clock_from_firmware(void)
{
    static struct mbox_msg m;

    mbox_msg_init(&m);
    uint32_t *rate = mbox_add_tag(&m, MBOX_TAG_GET_CLOCK_RATE, 2);
    if (rate)
        rate[0] = MBOX_CLOCK_CORE;
    enum mbox_result r = mbox_call(&m);
    if (r != MBOX_OK) {
        mbox_print_error("core clock", &m, r);
        return;
    }
    if (!uart_set_core_clock(rate[1]))
        kprintf("uart: no divisor fits a %u Hz core clock; the old one stays\n", rate[1]);
}
/* ANCHOR_END: uart_clock */

/* ANCHOR: screen_init */
/* Get a framebuffer and put the console on it; without one, the console stays serial. */
static void screen_init(void)
{
    term_init();
    if (fb_init(SCREEN_WIDTH, SCREEN_HEIGHT) != 0) {
        kprintf("screen: no framebuffer, serial console only\n");
        return;
    }
    term_screen_on();
}
/* ANCHOR_END: screen_init */

/* ANCHOR: park_other_cores */
/* The firmware's spin table: core n waits in the firmware's loop until the word at
 * SPIN_TABLE_PA + 8 * n holds an address, then jumps there (at EL2, MMU off). */
#define SPIN_TABLE_PA   UL(0xd8)
#define SPIN_CORES      4
extern char park[];                    /* boot.S */

/* Send cores 1-3 from the firmware's loop to boot.S's park, where they sleep in wfi. The
 * firmware waits with wfe, which QEMU emulates by spinning, so emulated cores 1-3 would
 * execute forever and keep the emulated clock from sleeping when core 0 does. They read
 * the table with their caches off, so the words are cleaned out of ours to memory first;
 * sev wakes them from wfe. */
static void park_other_cores(void)
{
    for (int core = 1; core < SPIN_CORES; core++) {
        volatile uint64_t *slot = PHYS_TO_VIRT(SPIN_TABLE_PA + 8 * core);
        *slot = kva_to_pa(park);
        cache_clean_range(slot, sizeof *slot);
    }
    __asm__ volatile("sev");
}
/* ANCHOR_END: park_other_cores */

/* ANCHOR: interrupts_start */
/* Every interrupt source masked, then the two this step handles: the tick and the mini
 * UART's receive interrupt. PSTATE.I (masked since boot.S) stays set: since step 06 the
 * kernel never unmasks IRQs itself, the first thread's eret does. */
static void interrupts_start(void)
{
    irq_init();
    if (timer_tick_start(TIMER_HZ) != 0)
        kprintf("timer: CNTFRQ_EL0 is %lu: no tick\n", (unsigned long)timer_frequency());
    uart_rx_start();
}
/* ANCHOR_END: interrupts_start */

/* ANCHOR: threads_start */
extern char __boot_stack_top[];        /* link.ld */

/* The idle thread (TCB 0), the console (TCB 1) and init, the first user program (TCB 2),
 * then the scheduler takes over. The console gets the boot stack, 16 KiB above a guard page:
 * kernel_main's frames on it are never needed again, since sched_start does not return. init
 * is above the console: it runs first, and is done before the console's first prompt. */
static void threads_start(void)
{
    sched_init();
    struct tcb *console = tcb_alloc(), *init;
    tcb_setup(console, "console", console_run, 0, __boot_stack_top, PRIO_CONSOLE);
    sched_resume(console);
    const char *why = process_start(program_find("init"), "", PRIO_INIT, &init);
    if (why)
        kprintf("init: not started: %s\n", why);
    sched_start();
}
/* ANCHOR_END: threads_start */

/* ANCHOR: kernel_main */
uint64_t boot_banner_ticks;

/* Called by boot.S on core 0, at EL1 on SP_EL0, with the MMU and caches on, the vector table
 * installed, IRQs masked and a zeroed .bss. Never returns: it ends by becoming the threads. */
void kernel_main(void)
{
    uart_init();
    uart_clock_from_firmware();
    screen_init();

    boot_banner_ticks = timer_count();   /* for `info`: how long the way here took */
    bench_init();                        /* ... and for `bench`, in instructions */

    kprintf("%s: IPC: endpoints, Call and ReplyRecv, badges, and a fastpath\n", KERNEL_STEP);
    kprintf("EL%lu on core %lu, timer %lu Hz, kernel 0x%08lx-0x%08lx\n",
            (unsigned long)current_el(), (unsigned long)core_id(),
            (unsigned long)timer_frequency(), (unsigned long)__kernel_start,
            (unsigned long)__kernel_end);
    print_board_facts();
    park_other_cores();
    interrupts_start();
    sysreg_write(cpacr_el1, CPACR_EL1_FPEN_TRAP_ALL);   /* FP/SIMD use is a fault */
    kprintf("Type 'help' for the commands.\n");

    threads_start();
}
/* ANCHOR_END: kernel_main */
