/*
 * demo.c: three kinds of thread to watch the scheduler with. Each is plain C running at EL1t
 * on its own stack, and prints lines that start with its name and id, so that a person (or a
 * test) can tell who printed what, and in which order.
 */
#include "demo.h"

#include <stdarg.h>
#include <stdint.h>

#include "format.h"
#include "irq.h"
#include "kprintf.h"
#include "sched.h"
#include "syscall.h"
#include "timer.h"

/* ANCHOR: demo_say */
#define SAY_MAX 96

/* Print one line, whole: IRQs are masked while it goes out, so no other thread can print in
 * the middle of it (kputc alone keeps only single bytes whole). That holds off the tick
 * for the line's length, which is why only these short lines do it. */
static void say(const char *fmt, ...)
{
    char line[SAY_MAX];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    uint64_t daif = irq_save();
    kputs(line);
    irq_restore(daif);
}

static const struct tcb *me(void)
{
    return sched_current();
}
/* ANCHOR_END: demo_say */

/* ANCHOR: demos */
/* Print a line, let the next thread of the same priority run, YIELDER_ROUNDS times. With
 * others at its priority the lines alternate in a strict round; the tick on each line shows
 * how long the others kept the processor. */
static void yielder(uint64_t arg)
{
    (void)arg;
    for (unsigned round = 1; round <= YIELDER_ROUNDS; round++) {
        say("yielder %u: round %u at tick %lu\n", me()->id, round,
            (unsigned long)timer_tick.ticks);
        sys_yield();
    }
}

/* Never print, never yield: only the tick takes the processor away from it. Below the
 * console it runs whenever the console waits; above it, nothing at or below its priority
 * ever runs again. */
static void spinner(uint64_t arg)
{
    (void)arg;
    volatile uint64_t spins = 0;
    for (;;)
        spins = spins + 1;
}

/* Count, printing every COUNTER_STEP, then end: the thread becomes Inactive. */
static void counter(uint64_t arg)
{
    (void)arg;
    volatile uint64_t n = 0;
    for (unsigned step = 1; step <= COUNTER_STEPS; step++) {
        while (n < (uint64_t)step * COUNTER_STEP)
            n = n + 1;
        say("counter %u: %lu\n", me()->id, (unsigned long)n);
    }
    say("counter %u: done\n", me()->id);
}

const struct demo demos[] = {
    { "yielder", yielder, "prints a line and yields, 10 times" },
    { "spinner", spinner, "spins forever, never yields" },
    { "counter", counter, "counts to 3000000 and ends" },
};
const unsigned demo_count = sizeof demos / sizeof demos[0];
/* ANCHOR_END: demos */

/* ANCHOR: demo_find */
const struct demo *demo_find(const char *name)
{
    for (unsigned i = 0; i < demo_count; i++) {
        const char *a = demos[i].name, *b = name;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        if (*a == *b)
            return &demos[i];
    }
    return 0;
}
/* ANCHOR_END: demo_find */
