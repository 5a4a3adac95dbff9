/*
 * test_format.c: host unit tests for format.c, the formatting core of kprintf.
 *
 * Built natively (not for the Pi) with AddressSanitizer and UndefinedBehaviorSanitizer, so
 * an overflow or an undefined shift stops the test. Every conversion, flag, width and length
 * modifier that format.c supports is compared with the C library's snprintf, which is the
 * specification; what format.c does differently on purpose (unknown conversions) is tested
 * on its own. Run: make -C steps/02-uart host-test
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format.h"

/* ANCHOR: host_compare */
#define BUF 256

/* Show `n` bytes of s with C escapes, for the failure messages (NUL is a legal %c). */
static const char *shown(const char *s, int n)
{
    static char out[2][4 * BUF + 1];
    static int which;
    char *o = out[which ^= 1], *p = o;

    for (int i = 0; i < n && i < BUF - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        p += (c >= ' ' && c <= '~' && c != '\\') ? sprintf(p, "%c", c) : sprintf(p, "\\x%02x", c);
    }
    *p = '\0';
    return o;
}

/* Fail unless ksnprintf and snprintf agree on the return value and on every byte written.
 * `what` describes the arguments for the message. */
static void same(const char *fmt, const char *what, const char *want, int want_n,
                 const char *got, int got_n)
{
    int n = want_n < BUF ? want_n : BUF - 1;

    if (got_n != want_n || memcmp(got, want, (size_t)n + 1) != 0)
        fail_msg("format \"%s\" with %s: snprintf gave \"%s\" (%d), ksnprintf gave \"%s\" (%d)",
                 fmt, what, shown(want, n), want_n, shown(got, got_n < BUF ? got_n : BUF - 1),
                 got_n);
}

/* Format the same thing with both and compare. A macro, because C cannot pass "the same
 * variadic arguments" to two functions any other way. */
#define COMPARE(what, fmt, ...)                                                   \
    do {                                                                          \
        char want_[BUF], got_[BUF];                                               \
        memset(got_, 0x55, sizeof got_);                                          \
        int want_n_ = snprintf(want_, sizeof want_, fmt, __VA_ARGS__);            \
        int got_n_ = ksnprintf(got_, sizeof got_, fmt, __VA_ARGS__);              \
        same(fmt, what, want_, want_n_, got_, got_n_);                            \
    } while (0)
/* ANCHOR_END: host_compare */

/* ANCHOR: host_combinations */
/* Every flag combination, width and length modifier format.c supports. */
static const char *const flags[] = { "", "-", "0", "-0", "0-", "00", "--" };
static const char *const widths[] = { "", "1", "2", "5", "11", "20", "21", "25" };
static const char *const lengths[] = { "", "l", "ll", "z" };

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

/* Values around every edge: zero, one digit to two, the limits of every type, a sign bit. */
static const uint64_t values[] = {
    0, 1, 7, 9, 10, 15, 16, 42, 99, 100, 255, 256, 4095, 65535, 65536, 1000000, 0xdeadbeef,
    INT_MAX, (uint64_t)INT_MAX + 1, UINT_MAX, (uint64_t)UINT_MAX + 1, 1234567890123456789ull,
    INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX, (uint64_t)-2, (uint64_t)-7, (uint64_t)-42,
    (uint64_t)-100, (uint64_t)INT_MIN, (uint64_t)(int64_t)INT_MIN - 1,
};

/* Compare one integer conversion `conv` over every flag, width, length and value. The value
 * is passed as the type the length modifier says, as a caller must. */
