/*
 * ulib.h: the user programs' C library, all of it. Output goes one character at a time
 * through the DebugPutChar system call; printf is the kernel's own formatter (format.c).
 */
#ifndef ULIB_H
#define ULIB_H

#include <stddef.h>
#include <stdint.h>

#include <sel4/sel4.h>

#include "syscall.h"

/* ANCHOR: ulib_api */
int putchar(int c);
int puts(const char *s);                   /* s and a newline */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int main(const char *arg);                 /* what crt0 calls: arg is `run NAME ARG`'s ARG */
extern seL4_BootInfo *bootinfo;            /* what the kernel gave this program (step 08) */
const char *error_name(seL4_Error e);      /* "InvalidArgument", ... */
/* ANCHOR_END: ulib_api */

#endif
