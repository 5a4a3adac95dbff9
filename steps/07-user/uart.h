/*
 * uart.h: the mini UART (UART1) of the BCM2837, on GPIO 14 (TX) and 15 (RX).
 */
#ifndef UART_H
#define UART_H

#include <stdbool.h>
#include <stdint.h>

/* ANCHOR: uart_api */
void uart_init(void);
void uart_putc(char c);
void uart_puts(const char *s);
void uart_rx_start(void);
int uart_read(void);
bool uart_rx_empty(void);

struct uart_rx_stats {
    uint32_t received;                 /* bytes taken out of the receive FIFO */
    uint32_t dropped;                  /* of those, bytes the full ring buffer refused */
    uint32_t overruns;                 /* times the FIFO overflowed, losing bytes before that */
};
void uart_rx_stats(struct uart_rx_stats *st);
/* ANCHOR_END: uart_api */

#endif
