/*
 * bench.h: the kernel's side of the measuring harness (`make bench`, common/bench.py).
 *
 * The PMU's cycle counter counts CPU cycles on a real Pi. Under QEMU with
 * -icount shift=0,sleep=off it counts instructions instead, the same on every run and every
 * host: what `make bench` reports.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

/* ANCHOR: bench_api */
void bench_init(void);                 /* main.c, at the banner */
void bench_run(void);                  /* the console's `bench` command */
/* ANCHOR_END: bench_api */

#endif
