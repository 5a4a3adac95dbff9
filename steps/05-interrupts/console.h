/*
 * console.h: the interactive console on the mini UART.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

/* ANCHOR: console_api */
void console_run(void) __attribute__((noreturn));
/* ANCHOR_END: console_api */

#endif
