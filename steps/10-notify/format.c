/*
 * format.c: the formatting core of kprintf (see format.h for what it supports).
 * No hardware, no C library: the same file runs in the kernel, in the user programs (user.mk
 * compiles it for them) and in host unit tests.
 */
#include "format.h"

#include <stdbool.h>
#include <stdint.h>

/* ANCHOR: format_spec */
/* One conversion, as parsed from "%-08lx": flags, width, length modifier, conversion letter. */
enum length { LEN_INT, LEN_LONG, LEN_LONG_LONG, LEN_SIZE };

struct spec {
    bool left;                    /* '-': pad on the right */
    bool zero;                    /* '0': pad numbers with zeros after the sign or "0x" */
    unsigned width;               /* minimum field width, 0 if none */
    enum length length;           /* l, ll or z */
    char conv;                    /* the conversion letter */
};

/* The output so far: every character goes to put(), and `count` is what kvformat returns. */
struct out {
    kformat_put_fn *put;
    void *ctx;
    int count;
};
/* ANCHOR_END: format_spec */

/* ANCHOR: format_field */
static void emit(struct out *o, char c)
{
    o->put(c, o->ctx);
    o->count++;
}

static void emit_n(struct out *o, char c, size_t n)
{
    while (n--)
        emit(o, c);
}

static size_t length_of(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* Write one field: `prefix` (a sign or "0x"), then `body` (`len` bytes, which may include
 * NUL for %c), padded to the spec's width: spaces on the left, zeros between prefix and body
 * (only if `zero_ok`: the '0' flag is for numbers), or spaces on the right with '-'. */
static void emit_field(struct out *o, const struct spec *s, const char *prefix,
                       const char *body, size_t len, bool zero_ok)
{
    size_t prefix_len = length_of(prefix);
    size_t used = prefix_len + len;
    size_t fill = s->width > used ? s->width - used : 0;
    bool zeros = s->zero && zero_ok && !s->left;

    if (!s->left && !zeros)
        emit_n(o, ' ', fill);
    for (size_t i = 0; i < prefix_len; i++)
        emit(o, prefix[i]);
    if (zeros)
        emit_n(o, '0', fill);
    for (size_t i = 0; i < len; i++)
        emit(o, body[i]);
    if (s->left)
        emit_n(o, ' ', fill);
}
/* ANCHOR_END: format_field */

/* ANCHOR: format_number */
/* The digits of `v` in `base` (10 or 16), written backwards from `end`; returns the first.
 * 64 bits need at most 20 decimal digits. */
static char *digits(uint64_t v, unsigned base, bool upper, char *end)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;

    do {
        *--p = set[v % base];
        v /= base;
    } while (v);
    return p;
}

/* An unsigned argument of the spec's length, widened to 64 bits. */
static uint64_t arg_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_LONG:      return va_arg(*ap, unsigned long);
    case LEN_LONG_LONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE:      return va_arg(*ap, size_t);
    default:            return va_arg(*ap, unsigned int);
    }
}

/* %zd takes the signed type of size_t's size, which C calls ssize_t only in POSIX. */
_Static_assert(sizeof(ptrdiff_t) == sizeof(size_t), "%zd reads a ptrdiff_t");

/* A signed argument of the spec's length, widened to 64 bits. */
static int64_t arg_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_LONG:      return va_arg(*ap, long);
    case LEN_LONG_LONG: return va_arg(*ap, long long);
    case LEN_SIZE:      return va_arg(*ap, ptrdiff_t);  /* the signed type of size_t's size */
    default:            return va_arg(*ap, int);
    }
}

/* %d %i %u %x %X. The magnitude of a negative number is computed in unsigned arithmetic,
 * where -INT64_MIN does not overflow. */
static void emit_number(struct out *o, const struct spec *s, va_list *ap)
{
    char buf[20];
    char *end = buf + sizeof buf;
    const char *sign = "";
    uint64_t v;

    if (s->conv == 'd' || s->conv == 'i') {
        int64_t sv = arg_signed(ap, s->length);
        v = sv < 0 ? -(uint64_t)sv : (uint64_t)sv;
        sign = sv < 0 ? "-" : "";
    } else {
        v = arg_unsigned(ap, s->length);
    }
    unsigned base = (s->conv == 'x' || s->conv == 'X') ? 16 : 10;
    char *p = digits(v, base, s->conv == 'X', end);
    emit_field(o, s, sign, p, (size_t)(end - p), true);
}

