/*
 * bench.c: the user side of `bench`'s null-syscall row, and from step 10 of its yield-self row.
 * It reads the PMU's cycle counter at EL0 (the kernel allows it: PMUSERENR_EL0) around
 * BenchmarkNullSyscall, around Yield, and around nothing,
 * and prints the difference in the harness's format: min and median of RUNS runs after
 * WARM_UPS, as the kernel's own rows do.
 */
#include "ulib.h"

/* ANCHOR: bench_user */
#define RUNS      64
#define WARM_UPS  8

static inline uint64_t cycles(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v) :: "memory");
    return v;
}

/* Cycles around one system call (or around nothing): EL0 to the kernel and back. From step
 * 10 the kernel measures nothing itself, so Yield is counted here too: this thread is the only
 * one at its priority, so it gets the processor straight back (seL4's Yield figure, 313, is
 * counted the same way). */
enum call { NOTHING, NULL_SYSCALL, YIELD };

static uint64_t measure(int call)
{
    uint64_t t0 = cycles();
    if (call == NULL_SYSCALL)
        sys_null();
    else if (call == YIELD)
        seL4_Yield();
    return cycles() - t0;
}

static void sort(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* The sorted times of RUNS runs (after WARM_UPS that are not kept). */
static void runs(int call, uint64_t *v)
{
    for (int i = 0; i < WARM_UPS + RUNS; i++) {
        uint64_t c = measure(call);
        if (i >= WARM_UPS)
            v[i - WARM_UPS] = c;
    }
    sort(v, RUNS);
}

int main(const char *arg)
{
    static uint64_t with[RUNS], without[RUNS];
    (void)arg;
    runs(NOTHING, without);
    runs(NULL_SYSCALL, with);
    printf("bench: null-syscall %lu cycles BenchmarkNullSyscall from EL0 and back "
           "(min %lu)\n", with[RUNS / 2] - without[RUNS / 2], with[0] - without[0]);
    runs(YIELD, with);
    printf("bench: yield-self %lu cycles Yield with no other thread at that priority "
           "(min %lu)\n", with[RUNS / 2] - without[RUNS / 2], with[0] - without[0]);
    return 0;
}
/* ANCHOR_END: bench_user */
