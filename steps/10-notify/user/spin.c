/*
 * spin.c: `run spin` never stops computing, and never makes a system call: a thread that keeps
 * every thread below its priority from running, for as long as it lives. From step 10 it is
 * what the kernel's demo spinner (steps 06-09, `spawn spinner`) was for the checks: raised
 * with `prio` above other programs, it holds them back until `kill` ends it.
 */
#include "ulib.h"

/* ANCHOR: spin */
int main(const char *arg)
{
    (void)arg;
    for (;;)
        __asm__ volatile("" ::: "memory");     /* a loop the compiler may not remove */
}
/* ANCHOR_END: spin */
