/*
 * signal.c: what a notification costs, counted as ping.c counts a round trip: the PMU's cycle
 * counter read at EL0 around the system call, which under QEMU's -icount counts instructions,
 * the same on every run. Three rows, in the format of `bench` (the console's command, which
 * starts this program: shell.c):
 *
 *     signal       Signal with nobody waiting: from this thread's `mrs` before the `svc` to the
 *                  `mrs` after it (5 user instructions: the `mrs`, three `mov`s and the `svc`,
 *                  as seL4's was counted), with the kernel's part alone (PMU event 0x08, EL0
 *                  filtered out) as ping prints it
 *     signal-wake  Signal to a thread of higher priority waiting on the notification: from the
 *                  signaller's `mrs` to the waiter's first instruction after its Wait, across
 *                  the switch
 *     irq-to-user  an interrupt, from the first instruction of its exception vector to the
 *                  first instruction of the driver thread after its Wait returns
 *
 * How irq-to-user is counted exactly, with nothing added to the kernel's interrupt path. The
 * device is the system timer's compare 1 (irq 33): once it has matched, it holds the line
 * raised until its match bit is cleared. Then, with the line raised and masked (the kernel
 * masked it when it delivered the last interrupt), this thread reads the counter and calls
 * IRQHandler_Ack: the kernel unmasks the line, and the interrupt is taken at once on its way
 * out, before this thread's next instruction; the driver wakes and reads the counter. That
 * sample is the Ack's own path plus the interrupt's. The same Ack with the match bit cleared
 * (nothing raised) is the Ack's own path alone, ended by this thread's `mrs` instead of the
 * driver's. The difference is the interrupt: from its vector to the driver's first instruction,
 * and it is exact, since both samples run the same instructions up to the Ack's `eret`.
 *
 * Each row is the least of SAMPLES after WARM_UPS (a tick inside one adds ~150). `run signal
 * [PRIO]`: PRIO is the waiter's priority (100 for `run`, bench's for bench); this thread
 * lowers itself one below it. The system timer's page and a handler for its compare 1 come
 * from the console, as copies of init's caps (system.c), at the loader's extra slots.
 */
#include "loader.h"
#include "threads.h"

/* ANCHOR: signal_stubs */
/* signal_send(cptr, cycles[], kernel[], n): n Signals; for each, the cycle counter's
 * difference (user and kernel) and event counter 0's (the kernel's alone), as ping_client.
 *
 * signal_waiter: the waiting thread, at its entry. Wait on its slot 2, then note the counter
 * in `woken` (its first instruction after the Wait), and wait again.
 *
 * signal_wake(cptr, cycles[], n): n Signals to the waiter; for each, the waiter's note minus
 * the counter before the svc (the waiter runs, notes and waits again before this thread
 * goes on).
 *
 * irq_ack(handler, cycles[], n, raised): n IRQHandler_Acks (a Call with label 27 and no
 * words); for each, with `raised`, the driver's note minus the counter before the svc;
 * without, this thread's own counter after the svc instead. The same instructions up to the
 * Ack's eret either way. */
