/*
 * test_uart.c: host unit tests for uart_divisor (uart.h), the mini UART's baud divisor
 * computed from the core clock the firmware reports.
 *
 * Built natively with AddressSanitizer and UndefinedBehaviorSanitizer, so an overflow in
 * the arithmetic stops the test. Each expected divisor is worked out by hand in the comment
 * beside it from BCM2835 ARM Peripherals §2.2.1: baud = clock / (8 × (divisor + 1)).
 * Run: make -C steps/03-framebuffer host-test
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "uart.h"

/* ANCHOR: host_uart_divisor */
/* The clocks a Pi 3 runs its core at: 250 MHz with core_freq=250 (the divisor steps 01 and
 * 02 hard-code), 400 MHz (the default without it), and 700 MHz (what QEMU answers, so
 * the number `info` prints under QEMU). */
static void test_known_clocks(void **state)
{
    (void)state;
    assert_int_equal(uart_divisor(250000000, 115200), 270);  /* 271.3 -> 271 */
    assert_int_equal(uart_divisor(400000000, 115200), 433);  /* 434.0 -> 434 */
    assert_int_equal(uart_divisor(700000000, 115200), 759);  /* 759.5 -> 760 */
}

/* Rounded to the nearest, not down: 8 × 115200 × 271.6 Hz wants 272 counts, not 271. */
static void test_rounds_to_nearest(void **state)
{
    (void)state;
    assert_int_equal(uart_divisor(250306560, 115200), 271);  /* 271.6 -> 272 */
    assert_int_equal(uart_divisor(249937920, 115200), 270);  /* 271.2 -> 271 */
}

/* The register's whole range is usable: 0 (baud = clock / 8) up to 65535. */
static void test_register_range(void **state)
{
    (void)state;
    assert_int_equal(uart_divisor(8000000, 1000000), 0);     /* 1 count */
    assert_int_equal(uart_divisor(524288, 1), 65535);        /* 65536 counts */
    assert_int_equal(uart_divisor(524292, 1), -1);           /* 65536.5 -> 65537: 17 bits */
    assert_int_equal(uart_divisor(250000000, 300), -1);      /* 104166.7: too slow a rate */
}

/* Refused, never clamped: a clamped divisor would be a wrong baud rate. */
static void test_refuses(void **state)
{
    (void)state;
    assert_int_equal(uart_divisor(0, 115200), -1);           /* no clock */
    assert_int_equal(uart_divisor(250000000, 0), -1);        /* no rate */
    assert_int_equal(uart_divisor(250000000, 50000000), -1); /* 0.625 -> 1: 37 % slow */
    assert_int_equal(uart_divisor(250000000, 20000000), -1); /* 1.56 -> 2: 22 % slow */
    assert_int_equal(uart_divisor(UINT32_MAX, UINT32_MAX), -1);  /* 0.125 -> 0 counts */
    assert_int_equal(uart_divisor(UINT32_MAX, 1), -1);       /* 536870912: far too many */
}

/* The 2 % limit, exactly: 20 counts at 1000 baud make 160 000 Hz; 163 200 Hz is 2 % off
 * (accepted), one hertz more is not. */
static void test_two_percent(void **state)
{
    (void)state;
    assert_int_equal(uart_divisor(163200, 1000), 19);
    assert_int_equal(uart_divisor(163201, 1000), -1);
    assert_int_equal(uart_divisor(156800, 1000), 19);        /* 2 % under */
    assert_int_equal(uart_divisor(156799, 1000), -1);
}
/* ANCHOR_END: host_uart_divisor */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_clocks),
        cmocka_unit_test(test_rounds_to_nearest),
        cmocka_unit_test(test_register_range),
        cmocka_unit_test(test_refuses),
        cmocka_unit_test(test_two_percent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
