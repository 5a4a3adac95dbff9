/*
 * test_ring.c: host unit tests for ring.h, the receive buffer between the mini UART's
 * interrupt handler and the console.
 *
 * Built natively with AddressSanitizer and UndefinedBehaviorSanitizer, so a write outside
 * the buffer stops the test. A plain array and two counters model what the ring must do:
 * keep the oldest RING_SIZE bytes, in order, and count every byte it refuses.
 * Run: make -C steps/05-interrupts host-test
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ring.h"

/* ANCHOR: host_ring_basics */
static struct ring r;                  /* 4 KiB: static; each test empties it first */

static void reset(void)
{
    memset(&r, 0, sizeof r);
}

/* An empty ring gives nothing; bytes come out in the order they went in. */
static void test_fifo_order(void **state)
{
    (void)state;
    reset();
    assert_int_equal(ring_get(&r), -1);
    assert_true(ring_empty(&r));
    for (int i = 0; i < 300; i++)
        assert_true(ring_put(&r, (uint8_t)i));
    for (int i = 0; i < 300; i++)
        assert_int_equal(ring_get(&r), i % 256);
    assert_int_equal(ring_get(&r), -1);
    assert_int_equal(r.dropped, 0);
}

/* RING_SIZE bytes fit, not one more: the next ones are refused and counted, and the bytes
 * kept are the oldest. Taking one out makes room for exactly one. */
static void test_full_drops_newest(void **state)
{
    (void)state;
    reset();
    for (unsigned i = 0; i < RING_SIZE; i++)
        assert_true(ring_put(&r, (uint8_t)(i * 7)));
    for (int i = 0; i < 10; i++)
        assert_false(ring_put(&r, 0xEE));
    assert_int_equal(r.dropped, 10);
    assert_int_equal(ring_get(&r), 0);
    assert_true(ring_put(&r, 0xAB));
    assert_false(ring_put(&r, 0xCD));
    assert_int_equal(r.dropped, 11);
    for (unsigned i = 1; i < RING_SIZE; i++)
        assert_int_equal(ring_get(&r), (uint8_t)(i * 7));
    assert_int_equal(ring_get(&r), 0xAB);
    assert_true(ring_empty(&r));
}
/* ANCHOR_END: host_ring_basics */

/* ANCHOR: host_ring_model */
/* The counters run past 2^32 and start again at 0: nothing changes, because head - tail
 * is computed modulo 2^32 too. */
static void test_counters_wrap(void **state)
{
    (void)state;
    reset();
    r.head = r.tail = UINT32_MAX - 100;
    for (unsigned i = 0; i < RING_SIZE; i++)
        assert_true(ring_put(&r, (uint8_t)i));
    assert_false(ring_put(&r, 0));
    assert_true(r.head < r.tail);      /* head has wrapped, tail not yet */
    for (unsigned i = 0; i < RING_SIZE; i++)
        assert_int_equal(ring_get(&r), (uint8_t)i);
    assert_int_equal(ring_get(&r), -1);
}

/* A million random steps of a producer and a consumer against a model: a plain array of
 * everything accepted, and a count of everything refused. */
static void test_random_against_model(void **state)
{
    (void)state;
    reset();
    static uint8_t accepted[1 << 20];
    size_t n_in = 0, n_out = 0;
    uint32_t refused = 0;
    srand(5);
    for (int step = 0; step < 1000000; step++) {
        if (rand() % 100 < 55) {                       /* the producer is a little faster */
            uint8_t c = (uint8_t)rand();
            bool room = n_in - n_out < RING_SIZE;
            assert_int_equal(ring_put(&r, c), room);
            if (room && n_in < sizeof accepted)
                accepted[n_in++] = c;
            else if (!room)
                refused++;
        } else {
            int want = n_out < n_in ? accepted[n_out] : -1;
            assert_int_equal(ring_get(&r), want);
            n_out += want >= 0;
        }
        if (n_in == sizeof accepted)
            break;
    }
    assert_int_equal(r.dropped, refused);
    assert_true(refused > 0);
}
/* ANCHOR_END: host_ring_model */

/* ANCHOR: host_ring_main */
int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_order),
        cmocka_unit_test(test_full_drops_newest),
        cmocka_unit_test(test_counters_wrap),
        cmocka_unit_test(test_random_against_model),
    };
    setvbuf(stdout, NULL, _IONBF, 0);  /* keep cmocka's lines and error messages in order */
    return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
/* ANCHOR_END: host_ring_main */
