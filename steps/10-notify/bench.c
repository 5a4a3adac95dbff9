/*
 * bench.c: what things cost, counted by the PMU's cycle counter, printed in a form a program
 * can read: one line `bench: KEY VALUE UNIT DESCRIPTION` per figure, then `bench: end`.
 * common/bench.py (make bench) boots a step under -icount, types `bench` and makes a table.
 */
#include "bench.h"

#include <stdbool.h>
#include <stdint.h>

#include "irq.h"
#include "kprintf.h"
#include "process.h"
#include "sched.h"
#include "syscall.h"
#include "sysregs.h"
#include "tcb.h"
#include "timer.h"

/* ANCHOR: bench_init */
static uint64_t boot_cycles;             /* from boot.S's first instructions to the banner */

/* Called at the banner: keep the count since boot.S started it, then set the counter up
 * the way the rest of the kernel, and later user programs (step 07), use it: counting at
 * EL1 and EL0 (nothing runs at EL2 any more), readable from EL0. */
void bench_init(void)
{
    boot_cycles = pmu_cycles();
    sysreg_write(pmccfiltr_el0, PMCCFILTR_EL1_EL0);
    sysreg_write(pmuserenr_el0, PMUSERENR_EN | PMUSERENR_CR);
    sysreg_write(pmcntenset_el0, PMCNTENSET_C);
    sysreg_write(pmcr_el0, PMCR_E);
    isb();
}
/* ANCHOR_END: bench_init */

/* ANCHOR: median */
#define RUNS      64                     /* measured runs; the median is reported */
#define WARM_UPS  8                      /* runs before those, not counted */

