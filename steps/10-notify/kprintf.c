/*
 * kprintf.c: format.c's output, sent to the terminal: the mini UART and the screen.
 */
#include "kprintf.h"
#include "format.h"
#include "term.h"

/* ANCHOR: kprintf */
static void put_term(char c, void *ctx)
{
    (void)ctx;
    term_putc(c);
}

/* printf to the terminal (term.c); returns the number of characters (a '\n' counts as one, though
 * it goes out as "\r\n"). Blocks until the last character is in the UART's FIFO. */
int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvformat(put_term, 0, fmt, ap);
    va_end(ap);
    return n;
}
/* ANCHOR_END: kprintf */