__asm__(
    "    .text\n"
    "    .balign 64\n"
    "    .global signal_send\n"
    "signal_send:\n"                     /* x0 cptr, x1 cycles, x2 kernel, x3 n */
    "    mov     x9, x0\n"
    "    mov     x11, x1\n"
    "    mov     x12, x2\n"
    "    mov     x13, x3\n"
    "1:  isb\n"
    "    mrs     x14, pmevcntr0_el0\n"
    "    mrs     x15, pmccntr_el0\n"     /* the sample starts */
    "    mov     x0, x9\n"               /* the notification */
    "    mov     x1, #0\n"               /* msginfo: nothing */
    "    mov     x7, #-3\n"              /* Send: on a notification cap, Signal */
    "    svc     #0\n"
    "    mrs     x16, pmccntr_el0\n"     /* and ends */
    "    mrs     x17, pmevcntr0_el0\n"
    "    sub     x16, x16, x15\n"
    "    sub     x17, x17, x14\n"
    "    str     x16, [x11], #8\n"
    "    str     x17, [x12], #8\n"
    "    subs    x13, x13, #1\n"
    "    b.ne    1b\n"
    "    ret\n"
    "\n"
    "    .balign 64\n"
    "    .global signal_waiter\n"
    "signal_waiter:\n"
    "    adrp    x20, woken\n"
    "    add     x20, x20, :lo12:woken\n"
    "1:  mov     x0, #2\n"               /* slot 2 of its CNode: the notification */
    "    mov     x7, #-5\n"              /* Recv: on a notification cap, Wait */
    "    svc     #0\n"
    "    mrs     x9, pmccntr_el0\n"      /* the first instruction after the Wait */
    "    str     x9, [x20]\n"
    "    b       1b\n"
    "\n"
    "    .balign 64\n"
    "    .global signal_wake\n"
    "signal_wake:\n"                     /* x0 cptr, x1 cycles, x2 n */
    "    mov     x9, x0\n"
    "    mov     x11, x1\n"
    "    mov     x13, x2\n"
    "    adrp    x10, woken\n"
    "    add     x10, x10, :lo12:woken\n"
    "1:  isb\n"
    "    mrs     x15, pmccntr_el0\n"
    "    mov     x0, x9\n"
    "    mov     x1, #0\n"
    "    mov     x7, #-3\n"              /* Signal: the waiter runs, notes, waits again */
    "    svc     #0\n"
    "    ldr     x16, [x10]\n"
    "    sub     x16, x16, x15\n"
    "    str     x16, [x11], #8\n"
    "    subs    x13, x13, #1\n"
    "    b.ne    1b\n"
    "    ret\n"
    "\n"
    "    .balign 64\n"
    "    .global irq_ack\n"
    "irq_ack:\n"                         /* x0 handler, x1 cycles, x2 n, x3 raised */
    "    mov     x9, x0\n"
    "    mov     x11, x1\n"
    "    mov     x13, x2\n"
    "    mov     x12, x3\n"
    "    mov     x14, #27\n"             /* msginfo: label IRQAckIRQ (27), no words */
    "    lsl     x14, x14, #12\n"
    "    adrp    x10, woken\n"
    "    add     x10, x10, :lo12:woken\n"
    "1:  isb\n"
    "    mrs     x15, pmccntr_el0\n"
    "    mov     x0, x9\n"
    "    mov     x1, x14\n"
    "    mov     x7, #-1\n"              /* Call: IRQHandler_Ack */
    "    svc     #0\n"
    "    mrs     x16, pmccntr_el0\n"     /* without the interrupt: the sample ends here */
    "    cbz     x12, 2f\n"
    "    ldr     x16, [x10]\n"           /* with it: at the driver's note */
    "2:  sub     x16, x16, x15\n"
    "    str     x16, [x11], #8\n"
    "    subs    x13, x13, #1\n"
    "    b.ne    1b\n"
    "    ret\n");
/* ANCHOR_END: signal_stubs */

void signal_send(seL4_CPtr ntfn, uint64_t *cycles, uint64_t *kernel, uint64_t n);
void signal_waiter(seL4_Word unused);
void signal_wake(seL4_CPtr ntfn, uint64_t *cycles, uint64_t n);
void irq_ack(seL4_CPtr handler, uint64_t *cycles, uint64_t n, uint64_t raised);
uint64_t woken __attribute__((used));    /* the waiter's note (signal_waiter) */

#define SAMPLES   1000
#define WARM_UPS  16
#define KERNEL_INSTRUCTIONS  (0x08 | 1UL << 30)   /* INST_RETIRED, not counted at EL0 (U) */

/* ANCHOR: signal_timer */
#define IRQ_COMPARE1  33              /* system timer compare 1 */
#define ST_VA         0x20000000UL
#define ST_CS         0x00            /* bit 1: compare 1 matched; writing 1 clears it */
#define ST_CLO        0x04
#define ST_C1         0x10
#define CS_MATCH1     (1u << 1)

static volatile uint32_t *st(unsigned offset)
{
    return (volatile uint32_t *)(ST_VA + offset);
}

/* The timer's page and a handler for its compare 1, as the console gives them to every
 * program it starts (system.c): copies of init's caps, at the loader's extra slots. */
#define SLOT_TIMER_FRAME  PROC_SLOT_EXTRA(0)
#define SLOT_TIMER_IRQ    PROC_SLOT_EXTRA(1)
/* ANCHOR_END: signal_timer */

