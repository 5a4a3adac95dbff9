/*
 * ring.h: a ring buffer of bytes with one producer and one consumer on the same core: what the
 * mini UART receives goes in, the console takes it out. From step 10 both sides are the serial
 * driver's, in user space (user/serial.c includes this file, through the step directory's -I).
 *
 * head and tail run freely (they are never wrapped; the slot is index % RING_SIZE), so
 * head - tail is the number of bytes in the buffer even after the counters overflow, and a
 * full buffer (head - tail == RING_SIZE) is told apart from an empty one without wasting a
 * slot. Each index has one writer: head only the producer, tail only the consumer.
 */
#ifndef RING_H
#define RING_H

#include <stdbool.h>
#include <stdint.h>

/* ANCHOR: ring */
#define RING_SIZE 4096u                /* a power of two, so % is a mask */
_Static_assert((RING_SIZE & (RING_SIZE - 1)) == 0, "RING_SIZE must be a power of two");

struct ring {
    uint8_t buf[RING_SIZE];
    volatile uint32_t head;            /* bytes ever put: written by the producer only */
    volatile uint32_t tail;            /* bytes ever taken: written by the consumer only */
    volatile uint32_t dropped;         /* bytes refused because the buffer was full */
};

/* Stop the compiler from moving memory accesses across this point. The CPU may reorder
 * too, but never in a way the same core can observe: an interrupt handler sees this
 * code's accesses exactly in program order up to the instruction it interrupted. Between
 * two cores this would need dmb (or ldar/stlr). */
#define compiler_barrier() __asm__ volatile("" ::: "memory")
/* ANCHOR_END: ring */

/* ANCHOR: ring_put */
/* Producer: append c, or count it as dropped if the buffer is full. Never blocks (it runs
 * in an interrupt handler) and never writes outside buf. */
static inline bool ring_put(struct ring *r, uint8_t c)
{
    uint32_t head = r->head;
    if (head - r->tail == RING_SIZE) {
        r->dropped = r->dropped + 1;
        return false;
    }
    r->buf[head % RING_SIZE] = c;
    compiler_barrier();                /* the byte is in place before head announces it */
    r->head = head + 1;
    return true;
}
/* ANCHOR_END: ring_put */

/* ANCHOR: ring_get */
/* Consumer: the oldest byte, or -1 if the buffer is empty. */
static inline int ring_get(struct ring *r)
{
    uint32_t tail = r->tail;
    if (tail == r->head)
        return -1;
    compiler_barrier();                /* read head before the byte it announced */
    uint8_t c = r->buf[tail % RING_SIZE];
    compiler_barrier();                /* the byte is read before its slot is given back */
    r->tail = tail + 1;
    return c;
}

static inline bool ring_empty(const struct ring *r)
{
    return r->tail == r->head;
}
/* ANCHOR_END: ring_get */

#endif
