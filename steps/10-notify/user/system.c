/*
 * system.c: what init does from step 10 on, after its demonstration of step 08: it builds
 * the system the kernel no longer contains. It claims the mini UART's interrupt and page,
 * starts the serial server as a thread of its own with both, and then becomes the console.
 * The kernel, from here on, drives nothing but the timer and the interrupt controllers.
 */
#include "system.h"

#include "fbterm.h"
#include "loader.h"
#include "serial.h"
#include "shell.h"
#include "threads.h"

/* ANCHOR: system_consts */
#define SYSTIMER_PA       0x3F003000UL  /* the system timer's page (BCM2835 ARM Peripherals §12) */
#define IRQ_COMPARE1      33            /* its compare 1: bank 1, bit 1 */
#define PM_PA             0x3F100000UL  /* the power management block: the watchdog */
#define AUX_PA            0x3F215000UL  /* the mini UART's page (BCM2835 ARM Peripherals §2.1) */
#define IRQ_AUX           61            /* irq.h's number: bank 1 bit 29, the AUX line */
#define SERIAL_THREAD     2             /* threads.h's index (0 and 1: the worker's pages) */
#define SERIAL_PRIO       250           /* above every program: input is never kept waiting */
#define SCREEN_VA         0x30000000UL  /* the framebuffer, for the server's terminal */
#define SHELL_PRIO        128           /* the console's priority of steps 06-09: programs
                                           started with `run` (100) are below it */
#define BLOCK_BITS        21            /* a program's memory: 2 MiB, as process.c gave */
#define SHELL_BADGE       SERIAL_BADGE_CLIENT(1)
/* ANCHOR_END: system_consts */

static void fail(const char *what, seL4_Error e)
{
    printf("init: %s: %s\n", what, error_name(e));
    for (;;)
        seL4_Yield();
}


/* ANCHOR: system_timer */
/* What the console gives every program it starts (shell.c), after seL4's slots: a frame of
 * the system timer's page and a handler for its compare 1, so that a program can drive a
 * device and take its interrupt (signal.c measures that path). Copies of init's caps: the
 * line stays init's, and each program's copy goes with it when it is killed. */
seL4_CPtr system_timer_caps[2];
/* ANCHOR_END: system_timer */

/* ANCHOR: system_reboot */
/* The console's `reboot`: the PM block's watchdog, as the kernel's watchdog.c drove it until
 * step 09 (Broadcom's Linux driver, bcm2835_wdt.c, is the only description of these
 * registers). Every write carries the password 0x5A in its top byte, or it is ignored. */
#define PM_VA             0x22000000UL  /* where init maps the PM page */
#define PM_RSTC           0x1C          /* reset control: what the watchdog does when it fires */
#define PM_WDOG           0x24          /* its countdown, in ticks of 1/65536 s */
#define PM_PASSWORD       0x5A000000u
#define PM_RSTC_WRCFG     0x00000030u   /* bits 5:4: the reset configuration ... */
#define PM_RSTC_FULL      0x00000020u   /* ... a full reset */
#define PM_WDOG_TICKS     10u           /* about 150 us */

static bool pm_mapped;

bool system_reboot(void)
{
    if (!pm_mapped)
        return false;
    volatile uint32_t *rstc = (volatile uint32_t *)(PM_VA + PM_RSTC);
    volatile uint32_t *wdog = (volatile uint32_t *)(PM_VA + PM_WDOG);
    __asm__ volatile("dsb sy" ::: "memory");
    uint32_t keep = *rstc & ~(0xFF000000u | PM_RSTC_WRCFG);
    *wdog = PM_PASSWORD | PM_WDOG_TICKS;
    *rstc = PM_PASSWORD | keep | PM_RSTC_FULL;
    __asm__ volatile("dsb sy" ::: "memory");
    for (volatile uint64_t i = 0; i < 20000000; i++)   /* far longer than 150 us */
        ;
    return false;                     /* no reset came: an emulator without the PM block */
}
/* ANCHOR_END: system_reboot */

/* ANCHOR: system_restart */
static struct thread server;

/* The console's `serial restart`: stop the server wherever it is, and start it again from its
 * entry point, as init would restart a driver that failed. The shell is the only client and
 * is not waiting on it (it runs this), so no Call is lost. */
seL4_Error system_restart_serial(void)
{
    seL4_UserContext regs = { .pc = (seL4_Word)serial_server, .sp = STACK_TOP(SERIAL_THREAD),
                              .tpidr_el0 = IPC_VA(SERIAL_THREAD) };
    seL4_Error e = seL4_TCB_Suspend(server.tcb);
    if (!e)
        e = seL4_TCB_WriteRegisters(server.tcb, 0, 0, sizeof regs / sizeof(seL4_Word), &regs);
    if (!e)
        e = seL4_TCB_Resume(server.tcb);
    return e;
}
/* ANCHOR_END: system_restart */

