/*
 * kprintf.c: format.c's output, sent to the mini UART. Until step 09 every byte was also
 * drawn on the screen; from step 10 the screen is init's, and the kernel writes to the
 * serial line only: its boot banner, fault lines, panics and DebugPutChar.
 */
#include "kprintf.h"
#include "format.h"
#include "uart.h"

/* ANCHOR: kprintf */
static void put_uart(char c, void *ctx)
{
    (void)ctx;
    uart_putc(c);
}

/* printf to the mini UART; returns the number of characters (a '\n' counts as one, though
 * it goes out as "\r\n"). Blocks until the last character is in the UART's FIFO. The kernel
 * runs with IRQs masked, so nothing else prints meanwhile: a line goes out whole. */
int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvformat(put_uart, 0, fmt, ap);
    va_end(ap);
    return n;
}
/* ANCHOR_END: kprintf */
