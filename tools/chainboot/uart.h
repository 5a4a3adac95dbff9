/* uart.h: the mini UART (UART1) on GPIO 14/15, polled, 115200 8N1 with a 250 MHz core clock. */
#ifndef UART_H
#define UART_H

#include <stdint.h>

void uart_init(void);
void uart_putc(char c);
void uart_puts(const char *s);
void uart_putdec(uint64_t v);
void uart_puthex(uint64_t v);
int uart_getc_before(uint64_t deadline, uint8_t *c);
void uart_flush(void);

#endif