/* ANCHOR: system_start */
void system_start(seL4_CPtr first_free_slot)
{
    threads_init("init");
    next_slot = first_free_slot;

    /* The interrupt: an IRQHandler cap for irq 61, and a notification it signals with badge
     * SERIAL_BADGE_IRQ (the badge of the cap given to SetNotification). */
    seL4_CPtr irq = next_slot++, ntfn = make(seL4_NotificationObject, 0);
    seL4_CPtr irq_ntfn = next_slot++;
    seL4_Error e = seL4_IRQControl_Get(seL4_CapIRQControl, IRQ_AUX, seL4_CapInitThreadCNode,
                                       irq, 64);
    if (!e)
        e = seL4_CNode_Mint(seL4_CapInitThreadCNode, irq_ntfn, 64, seL4_CapInitThreadCNode,
                            ntfn, 64, seL4_AllRights, SERIAL_BADGE_IRQ);
    if (!e)
        e = seL4_IRQHandler_SetNotification(irq, irq_ntfn);
    if (e)
        fail("the mini UART's interrupt", e);

    /* The registers: the AUX page, mapped in init's address space (the server's too). A
     * device frame is mapped as Device memory whatever the attributes say (vspace.c); map()
     * (threads.c) makes the page tables the address needs. */
    seL4_CPtr aux = device_frame(AUX_PA);
    e = aux ? map(aux, SERIAL_AUX_VA) : seL4_FailedLookup;
    if (e)
        fail("mapping the AUX page", e);

    /* The screen: the terminal library maps the framebuffer init was given, and the server
     * draws what it writes there too, as the kernel's console did until step 09. */
    const char *why = fbterm_init(bootinfo, &next_slot, SCREEN_VA);
    if (why)
        printf("init: no screen: %s\n", why);

    /* The server: a thread with its own CNode holding its endpoint and the IRQHandler, the
     * notification bound to its TCB, so one Recv waits for clients and the interrupt. */
    seL4_CPtr ep = make(seL4_EndpointObject, 0), shell_cap = next_slot++;
    struct thread *t = &server;
    e = thread_new(t, SERIAL_THREAD, serial_server, 0, SERIAL_PRIO);
    if (!e)
        e = seL4_CNode_Copy(t->cnode, SERIAL_SLOT_EP, 4, seL4_CapInitThreadCNode, ep, 64,
                            seL4_AllRights);
    if (!e)
        e = seL4_CNode_Move(t->cnode, SERIAL_SLOT_IRQ, 4, seL4_CapInitThreadCNode, irq, 64);
    if (!e)
        e = seL4_TCB_BindNotification(t->tcb, ntfn);
    if (!e)
        e = seL4_CNode_Mint(seL4_CapInitThreadCNode, shell_cap, 64, seL4_CapInitThreadCNode,
                            ep, 64, seL4_AllRights, SHELL_BADGE);
    if (!e)
        e = seL4_TCB_Resume(t->tcb);
    if (e)
        fail("starting the serial server", e);

    /* The watchdog's page, for `reboot`. */
    seL4_CPtr pm = device_frame(PM_PA);
    pm_mapped = pm && !map(pm, PM_VA);

    /* The system timer, for the console's programs (above). */
    seL4_CPtr timer_frame = device_frame(SYSTIMER_PA), timer_irq = next_slot++;
    if (timer_frame && !seL4_IRQControl_Get(seL4_CapIRQControl, IRQ_COMPARE1,
                                            seL4_CapInitThreadCNode, timer_irq, 64)) {
        system_timer_caps[0] = timer_frame;
        system_timer_caps[1] = timer_irq;
    }

    /* The loader, for the console's `run`: its slots are all init has left (nothing below
     * takes one from threads.c any more), its blocks 2 MiB each from init's RAM untypeds. A
     * program started by the console gets no fault handler: a fault stops it, the kernel's
     * line says so, and `kill` frees it, as in steps 07-09. */
    loader_fault_handler = false;
    why = loader_init(bootinfo->untyped.start, next_slot);
    if (why)
        printf("init: no loader: %s: %s\n", why, error_name(loader_error));
    for (seL4_Word i = 0; i < bootinfo->untyped.end - bootinfo->untyped.start; i++) {
        const seL4_UntypedDesc *d = &bootinfo->untypedList[i];
        if (!d->isDevice && d->sizeBits >= BLOCK_BITS)
            loader_add_blocks(bootinfo->untyped.start + i, BLOCK_BITS, LOADER_BLOCKS);
    }

    /* init becomes the console, at the console's priority. Lowering it lets the worker of
     * step 08 (at 200) finish first, so its lines come before the console's greeting. */
    e = seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, SHELL_PRIO);
    if (e)
        fail("the console's priority", e);
    shell_run(shell_cap);
}
/* ANCHOR_END: system_start */