static uint64_t cycles[WARM_UPS + SAMPLES], kernel[WARM_UPS + SAMPLES];

static void sort(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* The samples after the warm-ups, sorted: [0] is the least, [SAMPLES / 2] the median. */
static uint64_t *kept(uint64_t *v)
{
    sort(v + WARM_UPS, SAMPLES);
    return v + WARM_UPS;
}

/* ANCHOR: signal_irq */
/* irq-to-user: irq 33's handler signals the waiter's notification; compare 1 matches once
 * (the waiter gets it; the line is now raised and masked), then the Acks with the line
 * raised, then with the match cleared. The notification is taken off the line at the end. */
static void irq_row(seL4_CPtr ntfn)
{
    seL4_CPtr handler = SLOT_TIMER_IRQ;
    seL4_Error e = map(SLOT_TIMER_FRAME, ST_VA);
    if (!e)
        e = seL4_IRQHandler_SetNotification(handler, ntfn);
    if (e) {
        printf("signal: irq %d for irq-to-user: %s\n", IRQ_COMPARE1, error_name(e));
        return;
    }
    *st(ST_CS) = CS_MATCH1;
    *st(ST_C1) = *st(ST_CLO) + 100;
    while (!(*st(ST_CS) & CS_MATCH1))
        ;
    seL4_Yield();                     /* the interrupt has reached the waiter */
    irq_ack(handler, cycles, WARM_UPS + SAMPLES, 1);
    *st(ST_CS) = CS_MATCH1;           /* nothing raised: the Ack alone */
    irq_ack(handler, kernel, WARM_UPS + SAMPLES, 0);
    uint64_t *with = kept(cycles), *without = kept(kernel);
    printf("bench: irq-to-user %lu cycles an interrupt, from its vector to the driver's first "
           "instruction after Wait (min of %d: Ack with the line raised %lu, without %lu; "
           "medians %lu and %lu)\n", with[0] - without[0], SAMPLES, with[0], without[0],
           with[SAMPLES / 2], without[SAMPLES / 2]);
    seL4_IRQHandler_Clear(handler);   /* the line is the console's again, masked */
}
/* ANCHOR_END: signal_irq */

int main(const char *arg)
{
    seL4_Word prio = 0;
    for (const char *s = arg; *s >= '0' && *s <= '9'; s++)
        prio = prio * 10 + (seL4_Word)(*s - '0');
    if (!prio)
        prio = 100;                   /* `run signal`: the priority `run` gives */
    threads_init("signal");
    /* The event counter: set up from EL0, which the kernel allows (PMUSERENR_EL0.EN). */
    __asm__ volatile("msr pmevtyper0_el0, %0; msr pmcntenset_el0, %1; isb"
                     :: "r"(KERNEL_INSTRUCTIONS), "r"(1UL) : "memory");
    seL4_CPtr idle = make(seL4_NotificationObject, 0), ntfn = make(seL4_NotificationObject, 0);
    struct thread waiter;
    seL4_Error e = idle && ntfn ? seL4_NoError : seL4_NotEnoughMemory;
    if (!e)
        e = thread_new(&waiter, 0, signal_waiter, 0, prio);
    if (!e)
        e = seL4_CNode_Copy(waiter.cnode, 2, 4, seL4_CapInitThreadCNode, ntfn, 64,
                            seL4_CanRead);
    if (!e)
        e = seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, prio - 1);
    if (!e)
        e = seL4_TCB_Resume(waiter.tcb);  /* it runs at once, and waits */
    if (e) {
        printf("signal: setting up: %s\n", error_name(e));
        return 1;
    }

    signal_send(idle, cycles, kernel, WARM_UPS + SAMPLES);
    uint64_t *c = kept(cycles), *k = kept(kernel);
    printf("bench: signal %lu cycles Signal with nobody waiting (min of %d; median %lu; the "
           "kernel's part %lu)\n", c[0], SAMPLES, c[SAMPLES / 2], k[0]);
    signal_wake(ntfn, cycles, WARM_UPS + SAMPLES);
    c = kept(cycles);
    printf("bench: signal-wake %lu cycles Signal to a waiting thread of higher priority, to "
           "its first instruction (min of %d; median %lu)\n", c[0], SAMPLES, c[SAMPLES / 2]);
    irq_row(ntfn);
    return 0;
}
