/*
 * fuzz.c: `run fuzz [SEED]` makes FUZZ_CALLS system calls with random registers: x7 one of
 * the step's three calls, x0..x6 anything. DebugPutChar comes seldom (its random bytes go to
 * the console). The seed is printed, so a run can be repeated exactly. A kernel that survives
 * it and gets back every frame and ASID when the program is killed has no path that a
 * register value can break.
 */
#include "ulib.h"

/* ANCHOR: fuzz */
#define FUZZ_CALLS     1000000
#define FUZZ_SEED      0x5eed07c0ffee1234UL
#define PUTCHAR_ONE_IN 4096               /* DebugPutChar for one call in this many */

static uint64_t state;

/* xorshift64 (Marsaglia 2003): enough randomness for registers, and repeatable. */
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static uint64_t parse_seed(const char *s)
{
    uint64_t v = 0;
    for (; *s; s++) {
        unsigned d = *s >= 'a' ? *s - 'a' + 10 : *s >= 'A' ? *s - 'A' + 10 : *s - '0';
        v = v * 16 + (d & 15);
    }
    return v ? v : FUZZ_SEED;
}

/* One system call with every argument register random (x0..x6) and x7 = `number`. */
static void call(int64_t number)
{
    register uint64_t x0 __asm__("x0") = next(), x1 __asm__("x1") = next();
    register uint64_t x2 __asm__("x2") = next(), x3 __asm__("x3") = next();
    register uint64_t x4 __asm__("x4") = next(), x5 __asm__("x5") = next();
    register uint64_t x6 __asm__("x6") = next();
    register int64_t x7 __asm__("x7") = number;
    __asm__ volatile("svc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5),
                     "+r"(x6), "+r"(x7) : : "memory");
}

int main(const char *arg)
{
    state = parse_seed(arg);
    printf("fuzz: seed 0x%lx, %d system calls\n", state, FUZZ_CALLS);
    for (int i = 0; i < FUZZ_CALLS; i++) {
        uint64_t r = next();
        if (r % PUTCHAR_ONE_IN == 0)
            call(SYS_DEBUG_PUT_CHAR);
        else
            call(r & 1 ? SYS_YIELD : SYS_BENCHMARK_NULL_SYSCALL);
    }
    printf("\nfuzz: done, %d system calls\n", FUZZ_CALLS);
    return 0;
}
/* ANCHOR_END: fuzz */