static void integer_conversion(char conv)
{
    char fmt[32], what[64];
    int is_signed = (conv == 'd' || conv == 'i');

    for (size_t f = 0; f < COUNT(flags); f++)
        for (size_t w = 0; w < COUNT(widths); w++)
            for (size_t l = 0; l < COUNT(lengths); l++)
                for (size_t v = 0; v < COUNT(values); v++) {
                    uint64_t x = values[v];
                    snprintf(fmt, sizeof fmt, "%%%s%s%s%c", flags[f], widths[w], lengths[l], conv);
                    snprintf(what, sizeof what, "the bits 0x%llx", (unsigned long long)x);
                    switch (l * 2 + is_signed) {
                    case 0: COMPARE(what, fmt, (unsigned int)x); break;
                    case 1: COMPARE(what, fmt, (int)x); break;
                    case 2: COMPARE(what, fmt, (unsigned long)x); break;
                    case 3: COMPARE(what, fmt, (long)x); break;
                    case 4: COMPARE(what, fmt, (unsigned long long)x); break;
                    case 5: COMPARE(what, fmt, (long long)x); break;
                    case 6: COMPARE(what, fmt, (size_t)x); break;
                    case 7: COMPARE(what, fmt, (ptrdiff_t)x); break;  /* %zd: ssize_t */
                    }
                }
}

static void test_d(void **state) { (void)state; integer_conversion('d'); }
static void test_i(void **state) { (void)state; integer_conversion('i'); }
static void test_u(void **state) { (void)state; integer_conversion('u'); }
static void test_x(void **state) { (void)state; integer_conversion('x'); }
static void test_X(void **state) { (void)state; integer_conversion('X'); }
/* ANCHOR_END: host_combinations */

/* ANCHOR: host_other_conversions */
/* %c, every byte value (NUL included), every flag and width. ('0' is for numbers: the
 * C library ignores it here, and so does format.c.) */
static void test_c(void **state)
{
    char fmt[32], what[32];
    (void)state;
    for (size_t f = 0; f < COUNT(flags); f++)
        for (size_t w = 0; w < COUNT(widths); w++)
            for (int c = 0; c < 256; c++) {
                snprintf(fmt, sizeof fmt, "[%%%s%sc]", flags[f], widths[w]);
                snprintf(what, sizeof what, "byte %d", c);
                COMPARE(what, fmt, c);
            }
}

/* %s, including NULL (which C libraries print as "(null)"; glibc does, and so do we). */
static void test_s(void **state)
{
    static const char *const strings[] = { "", "a", "hello", "exactly-20-characters",
                                           "a string that is longer than any width", NULL };
    char fmt[32];
    (void)state;
    for (size_t f = 0; f < COUNT(flags); f++)
        for (size_t w = 0; w < COUNT(widths); w++)
            for (size_t s = 0; s < COUNT(strings); s++) {
                snprintf(fmt, sizeof fmt, "<%%%s%ss>", flags[f], widths[w]);
                COMPARE(strings[s] ? strings[s] : "NULL", fmt, strings[s]);
            }
}

/* %p: "0x" and lower-case hex; "(nil)" for NULL, as glibc prints it. */
static void test_p(void **state)
{
    static const uintptr_t pointers[] = { 0, 1, 0x80000, 0x3f215040, 0xffffff8000080000ull,
                                          UINTPTR_MAX };
    char fmt[32], what[32];
    (void)state;
    for (size_t f = 0; f < COUNT(flags); f++)
        for (size_t w = 0; w < COUNT(widths); w++)
            for (size_t p = 0; p < COUNT(pointers); p++) {
                snprintf(fmt, sizeof fmt, "%%%s%sp", flags[f], widths[w]);
                snprintf(what, sizeof what, "%#lx", (unsigned long)pointers[p]);
                COMPARE(what, fmt, (void *)pointers[p]);
            }
}

/* %%, text around conversions, and many arguments in one format (their order must hold). */
static void test_text_and_mixed(void **state)
{
    (void)state;
    COMPARE("nothing", "%s", "");
    COMPARE("nothing", "plain text, no conversions%s", "");
    COMPARE("nothing", "100%% sure%s", "");
    COMPARE("a mix", "%s=%d %c|%-5x|%05u %lu %lld %zu %zd %p %X %%", "x", -3, 'q', 255u, 42u,
            123456789ul, -5ll, (size_t)77, (ptrdiff_t)-77, (void *)0x1234, 0xabcu);
    COMPARE("EL and core", "EL%lu on core %lu, timer %lu Hz, kernel 0x%08lx-0x%08lx\n", 2ul,
            0ul, 62500000ul, 0x80000ul, 0x85c30ul);
}
/* ANCHOR_END: host_other_conversions */

