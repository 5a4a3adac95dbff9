/*
 * kprintf.c: format.c's output, sent to the mini UART. Until step 09 every byte was also
 * drawn on the screen; from step 10 the screen is init's, and the kernel writes to the
 * serial line only: its console, the boot banner, panics and DebugPutChar.
 */
#include "kprintf.h"
#include "format.h"
#include "irq.h"
#include "uart.h"

/* ANCHOR: kprintf */
/* Print one byte ('\n' as "\r\n"). Several threads print, and any of them may be preempted
 * between the '\r' and the '\n': IRQs are masked for the byte, so a line end always goes out
 * whole. Lines may still mix, a byte at a time; demo.c's threads print each line whole.
 * Blocks while the UART's FIFO is full. */
void kputc(char c)
{
    uint64_t daif = irq_save();
    uart_putc(c);
    irq_restore(daif);
}

void kputs(const char *s)
{
    while (*s)
        kputc(*s++);
}

static void put_uart(char c, void *ctx)
{
    (void)ctx;
    kputc(c);
}

/* printf to the mini UART; returns the number of characters (a '\n' counts as one, though
 * it goes out as "\r\n"). Blocks until the last character is in the UART's FIFO. */
int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvformat(put_uart, 0, fmt, ap);
    va_end(ap);
    return n;
}
/* ANCHOR_END: kprintf */
