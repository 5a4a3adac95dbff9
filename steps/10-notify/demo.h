/*
 * demo.h: the built-in threads the console's `spawn` starts, to watch the scheduler work.
 */
#ifndef DEMO_H
#define DEMO_H

#include "tcb.h"

/* ANCHOR: demo_api */
#define DEMO_PRIO_DEFAULT 100          /* below the console, which therefore stays in charge */
#define YIELDER_ROUNDS    10           /* lines a yielder prints before it ends */
#define COUNTER_STEP      1000000      /* a counter prints every this many ... */
#define COUNTER_STEPS     3            /* ... this many times, then ends */

struct demo {
    const char *name;
    thread_entry *entry;
    const char *what;                  /* for the console's usage line */
};

const struct demo *demo_find(const char *name);   /* 0 if there is none of that name */
extern const struct demo demos[];
extern const unsigned demo_count;
/* ANCHOR_END: demo_api */

#endif
