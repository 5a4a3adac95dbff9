/*
 * uart.h: the mini UART (UART1) of the BCM2837, on GPIO 14 (TX) and 15 (RX): the kernel sends
 * on it; the serial driver in user space (user/serial.c) receives.
 */
#ifndef UART_H
#define UART_H

#include <stdbool.h>
#include <stdint.h>

/* ANCHOR: uart_api */
void uart_init(void);
void uart_putc(char c);
bool uart_set_core_clock(uint32_t clock_hz);
/* ANCHOR_END: uart_api */

/* ANCHOR: uart_divisor */
/*
 * The AUX_MU_BAUD value that makes `baud` out of a core clock of `clock_hz`, rounded to the
 * nearest (BCM2835 ARM Peripherals §2.2.1: baud = clock / (8 × (AUX_MU_BAUD + 1))), or -1 if
 * no value will do: a clock or a rate of 0, a divisor that does not fit the register's 16 bits
 * (§2.2.2, AUX_MU_BAUD), or a rate that even the nearest divisor misses by more than 2 %.
 * Refused, never clamped: a clamped divisor is a wrong baud rate. No hardware is touched,
 * so the host tests call it too.
 */
static inline int32_t uart_divisor(uint32_t clock_hz, uint32_t baud)
{
    if (clock_hz == 0 || baud == 0)
        return -1;
    uint64_t per_count = 8 * (uint64_t)baud;            /* clock cycles per count of n */
    uint64_t n = (clock_hz + per_count / 2) / per_count; /* AUX_MU_BAUD + 1, rounded */
    if (n < 1 || n > 0x10000)
        return -1;
    /* The rate n gives is clock / (8n); it is more than 2 % off when
     * |clock - 8n × baud| > 2 % of 8n × baud (no division, so nothing is rounded). */
    uint64_t made = n * per_count;
    uint64_t off = made > clock_hz ? made - clock_hz : clock_hz - made;
    if (off * 50 > made)
        return -1;
    return (int32_t)(n - 1);
}
/* ANCHOR_END: uart_divisor */

#endif