/* %p: "0x" and the address in hex, or "(nil)" for NULL, as glibc prints them. */
static void emit_pointer(struct out *o, const struct spec *s, va_list *ap)
{
    char buf[16];
    char *end = buf + sizeof buf;
    uintptr_t v = (uintptr_t)va_arg(*ap, void *);

    if (v == 0) {
        emit_field(o, s, "", "(nil)", 5, false);
        return;
    }
    char *p = digits(v, 16, false, end);
    emit_field(o, s, "0x", p, (size_t)(end - p), true);
}
/* ANCHOR_END: format_number */

/* ANCHOR: format_parse */
/* Parse the flags, width and length of the conversion starting after a '%'. Returns the
 * position of the conversion letter (which may be '\0' if the format ends early). */
static const char *parse_spec(const char *f, struct spec *s)
{
    *s = (struct spec){ 0 };
    for (;; f++) {
        if (*f == '-')
            s->left = true;
        else if (*f == '0')
            s->zero = true;
        else
            break;
    }
    for (; *f >= '0' && *f <= '9'; f++) {
        s->width = s->width * 10 + (unsigned)(*f - '0');
        if (s->width > KFORMAT_MAX_WIDTH)
            s->width = KFORMAT_MAX_WIDTH;
    }
    if (f[0] == 'l' && f[1] == 'l') {
        s->length = LEN_LONG_LONG;
        f += 2;
    } else if (*f == 'l') {
        s->length = LEN_LONG;
        f++;
    } else if (*f == 'z') {
        s->length = LEN_SIZE;
        f++;
    }
    s->conv = *f;
    return f;
}
/* ANCHOR_END: format_parse */

/* ANCHOR: kvformat */
/* Is `conv` one of ours? The length modifiers belong to the integer conversions only. */
static bool known(const struct spec *s)
{
    switch (s->conv) {
    case 'd': case 'i': case 'u': case 'x': case 'X':
        return true;
    case 'c': case 's': case 'p': case '%':
        return s->length == LEN_INT;
    default:
        return false;
    }
}

/* Format `fmt` with the arguments in `ap`, handing each character to put(c, ctx).
 * Returns the number of characters produced. */
int kvformat(kformat_put_fn *put, void *ctx, const char *fmt, va_list ap)
{
    struct out o = { put, ctx, 0 };
    struct spec s;
    va_list args;

    va_copy(args, ap);  /* a va_list we can pass by pointer on every ABI */
    while (*fmt) {
        if (*fmt != '%') {
            emit(&o, *fmt++);
            continue;
        }
        const char *start = fmt;
        fmt = parse_spec(fmt + 1, &s);
        if (!known(&s)) {
            /* Not ours: print the directive as written, up to and including its letter,
             * and take no argument. */
            while (start < fmt)
                emit(&o, *start++);
            if (*fmt)
                emit(&o, *fmt++);
            continue;
        }
        switch (s.conv) {
        case 'c': {
            char c = (char)va_arg(args, int);
            emit_field(&o, &s, "", &c, 1, false);
            break;
        }
        case 's': {
            const char *str = va_arg(args, const char *);
            if (!str)
                str = "(null)";
            emit_field(&o, &s, "", str, length_of(str), false);
            break;
        }
        case 'p':
            emit_pointer(&o, &s, &args);
            break;
        case '%':
            emit(&o, '%');
            break;
        default:
            emit_number(&o, &s, &args);
            break;
        }
        fmt++;
    }
    va_end(args);
    return o.count;
}
/* ANCHOR_END: kvformat */

/* ANCHOR: ksnprintf */
/* A buffer being filled: at most size - 1 characters, then always a NUL. */
struct buffer {
    char *buf;
    size_t size;
    size_t pos;
};

static void put_buffer(char c, void *ctx)
{
    struct buffer *b = ctx;
    if (b->pos + 1 < b->size)
        b->buf[b->pos] = c;
    b->pos++;
}

/* Like C's vsnprintf: writes at most `size` bytes including the NUL (none if size is 0) and
 * returns the length the whole output would have had, so `>= size` means it was cut. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer b = { buf, size, 0 };
    int n = kvformat(put_buffer, &b, fmt, ap);

    if (size > 0)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
/* ANCHOR_END: ksnprintf */
