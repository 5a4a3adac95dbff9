/*
 * console.h: the interactive console on the mini UART.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdint.h>

/* ANCHOR: console_api */
/* The console's thread: started by kernel_main (main.c) at PRIO_CONSOLE, on the boot stack. */
void console_run(uint64_t arg) __attribute__((noreturn));
/* ANCHOR_END: console_api */

#endif
