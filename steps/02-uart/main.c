/*
 * main.c: the first C code. It sets up the mini UART, says hello, and hands over to the
 * console.
 */
#include "console.h"
#include "kernel.h"
#include "kprintf.h"
#include "sysregs.h"
#include "timer.h"
#include "uart.h"

/* ANCHOR: kernel_main */
/* Called by boot.S on core 0, with a stack and a zeroed .bss. Never returns. */
void kernel_main(void)
{
    uart_init();

    kprintf("%s: the mini UART, kprintf and a console\n", KERNEL_STEP);
    kprintf("EL%lu on core %lu, timer %lu Hz, kernel 0x%08lx-0x%08lx\n",
            (unsigned long)current_el(), (unsigned long)core_id(),
            (unsigned long)timer_frequency(), (unsigned long)__kernel_start,
            (unsigned long)__kernel_end);
    kprintf("Type 'help' for the commands.\n");

    console_run();
}
/* ANCHOR_END: kernel_main */