/* ANCHOR: host_truncation */
/* A buffer too small: every size from 0 to past the end. Like snprintf, ksnprintf writes at
 * most size - 1 characters and a NUL, never past the end (ASan watches), and returns the
 * full length. With size 0 it writes nothing at all, so the buffer may be NULL. */
static void test_truncation(void **state)
{
    const char *fmt = "%s|%-6d|%08x|%c";
    (void)state;
    for (size_t size = 0; size <= 30; size++) {
        char want[32], what[32];
        char *got = size ? malloc(size) : NULL;   /* exactly `size` bytes, for ASan */
        memset(want, 0x55, sizeof want);
        if (got)
            memset(got, 0x55, size);
        int want_n = snprintf(want, size, fmt, "abc", -12, 0xbeef, 'z');
        int got_n = ksnprintf(got, size, fmt, "abc", -12, 0xbeef, 'z');
        snprintf(what, sizeof what, "a buffer of %zu bytes", size);
        assert_int_equal(got_n, want_n);
        if (size)
            same(fmt, what, want, (int)strlen(want), got, (int)strlen(got));
        free(got);
    }
}
/* ANCHOR_END: host_truncation */

/* ANCHOR: host_own_rules */
/* ksnprintf without the compiler's format checking, for formats it would reject. */
static int format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Compare what ksnprintf gives with what format.h promises (no C library to ask). */
#define EXPECT(want, fmt, ...)                                                    \
    do {                                                                          \
        char got_[BUF];                                                           \
        int n_ = format_unchecked(got_, sizeof got_, fmt, __VA_ARGS__);           \
        if (strcmp(got_, want) != 0 || n_ != (int)strlen(want))                   \
            fail_msg("format \"%s\": expected \"%s\", ksnprintf gave \"%s\" (%d)", \
                     fmt, want, got_, n_);                                        \
    } while (0)

/* What is not supported prints as written and takes no argument: the next conversion still
 * gets its own argument. (The C library's behaviour here is undefined.) */
static void test_unknown_conversions(void **state)
{
    (void)state;
    EXPECT("%q 7", "%q %d", 7);
    EXPECT("%.3s 7", "%.3s %d", 7);
    EXPECT("%*d 7", "%*d %d", 7);
    EXPECT("%hd 7", "%hd %d", 7);
    EXPECT("%-08q 7", "%-08q %d", 7);
    EXPECT("%lc %ls %lp 7", "%lc %ls %lp %lld", 7ll);
    EXPECT("%zs 7", "%zs %d", 7);
    EXPECT("100%", "100%", 0);
    EXPECT("%-5", "%-5", 0);
    EXPECT("%ll", "%ll", 0);
    EXPECT("%", "%", 0);
}

/* Widths are capped at KFORMAT_MAX_WIDTH, so no format can make a field run for ever, and
 * a width too large for an int does not overflow (UBSan watches). */
static void test_width_cap(void **state)
{
    char big[KFORMAT_MAX_WIDTH + 16];
    (void)state;
    assert_int_equal(format_unchecked(big, sizeof big, "%99999999999999999999d", 1),
                     KFORMAT_MAX_WIDTH);
    assert_int_equal(big[KFORMAT_MAX_WIDTH - 1], '1');
    assert_int_equal(big[0], ' ');
    assert_int_equal(ksnprintf(big, sizeof big, "%4096d", 1), KFORMAT_MAX_WIDTH);
}
/* ANCHOR_END: host_own_rules */

/* ANCHOR: host_main */
int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_d),
        cmocka_unit_test(test_i),
        cmocka_unit_test(test_u),
        cmocka_unit_test(test_x),
        cmocka_unit_test(test_X),
        cmocka_unit_test(test_c),
        cmocka_unit_test(test_s),
        cmocka_unit_test(test_p),
        cmocka_unit_test(test_text_and_mixed),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_unknown_conversions),
        cmocka_unit_test(test_width_cap),
    };
    setvbuf(stdout, NULL, _IONBF, 0);  /* keep cmocka's lines and error messages in order */
    return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
/* ANCHOR_END: host_main */
