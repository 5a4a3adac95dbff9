/*
 * format.h: printf-style formatting, the part of kprintf that knows nothing about hardware.
 * It is plain C on purpose: host/test_format.c compiles it natively and compares it with the
 * C library's snprintf.
 *
 * Supported: %c %s %d %i %u %x %X %p %%, the length modifiers l, ll and z (on d i u x X),
 * a field width, and the flags '-' (left-justify) and '0' (pad numbers with zeros).
 * As in C, %s of NULL prints "(null)"; as in glibc, %p of NULL prints "(nil)".
 * Anything else (a precision, '*', h, an unknown letter) is printed as it was written and
 * takes no argument, so one mistake cannot shift every argument after it.
 */
#ifndef FORMAT_H
#define FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* ANCHOR: format_api */
/* Where formatted output goes: called once per character, in order, with the `ctx` given. */
typedef void kformat_put_fn(char c, void *ctx);

/* Widths above this are treated as this (a field is never longer than 4096 characters). */
#define KFORMAT_MAX_WIDTH 4096

int kvformat(kformat_put_fn *put, void *ctx, const char *fmt, va_list ap);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ANCHOR_END: format_api */

#endif