/* The median of n values (sorted in place; n is small). */
static uint64_t median(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

/* Run `measure` WARM_UPS + RUNS times; the median of the last RUNS. */
static uint64_t repeat(uint64_t (*measure)(bool), bool arg)
{
    static uint64_t v[RUNS];
    for (int i = 0; i < WARM_UPS + RUNS; i++) {
        uint64_t c = measure(arg);
        if (i >= WARM_UPS)
            v[i - WARM_UPS] = c;
    }
    return median(v, RUNS);
}
/* ANCHOR_END: median */

/* ANCHOR: bench_irq */
/*
 * Cycles from unmasking IRQs to masking them again. With `pending`, first wait (IRQs
 * masked) until the timer's next interrupt is asserted, so that unmasking takes exactly
 * that one interrupt: the difference between the two cases is the interrupt, from the
 * first instruction of the vector to its eret. The isb after daifclr makes sure a pending
 * interrupt is taken there and not a few instructions later.
 */
static uint64_t measure_irq(bool pending)
{
    irq_disable();
    while (pending && !(sysreg_read(cntp_ctl_el0) & CNTP_CTL_ISTATUS))
        irq_wait();                             /* returns when an interrupt is pending */
    uint64_t t0 = pmu_cycles();
    __asm__ volatile("msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
    uint64_t t1 = pmu_cycles();
    irq_enable();
    return t1 - t0;
}
/* ANCHOR_END: bench_irq */

/* ANCHOR: bench_svc */
/* Cycles around one `svc` from EL1t to trap.c's handler and back; without `svc`, around
 * nothing. IRQs are masked so that no tick lands in between. `svc #1`: since step 06,
 * `svc #0` is the system-call ABI, and this is step 05's test call. */
static uint64_t measure_svc(bool svc)
{
    irq_disable();
    uint64_t t0 = pmu_cycles();
    if (svc)
        __asm__ volatile("svc #1" ::: "x0", "memory");
    uint64_t t1 = pmu_cycles();
    irq_enable();
    return t1 - t0;
}
/* ANCHOR_END: bench_svc */

/* ANCHOR: bench_threads */
#define BENCH_PRIO     200               /* above the console: the bench threads run alone */
#define BENCH_PRIO_TEXT "200"
#define SAMPLES        (WARM_UPS + RUNS)

/* What the measuring threads leave for the console: one sample per switch they saw. */
static struct {
    volatile uint64_t t0;                /* the counter just before the last switch */
    uint64_t v[SAMPLES];
    volatile unsigned n;
} samples;

static void sample(uint64_t t1)
{
    if (samples.n < SAMPLES)
        samples.v[samples.n++] = t1 - samples.t0;
}

/* Run `n` threads of `entry` at BENCH_PRIO until they have taken every sample; the median
 * of the last RUNS, or 0 if the pool had no room. They are made together, with IRQs masked,
 * so that the first starts only when all are queued; the console yields to them and runs
 * again when they have all ended. */
static uint64_t run_threads(thread_entry *entry, int n)
{
    struct tcb *t[2] = { 0, 0 };
    bool ok = true;

    samples.n = 0;
    uint64_t daif = irq_save();
    for (int i = 0; i < n; i++)
        ok = ok && (t[i] = thread_spawn("bench", entry, 0, BENCH_PRIO)) != 0;
    irq_restore(daif);
    sched_preempt_point();
    daif = irq_save();
    for (int i = 0; i < n; i++)
        if (t[i])
            sched_kill(t[i]);              /* they have ended: free their TCBs */
    irq_restore(daif);
    return ok ? median(samples.v + WARM_UPS, RUNS) : 0;
}
/* ANCHOR_END: bench_threads */

/* ANCHOR: bench_yield */
/* Yield back and forth, IRQs masked (no tick in between). Each thread writes the counter
 * just before its svc; the other reads it just after its own svc returns: the difference is
 * one Yield, from the svc to the first instruction of the other thread. A thread alone at
 * its priority yields to itself. */
static void yield_thread(uint64_t arg)
{
    (void)arg;
    irq_disable();
    while (samples.n < SAMPLES) {
        samples.t0 = pmu_cycles();
        sys_yield();
        sample(pmu_cycles());
    }
}

/* The same two counter reads without the svc: what to subtract. */
static uint64_t measure_reads(bool unused)
{
    (void)unused;
    samples.t0 = pmu_cycles();
    return pmu_cycles() - samples.t0;
}
/* ANCHOR_END: bench_yield */

/* ANCHOR: bench_switch_tick */
/* Let the tick take the processor: with IRQs masked, wait until the tick that will end this
 * thread's timeslice is pending (taking the others, which only count it down), write the
 * counter, and unmask. The interrupt is taken at the isb, the scheduler switches to the other
 * thread, which resumes after its own isb and reads the counter. */
static void tick_thread(uint64_t arg)
{
    (void)arg;
    while (samples.n < SAMPLES) {
        irq_disable();
        for (;;) {
            while (!(sysreg_read(cntp_ctl_el0) & CNTP_CTL_ISTATUS))
                irq_wait();
            if (sched_current()->timeslice == 1)
                break;
            __asm__ volatile("msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
        }
        samples.t0 = pmu_cycles();
        __asm__ volatile("msr daifclr, #2; isb" ::: "memory");
        sample(pmu_cycles());
    }
}

/* The same without a pending interrupt: what to subtract. */
static uint64_t measure_unmask(bool unused)
{
    (void)unused;
    irq_disable();
    samples.t0 = pmu_cycles();
    __asm__ volatile("msr daifclr, #2; isb" ::: "memory");
    uint64_t t1 = pmu_cycles();
    return t1 - samples.t0;
}
/* ANCHOR_END: bench_switch_tick */

/* ANCHOR: bench_user */
/* Rows from user space: the user program `bench` measures the null system call with the PMU
 * at EL0, `ping` (step 09) the round trips through an endpoint, and `signal` (step 10) a
 * Signal, a Signal that wakes a thread, and an interrupt on its way to a driver; each prints
 * its rows itself. They run above the console, so each has finished (its crt0's brk ended
 * it) when the console runs again and frees it. `ping` and `signal` are told their priority,
 * which their other threads share. */
static void bench_program(const char *name, const char *arg)
{
    struct tcb *t;
    const char *why = process_start(program_find(name), arg, BENCH_PRIO, &t);
    if (why) {
        kprintf("bench: the user program %s did not start: %s\n", name, why);
        return;
    }
    sched_preempt_point();
    process_kill(t);
}

static void bench_user(void)
{
    bench_program("bench", "");
    bench_program("ping", BENCH_PRIO_TEXT);
    bench_program("signal", BENCH_PRIO_TEXT);
}
/* ANCHOR_END: bench_user */

/* ANCHOR: bench_run */
static void row(const char *key, uint64_t value, const char *description)
{
    kprintf("bench: %s %lu cycles %s\n", key, (unsigned long)value, description);
}

/* Cycles per character of kputs: to the UART (and, until step 09, the screen). */
static uint64_t measure_char(void)
{
    static const char text[] = "(32 characters, to be counted.) ";
    uint64_t t0 = pmu_cycles();
    kputs(text);
    uint64_t t1 = pmu_cycles();
    kputs("\n");
    return (t1 - t0) / (sizeof text - 1);
}

/* The `bench` command. The interrupt's figure takes 72 ticks of waiting (0.72 s). */
void bench_run(void)
{
    row("boot", boot_cycles, "from the kernel's first instruction to the banner");
    if (timer_tick.hz)                          /* there is a tick to measure */
        row("irq", repeat(measure_irq, true) - repeat(measure_irq, false),
            "a timer interrupt, from its vector to eret");
    row("svc", repeat(measure_svc, true) - repeat(measure_svc, false),
        "svc from EL1 to its handler and back");
    bench_user();
    uint64_t reads = repeat(measure_reads, false), v;
    if ((v = run_threads(yield_thread, 2)) != 0)
        row("yield", v - reads, "Yield to another thread of the same priority");
    if ((v = run_threads(yield_thread, 1)) != 0)
        row("yield-self", v - reads, "Yield with no other thread at that priority");
    if (timer_tick.hz && (v = run_threads(tick_thread, 2)) != 0)
        row("switch-tick", v - repeat(measure_unmask, false),
            "a tick that ends a timeslice, to the next thread");
    row("char", measure_char(), "to print one character (UART)");
    kprintf("bench: end\n");
}
/* ANCHOR_END: bench_run */
