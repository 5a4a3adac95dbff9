/*
 * uart.h: the mini UART (UART1) of the BCM2837, on GPIO 14 (TX) and 15 (RX).
 */
#ifndef UART_H
#define UART_H

/* ANCHOR: uart_api */
void uart_init(void);
void uart_putc(char c);
void uart_puts(const char *s);
char uart_getc(void);
/* ANCHOR_END: uart_api */

#endif
