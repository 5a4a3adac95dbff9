/*
 * ulib.c: putchar, puts and printf over DebugPutChar, and the few string functions GCC may
 * call on its own (memcpy, memset for struct copies and initialisers). Built with
 * -fno-tree-loop-distribute-patterns, so that GCC does not turn memset's loop into a call to
 * memset.
 */
#include "ulib.h"

#include <stdarg.h>

#include "format.h"

/* ANCHOR: ulib_start */
seL4_BootInfo *bootinfo;

/* crt0 comes here with what the kernel put in x0 and x1. libsel4's stubs find the IPC buffer
 * through TPIDR_EL0 (sel4/functions.h), so that is set first. */
void ulib_start(seL4_BootInfo *bi, const char *arg);
void ulib_start(seL4_BootInfo *bi, const char *arg)
{
    bootinfo = bi;
    seL4_SetIPCBuffer(bi->ipcBuffer);
    main(arg);
}

const char *error_name(seL4_Error e)
{
    static const char *const names[] = {
        "NoError", "InvalidArgument", "InvalidCapability", "IllegalOperation", "RangeError",
        "AlignmentError", "FailedLookup", "TruncatedMessage", "DeleteFirst", "RevokeFirst",
        "NotEnoughMemory",
    };
    return (unsigned)e < sizeof names / sizeof *names ? names[e] : "?";
}
/* ANCHOR_END: ulib_start */

/* ANCHOR: ulib */
int putchar(int c)
{
    sys_debug_put_char((char)c);
    return (unsigned char)c;
}

int puts(const char *s)
{
    while (*s)
        putchar(*s++);
    putchar('\n');
    return 0;
}

static void put(char c, void *ctx)
{
    (void)ctx;
    putchar(c);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvformat(put, 0, fmt, ap);
    va_end(ap);
    return n;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}
/* ANCHOR_END: ulib */
