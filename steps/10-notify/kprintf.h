/*
 * kprintf.h: the kernel's printf, to the mini UART. The formats are format.h's.
 */
#ifndef KPRINTF_H
#define KPRINTF_H

/* ANCHOR: kprintf_api */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ANCHOR_END: kprintf_api */

#endif
