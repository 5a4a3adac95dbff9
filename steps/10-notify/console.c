/*
 * console.c: a line editor and a handful of commands, over the mini UART. Since step 06 the
 * console is a thread like any other, at priority PRIO_CONSOLE.
 *
 * Everything the console reads comes from outside, so every byte is treated as hostile:
 * the line has a fixed limit, bytes that are not printable are dropped, and `mem` reads
 * only addresses it knows to be RAM.
 */
#include "console.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "demo.h"
#include "fb.h"
#include "irq.h"
#include "kernel.h"
#include "fault.h"
#include "kprintf.h"
#include "mmu.h"
#include "mbox.h"
#include "format.h"
#include "cnode.h"
#include "process.h"
#include "sched.h"
#include "sysregs.h"
#include "systimer.h"
#include "tcb.h"
#include "timer.h"
#include "trap.h"
#include "uart.h"
#include "vspace.h"
#include "watchdog.h"

/* ANCHOR: console_keys */
#define CONSOLE_LINE_MAX 127   /* characters in a command line, without the NUL */
#define PROMPT           "> "

#define KEY_CTRL_C 0x03        /* abandon the line */
#define KEY_BS     0x08        /* backspace (Ctrl-H) */
#define KEY_CTRL_U 0x15        /* erase the line */
#define KEY_ESC    0x1B        /* starts an escape sequence: arrow keys, function keys … */
#define KEY_DEL    0x7F        /* what most terminals send for the Backspace key */
/* ANCHOR_END: console_keys */

/* ANCHOR: editor */
/* Where an escape sequence is: arrow keys send ESC [ A, and without care "[A" would land
 * in the line. A CSI sequence (ESC [ or ESC O) runs to a final byte in '@'..'~'. */
enum escape { ESC_NONE, ESC_STARTED, ESC_CSI };

/* The line being typed. */
struct editor {
    char buf[CONSOLE_LINE_MAX + 1];
    size_t len;                /* characters in buf; buf[len] is set to NUL when done */
    bool too_long;             /* overflowed: refused, ignored up to Enter */
    bool after_cr;             /* the last byte was '\r' (so a '\n' now is its CR LF pair) */
    enum escape escape;
};

enum edit_result { EDIT_MORE, EDIT_DONE, EDIT_ABANDONED };
/* ANCHOR_END: editor */

/* ANCHOR: edit_helpers */
/* Take back the last character, on the screen too: back, overwrite with a space, back. */
static void erase_char(struct editor *e)
{
    e->len--;
    kputs("\b \b");
}

/* Swallow the bytes of an escape sequence. Returns true if `c` was part of one. */
static bool skip_escape(struct editor *e, unsigned char c)
{
    switch (e->escape) {
    case ESC_STARTED:
        e->escape = (c == '[' || c == 'O') ? ESC_CSI : ESC_NONE;
        return e->escape == ESC_CSI;   /* ESC then anything else: drop just the ESC */
    case ESC_CSI:
        if (c >= 0x20 && c <= 0x7E) {  /* parameters 0x20-0x3F, then the final byte */
            if (c >= 0x40)
                e->escape = ESC_NONE;
            return true;
        }
        e->escape = ESC_NONE;          /* a control byte cuts the sequence short */
        return false;
    default:
        return false;
    }
}

/* A printable character: append and echo it, or refuse the line once it is full. */
static void insert_char(struct editor *e, char c)
{
    if (e->len == CONSOLE_LINE_MAX) {
        kprintf("\nline too long: the limit is %d characters; ignoring it up to Enter\n",
                CONSOLE_LINE_MAX);
        e->too_long = true;
        return;
    }
    e->buf[e->len++] = c;
    kputc(c);
}
/* ANCHOR_END: edit_helpers */

/* ANCHOR: edit */
/* Feed one received byte to the line editor. Returns EDIT_DONE when Enter completes a line
 * (then e->buf holds it), EDIT_ABANDONED for Ctrl-C or a line that was too long, and
 * EDIT_MORE otherwise. Enter is '\r' or '\n'; the '\n' of a "\r\n" pair is ignored. */
static enum edit_result edit(struct editor *e, char byte)
{
    unsigned char c = (unsigned char)byte;
    bool lf_after_cr = (c == '\n' && e->after_cr);

    e->after_cr = (c == '\r');
    if (lf_after_cr || skip_escape(e, c))
        return EDIT_MORE;
    if (c == '\r' || c == '\n') {
        if (e->too_long)
            return EDIT_ABANDONED;     /* the refusal already ended the screen line */
        kputc('\n');
        e->buf[e->len] = '\0';
        return EDIT_DONE;
    }
    if (c == KEY_CTRL_C) {
        kprintf("^C\n");
        return EDIT_ABANDONED;
    }
    if (e->too_long)
        return EDIT_MORE;
    if (c == KEY_CTRL_U) {
        while (e->len > 0)
            erase_char(e);
    } else if (c == KEY_BS || c == KEY_DEL) {
        if (e->len > 0)
            erase_char(e);
    } else if (c == KEY_ESC) {
        e->escape = ESC_STARTED;
    } else if (c >= ' ' && c <= '~') {
        insert_char(e, (char)c);
    }                                  /* any other byte is not printable: ignored */
    return EDIT_MORE;
}
/* ANCHOR_END: edit */

/* ANCHOR: commands */
struct command {
    const char *name;
    const char *usage;         /* its arguments, for help; "" if it takes none */
    const char *help;
    void (*run)(const char *args);
};

static void cmd_help(const char *args);
static void cmd_info(const char *args);
static void cmd_echo(const char *args);
static void cmd_mem(const char *args);
static void cmd_reboot(const char *args);
static void cmd_fb(const char *args);
static void cmd_lines(const char *args);
static void cmd_bench(const char *args);
static void cmd_mbox(const char *args);
static void cmd_pt(const char *args);
static void cmd_fault(const char *args);
static void cmd_svc(const char *args);
static void cmd_uptime(const char *args);
static void cmd_irq(const char *args);
static void cmd_hold(const char *args);
static void cmd_ps(const char *args);
static void cmd_spawn(const char *args);
static void cmd_kill(const char *args);
static void cmd_prio(const char *args);
static void cmd_run(const char *args);
static void cmd_caps(const char *args);
static void cmd_untyped(const char *args);
static void cmd_cdt(const char *args);

static const struct command commands[] = {
    { "help",   "",           "this list",                                    cmd_help },
    { "info",   "",           "exception level, core, timer, kernel location", cmd_info },
    { "echo",   "TEXT",       "print TEXT",                                   cmd_echo },
    { "mem",    "ADDR [LEN]", "hexdump LEN bytes of RAM (default 64, at most 4096)", cmd_mem },
    { "reboot", "",           "reset the board through the watchdog",         cmd_reboot },
    { "fb",     "",           "the framebuffer the kernel got for init",      cmd_fb },
    { "lines",  "N",          "print N numbered lines (at most 10000)",       cmd_lines },
    { "bench",  "",           "what the kernel's paths cost, in PMU cycles (make bench)",
      cmd_bench },
    { "mbox",   "TAG N [V..]", "one property tag with N value words: the answer", cmd_mbox },
    { "pt",     "ADDR",       "walk the translation tables for a virtual address", cmd_pt },
    { "fault",  "KIND [ADDR]", "make a fault: read|write ADDR, exec, undef, align, stack",
      cmd_fault },
    { "svc",    "",           "make a system call and return from it",        cmd_svc },
    { "uptime", "",           "time since the tick started, in ticks and counter ticks",
      cmd_uptime },
    { "irq",    "[test]",     "interrupts taken; test: raise one nobody handles", cmd_irq },
    { "hold",   "N",          "read no input until N more bytes came (fills the buffer)",
      cmd_hold },
    { "ps",     "",           "the threads: id, name, state, priority, ticks used", cmd_ps },
    { "spawn",  "NAME [PRIO]", "start a demo thread: yielder, spinner, counter", cmd_spawn },
    { "kill",   "ID",         "stop a thread, free its TCB and address space", cmd_kill },
    { "prio",   "ID PRIO",    "set a thread's priority, 0-255",               cmd_prio },
    { "run",    "NAME [ARG]", "start a user program (run with no NAME lists them)", cmd_run },
    { "caps",   "ID",         "a thread's CSpace: slot, type, object, rights, badge", cmd_caps },
    { "untyped", "[ID]",      "a program's untyped memory and watermarks (init: 2)", cmd_untyped },
    { "cdt",    "[ID]",       "the derivation tree of what a program has (init: 2)", cmd_cdt },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])
/* ANCHOR_END: commands */

/* ANCHOR: run_command */
static bool same(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static char *skip_spaces(char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

/* Split the line into a command name and its arguments, and run the command. */
static void run_command(char *line)
{
    char *name = skip_spaces(line);
    char *p = name;

    if (*name == '\0')
        return;                        /* an empty line: nothing to do */
    while (*p && *p != ' ')
        p++;
    if (*p)
        *p++ = '\0';
    const char *args = skip_spaces(p);

    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct command *c = &commands[i];
        if (!same(name, c->name))
            continue;
        if (c->usage[0] == '\0' && args[0] != '\0')
            kprintf("usage: %s (it takes no arguments)\n", c->name);
        else
            c->run(args);
        return;
    }
    kprintf("unknown command '%s' (try 'help')\n", name);
}
/* ANCHOR_END: run_command */

/* ANCHOR: console_idle */
/* Whether the interrupt handlers have left work for the console: an interrupt masked for want
 * of a handler, to report. (Until step 09 also a new second for the clock on the screen: the
 * screen is init's now.) */
static bool work_pending(void)
{
    return irq_unhandled_pending();
}

/* Do that work. Here, not in the handlers: printing takes far too long for an interrupt
 * handler. A report interrupts the line being typed (e), so the prompt and the line come
 * again. */
static void do_work(struct editor *e)
{
    int irq;
    while ((irq = irq_take_unhandled()) >= 0) {
        kprintf("\nirq: interrupt %d has no handler: masked (reported once)\n", irq);
        e->buf[e->len] = '\0';
        kprintf(PROMPT "%s", e->buf);          /* the line being typed, again */
    }
}
/* ANCHOR_END: console_idle */

/* ANCHOR: console_getc */
/*
 * The next byte typed, blocking until there is one. Since step 06 the console does not sleep
 * in wfi itself: it blocks until the next interrupt (sched_wait_irq), other threads run
 * meanwhile, and when none can, the idle thread sleeps. The last check and the block still
 * happen with IRQs masked: a byte that arrives between them leaves its interrupt pending, and
 * it is taken as soon as the console has left the processor, which wakes it again. Checked
 * with IRQs on, the byte could be handled after the check and before the block, and the
 * console would wait for it until the next interrupt.
 */
static char console_getc(struct editor *e)
{
    for (;;) {
        int c = uart_read();
        if (c >= 0)
            return (char)c;
        irq_disable();
        bool idle = uart_rx_empty() && !work_pending();
        if (idle)
            sched_wait_irq();
        irq_enable();
        if (!idle)
            do_work(e);
    }
}
/* ANCHOR_END: console_getc */

/* ANCHOR: console_run */
/* Empty the editor for a new line. Field by field: a struct assignment would make GCC call
 * memset, which this kernel does not have. after_cr carries over from the last line. */
static void start_line(struct editor *e)
{
    e->len = 0;
    e->too_long = false;
    e->escape = ESC_NONE;
}

/* The console's loop: prompt, read a line, run it, forever. */
void console_run(uint64_t arg)
{
    static struct editor e;            /* static: not on the 16 KiB stack */

    (void)arg;
    for (;;) {
        kprintf(PROMPT);
        start_line(&e);
        enum edit_result r;
        do
            r = edit(&e, console_getc(&e));
        while (r == EDIT_MORE);
        if (r == EDIT_DONE)
            run_command(e.buf);
    }
}
/* ANCHOR_END: console_run */

/* ANCHOR: cmd_simple */
static void cmd_help(const char *args)
{
    (void)args;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct command *c = &commands[i];
        kprintf("  %-6s %-11s %s\n", c->name, c->usage, c->help);
    }
    kprintf("Keys: Backspace, Ctrl-U erases the line, Ctrl-C abandons it.\n");
}

static void cmd_echo(const char *args)
{
    kprintf("%s\n", args);
}

static void cmd_info(const char *args)
{
    (void)args;
    uint64_t freq = timer_frequency();
    uintptr_t start = (uintptr_t)__kernel_start, end = (uintptr_t)__kernel_end;

    kprintf("step      %s\n", KERNEL_STEP);
    kprintf("running   EL%lu on core %lu\n", (unsigned long)current_el(),
            (unsigned long)core_id());
    if (freq >= 1000)
        kprintf("timer     %lu Hz, %lu ms since power-on\n", (unsigned long)freq,
                (unsigned long)(timer_count() / (freq / 1000)));
    else
        kprintf("timer     CNTFRQ_EL0 is %lu: the firmware did not set it\n",
                (unsigned long)freq);
    /* ANCHOR: info_uart_mbox */
    struct uart_baud baud;
    uart_baud(&baud);
    kprintf("uart      %u baud from a %u Hz core clock (divisor %u)%s\n", baud.baud,
            baud.clock_hz, baud.divisor,
            baud.from_firmware ? "" : ", assumed: the firmware did not say");
    struct mbox_stats mb;
    mbox_stats(&mb);
    kprintf("mbox      %u stale replies drained, %u for another buffer or channel\n",
            mb.stale, mb.foreign);
    /* ANCHOR_END: info_uart_mbox */
    kprintf("kernel    0x%08lx-0x%08lx, %lu bytes with .bss and the stack\n",
            (unsigned long)start, (unsigned long)end, (unsigned long)(end - start));
    kprintf("boot      %lu counter ticks from reset to the banner\n",
            (unsigned long)boot_banner_ticks);
    struct uart_rx_stats rx;
    uart_rx_stats(&rx);
    kprintf("tick      %lu Hz, %lu ticks so far\n", (unsigned long)timer_tick.hz,
            (unsigned long)timer_tick.ticks);
    kprintf("threads   %u of %u TCBs free, timeslice %u ticks, console at priority %u\n",
            tcb_free_count(), TCB_POOL_SIZE, SCHED_TIMESLICE, PRIO_CONSOLE);
    kprintf("user      %u of %u frames free, %u of %u ASIDs free, %u programs\n",
            process_free_blocks() * BLOCK_FRAMES, PROCESS_BLOCKS * BLOCK_FRAMES,
            vspace_free_asids(), ASID_COUNT - ASID_FIRST,
            program_count);
#ifdef DEBUG
    kprintf("debug     invariant 5 is checked on every exit from the kernel\n");
#endif
    kprintf("uart rx   %lu bytes received, %lu dropped (buffer full), %lu FIFO overruns\n",
            (unsigned long)rx.received, (unsigned long)rx.dropped, (unsigned long)rx.overruns);
    uint64_t sctlr = sysreg_read(sctlr_el1);
    kprintf("mmu       SCTLR_EL1 0x%08lx: MMU %s, data cache %s, instruction cache %s\n",
            (unsigned long)sctlr, sctlr & SCTLR_EL1_M ? "on" : "off",
            sctlr & SCTLR_EL1_C ? "on" : "off", sctlr & SCTLR_EL1_I ? "on" : "off");
    kprintf("tables    %lu bytes, TTBR1_EL1 0x%08lx, TCR_EL1 0x%lx, MAIR_EL1 0x%lx\n",
            (unsigned long)mmu_table_bytes(), (unsigned long)sysreg_read(ttbr1_el1),
            (unsigned long)sysreg_read(tcr_el1), (unsigned long)sysreg_read(mair_el1));
}

static void cmd_reboot(const char *args)
{
    (void)args;
    kprintf("rebooting through the PM watchdog...\n");
    watchdog_reboot();
    kprintf("reboot: the watchdog did not reset the board within 100 ms "
            "(does this machine have a PM watchdog?)\n");
}
/* ANCHOR_END: cmd_simple */

/* ANCHOR: mem_bounds */
/* The RAM `mem` may read: [0, RAM_END). Without asking the firmware (the mailbox comes in step 03) we know
 * only the Pi 3's memory map: 1 GiB of SDRAM at physical address 0, of which the ARM sees
 * the part below 0x3F000000, where the peripherals begin. The top of that belongs to the
 * GPU (64 MiB by default, gpu_mem in config.txt), but reading it is harmless. Reading a
 * peripheral register is not: some registers change when read (reading AUX_MU_IO takes a
 * byte out of the FIFO), so nothing at or above 0x3F000000 is ever read. */
#define RAM_END        0x3F000000ul    /* exclusive: PERIPHERAL_BASE */
#define MEM_DEFAULT_LEN 64
#define MEM_MAX_LEN    4096
#define MEM_LINE       16              /* bytes per hexdump line */
/* ANCHOR_END: mem_bounds */

/* ANCHOR: parse_number */
/* Parse a number at *s: decimal, or hexadecimal after "0x". It must end at a space or the
 * end of the string. On success stores it in *out, moves *s past it and any spaces after
 * it, and returns true; returns false (and moves nothing) for anything else, including a
 * value that does not fit in 64 bits. */
static bool parse_number(const char **s, uint64_t *out)
{
    const char *p = *s;
    unsigned base = 10;
    uint64_t v = 0;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    const char *digits = p;
    for (;; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = (unsigned)(*p - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return false;              /* too large */
        v = v * base + d;
    }
    if (p == digits || (*p != ' ' && *p != '\0'))
        return false;
    while (*p == ' ')
        p++;
    *s = p;
    *out = v;
    return true;
}
/* ANCHOR_END: parse_number */

/* ANCHOR: cmd_mem */
/* Print `len` bytes from physical address `addr`, 16 a line: address, hex, and the bytes
 * as text ('.' where not printable). The caller has checked that the range is RAM. */
static void hexdump(uintptr_t addr, size_t len)
{
    const volatile uint8_t *p = PHYS_TO_VIRT(addr);   /* through the linear map */

    for (size_t off = 0; off < len; off += MEM_LINE) {
        size_t n = len - off < MEM_LINE ? len - off : MEM_LINE;
        kprintf("%08lx: ", (unsigned long)(addr + off));
        for (size_t i = 0; i < MEM_LINE; i++) {
            if (i < n)
                kprintf("%02x ", p[off + i]);
            else
                kprintf("   ");
        }
        kprintf(" |");
        for (size_t i = 0; i < n; i++) {
            uint8_t c = p[off + i];
            kprintf("%c", c >= ' ' && c <= '~' ? c : '.');
        }
        kprintf("|\n");
    }
}

/* mem ADDR [LEN]: check everything first, then read. */
static void cmd_mem(const char *args)
{
    uint64_t addr, len = MEM_DEFAULT_LEN;

    if (!parse_number(&args, &addr) || (*args && !parse_number(&args, &len)) || *args) {
        kprintf("usage: mem ADDR [LEN], numbers in decimal or hex with 0x (mem 0x80000 32)\n");
        return;
    }
    if (len == 0 || len > MEM_MAX_LEN) {
        kprintf("mem: LEN must be 1 to %d\n", MEM_MAX_LEN);
        return;
    }
    if (addr >= RAM_END || len > RAM_END - addr) {
        kprintf("mem: refused: %lu bytes at 0x%lx are not all in RAM\n"
                "     (RAM is 0x00000000-0x%08lx, below the peripherals: the Pi 3's memory map)\n",
                (unsigned long)len, (unsigned long)addr, RAM_END - 1);
        return;
    }
    hexdump((uintptr_t)addr, (size_t)len);
}
/* ANCHOR_END: cmd_mem */

/* ANCHOR: cmd_fb */
/* If *s starts with the word `w`, move past it and the spaces after it. */
static bool take_word(const char **s, const char *w)
{
    const char *p = *s;

    while (*w && *p == *w) {
        p++;
        w++;
    }
    if (*w || (*p != ' ' && *p != '\0'))
        return false;
    while (*p == ' ')
        p++;
    *s = p;
    return true;
}

/* fb: what the firmware gave at boot. Read-only: the buffer is init's, which maps it and
 * draws; asking the firmware for another size would pull the memory from under it. */
static void cmd_fb(const char *args)
{
    (void)args;
    if (!fb.width) {
        kprintf("fb: no framebuffer: init got none\n");
        return;
    }
    kprintf("fb: %lux%lu, %lu bits per pixel, pitch %lu bytes, pixel order %s\n",
            (unsigned long)fb.width, (unsigned long)fb.height, (unsigned long)fb.depth,
            (unsigned long)fb.pitch, fb.order == FB_ORDER_BGR ? "BGR" : "RGB");
    kprintf("fb: %lu bytes at 0x%08lx (bus address 0x%08lx), init's as device untypeds\n",
            (unsigned long)fb.size, (unsigned long)fb.pa, (unsigned long)fb.bus);
}
/* ANCHOR_END: cmd_fb */

/* ANCHOR: cmd_lines */
static void cmd_lines(const char *args)
{
    uint64_t n;

    if (!parse_number(&args, &n) || *args || n > 10000) {
        kprintf("usage: lines N, N at most 10000\n");
        return;
    }
    for (uint64_t i = 1; i <= n; i++)
        kprintf("line %lu\n", (unsigned long)i);
}
/* ANCHOR_END: cmd_lines */

/* ANCHOR: cmd_bench */
/* bench: bench.c's figures, one `bench: KEY VALUE UNIT DESCRIPTION` line each. */
static void cmd_bench(const char *args)
{
    (void)args;
    bench_run();
}
/* ANCHOR_END: cmd_bench */

/* ANCHOR: cmd_mbox */
#define MBOX_CMD_MAX_WORDS 16

/* mbox TAG N [V...]: one tag with a value buffer of N words, the first ones set to V...,
 * sent as it is; the answer is printed word by word. A way to explore the firmware:
 * `mbox 0x10002 1` is the board revision, `mbox 0x30002 2 3` the ARM clock. */
static void cmd_mbox(const char *args)
{
    static struct mbox_msg m;
    uint64_t tag, n, v;

    if (!parse_number(&args, &tag) || !parse_number(&args, &n) || tag > UINT32_MAX ||
        n > MBOX_CMD_MAX_WORDS) {
        kprintf("usage: mbox TAG N [VALUE...], N at most %d (mbox 0x10002 1)\n",
                MBOX_CMD_MAX_WORDS);
        return;
    }
    mbox_msg_init(&m);
    uint32_t *value = mbox_add_tag(&m, (uint32_t)tag, (uint32_t)n);
    for (uint64_t i = 0; *args; i++) {
        if (i == n || !parse_number(&args, &v) || v > UINT32_MAX) {
            kprintf("mbox: at most N values, each a 32-bit number\n");
            return;
        }
        value[i] = (uint32_t)v;
    }
    enum mbox_result r = mbox_call(&m);
    if (r != MBOX_OK) {
        mbox_print_error("request", &m, r);
        return;
    }
    kprintf("mbox: tag 0x%08lx answered %lu bytes:", (unsigned long)tag,
            (unsigned long)(value[-1] & ~MBOX_TAG_RESPONSE_BIT));
    for (uint64_t i = 0; i < n; i++)
        kprintf(" 0x%08lx", (unsigned long)value[i]);
    kprintf("\n");
}
/* ANCHOR_END: cmd_mbox */

/* ANCHOR: cmd_mmu */
static void cmd_pt(const char *args)
{
    uint64_t va;
    if (!parse_number(&args, &va) || *args) {
        kprintf("usage: pt ADDR (a virtual address, e.g. pt 0xffffff8000080000)\n");
        return;
    }
    mmu_walk(va);
}

/* fault KIND [ADDR]: every kind ends in a kernel panic (fault.c). */
static void cmd_fault(const char *args)
{
    uint64_t addr;
    if (take_word(&args, "read") && parse_number(&args, &addr) && !*args)
        fault_read(addr);
    else if (take_word(&args, "write") && parse_number(&args, &addr) && !*args)
        fault_write(addr);
    else if (take_word(&args, "exec") && !*args)
        fault_exec();
    else if (take_word(&args, "undef") && !*args)
        fault_undef();
    else if (take_word(&args, "align") && !*args)
        fault_align();
    else if (take_word(&args, "stack") && !*args)
        fault_stack();
    else
        kprintf("usage: fault read ADDR | fault write ADDR | fault exec | fault undef | "
                "fault align | fault stack\n");
}

/* One system call: x0 comes back as the svc's immediate (trap.c). */
static void cmd_svc(const char *args)
{
    (void)args;
    register uint64_t x0 __asm__("x0") = 0;
    __asm__ volatile("svc #0x42" : "+r"(x0) : : "memory");
    kprintf("svc #0x42 returned x0 = 0x%lx, %lu so far\n", (unsigned long)x0,
            (unsigned long)trap_svc_count());
}
/* ANCHOR_END: cmd_mmu */

/* ANCHOR: cmd_uptime */
/* uptime: the tick count and, read with it, the counter: ticks is always exactly
 * counter / period, however late the interrupts came. The two are read until no tick came
 * in between. */
static void cmd_uptime(const char *args)
{
    (void)args;
    uint64_t ticks, counter;
    if (timer_tick.hz == 0) {
        kprintf("uptime: no tick (the timer could not be started)\n");
        return;
    }
    do {
        ticks = timer_tick.ticks;
        counter = timer_count() - timer_tick.start;
    } while (ticks != timer_tick.ticks);
    uint64_t hz = timer_tick.hz, s = ticks / hz;
    kprintf("up %lu:%02lu:%02lu.%02lu: %lu ticks at %lu Hz; counter +%lu, %lu a tick\n",
            (unsigned long)(s / 3600), (unsigned long)(s / 60 % 60), (unsigned long)(s % 60),
            (unsigned long)(ticks % hz * 100 / hz), (unsigned long)ticks, (unsigned long)hz,
            (unsigned long)counter, (unsigned long)timer_tick.period);
}
/* ANCHOR_END: cmd_uptime */

/* ANCHOR: cmd_irq */
#define IRQ_TEST_COMPARE 3             /* the system timer's compare 3: irq 35 */
#define IRQ_TEST_US      1000

/* irq: how often each interrupt was taken. irq test: make the system timer raise irq 35 in
 * 1 ms, with no handler installed, to see the kernel mask it and carry on. */
static void cmd_irq(const char *args)
{
    if (take_word(&args, "test") && !*args) {
        systimer_alarm(IRQ_TEST_COMPARE, IRQ_TEST_US);
        irq_unmask(IRQ_SYSTIMER_C3);
        kprintf("irq test: system timer compare %d fires in %d us, as irq %d, with no handler\n",
                IRQ_TEST_COMPARE, IRQ_TEST_US, IRQ_SYSTIMER_C3);
        return;
    }
    if (*args) {
        kprintf("usage: irq [test]\n");
        return;
    }
    for (unsigned irq = 0; irq < IRQ_COUNT; irq++)
        if (irq_count(irq))
            kprintf("irq %2u: %lu\n", irq, (unsigned long)irq_count(irq));
}
/* ANCHOR_END: cmd_irq */

/* ANCHOR: cmd_hold */
/* hold N: read no input until N more bytes have arrived, as a console too busy to keep up
 * would. They fill the ring buffer; once it is full, the rest are dropped and counted
 * (`info`). Afterwards the console reads what the buffer kept: the oldest bytes. */
static void cmd_hold(const char *args)
{
    uint64_t n;
    struct uart_rx_stats st;

    if (!parse_number(&args, &n) || *args || n == 0 || n > INT32_MAX) {
        kprintf("usage: hold N, N from 1 to %d\n", INT32_MAX);
        return;
    }
    uart_rx_stats(&st);
    uint32_t until = st.received + (uint32_t)n;          /* wraps, as the count does */
    kprintf("hold: reading nothing until %lu more bytes have arrived\n", (unsigned long)n);
    for (bool done = false; !done;) {
        irq_disable();
        uart_rx_stats(&st);
        done = (int32_t)(st.received - until) >= 0;
        if (!done)
            sched_wait_irq();
        irq_enable();
    }
    kprintf("hold: done; %lu bytes dropped since boot\n", (unsigned long)st.dropped);
}
/* ANCHOR_END: cmd_hold */

/* ANCHOR: cmd_ps */
/* What ps shows of a thread. */
struct ps_row {
    uint32_t id, priority, asid;         /* asid 0: a kernel thread */
    enum thread_state state;
    uint64_t ticks;
    char name[TCB_NAME_MAX];
};

/* ps: every thread in the pool, in fixed columns, then what is left of the pool, of the
 * frames and of the ASIDs. The idle thread has no priority: it runs when no queue has a
 * thread; a user thread's ASID names its address space. The rows are copied with
 * IRQs masked, so they are one consistent moment, and printed without. Field by field: a
 * struct copy would make GCC call memcpy, which this kernel does not have. */
static void cmd_ps(const char *args)
{
    (void)args;
    static struct ps_row rows[MAX_THREADS];
    uint32_t n = 0, free;

    uint64_t daif = irq_save();
    for (uint64_t id = 0; id < MAX_THREADS; id++) {
        const struct tcb *t = tcb_by_id(id);
        if (!t)
            continue;
        struct ps_row *r = &rows[n++];
        r->id = t->id;
        r->priority = t->priority;
        r->state = t->state;
        r->ticks = t->ticks_used;
        r->asid = (uint32_t)(tcb_ttbr0((struct tcb *)t) >> 48);
        for (int i = 0; i < TCB_NAME_MAX; i++)
            r->name[i] = t->name[i];
    }
    free = tcb_free_count();
    irq_restore(daif);

    kprintf("  ID NAME             STATE         PRIO      TICKS  ASID\n");
    for (uint32_t i = 0; i < n; i++) {
        const struct ps_row *r = &rows[i];
        char prio[8] = "-";
        if (r->state != THREAD_IDLE)
            ksnprintf(prio, sizeof prio, "%u", r->priority);
        kprintf("%4u %-16s %-13s %4s %10lu", r->id, r->name, thread_state_name(r->state),
                prio, (unsigned long)r->ticks);
        if (r->asid)
            kprintf(" %5u", r->asid);             /* a kernel thread has no address space */
        kprintf("\n");
    }
    kprintf("%u of %u TCBs free\n", free, TCB_POOL_SIZE);
    kprintf("%u of %u frames free, %u of %u ASIDs free\n", process_free_blocks() * BLOCK_FRAMES,
            PROCESS_BLOCKS * BLOCK_FRAMES, vspace_free_asids(), ASID_COUNT - ASID_FIRST);
}
/* ANCHOR_END: cmd_ps */

/* ANCHOR: thread_args */
/* A priority at *s: 0 to PRIO_MAX, or an answer naming the command, and false. */
static bool parse_priority(const char **s, const char *cmd, uint8_t *out)
{
    uint64_t p;
    if (!parse_number(s, &p)) {
        kprintf("%s: the priority must be a number, 0 to %d\n", cmd, PRIO_MAX);
        return false;
    }
    if (p > PRIO_MAX) {
        kprintf("%s: priority %lu is out of range: 0 to %d\n", cmd, (unsigned long)p, PRIO_MAX);
        return false;
    }
    *out = (uint8_t)p;
    return true;
}

/* The thread whose id is at *s, or an answer and 0. Only the console takes TCBs from the pool
 * and frees them (a thread that ends stays in its TCB, Inactive), so the TCB stays the
 * thread's while the command runs. */
static struct tcb *parse_thread(const char **s, const char *cmd)
{
    uint64_t id;
    if (!parse_number(s, &id)) {
        kprintf("%s: the thread id must be a number (ps lists them)\n", cmd);
        return 0;
    }
    struct tcb *t = tcb_by_id(id);
    if (!t)
        kprintf("%s: there is no thread %lu (ps lists them)\n", cmd, (unsigned long)id);
    return t;
}
/* ANCHOR_END: thread_args */

/* ANCHOR: cmd_spawn */
/* The end of a word at s: a space or the end of the string. */
static const char *word_end(const char *s)
{
    while (*s && *s != ' ')
        s++;
    return s;
}

/* spawn NAME [PRIO]: start a demo thread (demo.c), at PRIO or DEMO_PRIO_DEFAULT. Every check
 * comes first; then the thread is made, and if it outranks the console it runs at once. */
static void cmd_spawn(const char *args)
{
    char name[TCB_NAME_MAX];
    const char *end = word_end(args);
    size_t len = (size_t)(end - args);
    uint8_t prio = DEMO_PRIO_DEFAULT;

    if (len == 0) {
        kprintf("usage: spawn NAME [PRIO], NAME one of yielder spinner counter\n");
        return;
    }
    if (len >= sizeof name)
        len = sizeof name - 1;                 /* too long for any demo's name: not found */
    for (size_t i = 0; i < len; i++)
        name[i] = args[i];
    name[len] = '\0';
    const struct demo *d = demo_find(name);
    if (!d) {
        kprintf("spawn: there is no demo '%s' (there are yielder, spinner, counter)\n", name);
        return;
    }
    args = skip_spaces((char *)end);
    if (*args && !parse_priority(&args, "spawn", &prio))
        return;
    if (*args) {
        kprintf("usage: spawn NAME [PRIO]\n");
        return;
    }
    struct tcb *t = thread_spawn(d->name, d->entry, 0, prio);
    if (!t) {
        kprintf("spawn: no free TCB: all %u are in use (kill one first)\n", TCB_POOL_SIZE);
        return;
    }
    kprintf("spawned thread %u: %s at priority %u, tick %lu\n", t->id, d->name, prio,
            (unsigned long)timer_tick.ticks);
    sched_preempt_point();
}
/* ANCHOR_END: cmd_spawn */

/* ANCHOR: cmd_kill */
/* kill ID: any thread but the idle thread (the kernel needs something to run) and the
 * console itself (nothing could type the next command). A user thread's address space and
 * frames go with it. */
static void cmd_kill(const char *args)
{
    struct tcb *t = parse_thread(&args, "kill");

    if (!t)
        return;
    if (*args) {
        kprintf("usage: kill ID\n");
    } else if (t->state == THREAD_IDLE) {
        kprintf("kill: thread %u is the idle thread: it runs when no other thread can\n", t->id);
    } else if (t == sched_current()) {
        kprintf("kill: thread %u is the console itself: nothing could type the next command\n",
                t->id);
    } else {
        kprintf("killed thread %u (%s)\n", t->id, t->name);
        process_kill(t);
    }
}
/* ANCHOR_END: cmd_kill */

/* ANCHOR: cmd_prio */
/* prio ID PRIO: any thread but the idle thread, the console too. Raising a thread above the
 * console, or lowering the console below a thread, hands that thread the processor at once. */
static void cmd_prio(const char *args)
{
    struct tcb *t = parse_thread(&args, "prio");
    uint8_t prio;

    if (!t)
        return;
    if (!*args) {
        kprintf("usage: prio ID PRIO\n");
        return;
    }
    if (!parse_priority(&args, "prio", &prio))
        return;
    if (*args) {
        kprintf("usage: prio ID PRIO\n");
    } else if (t->state == THREAD_IDLE) {
        kprintf("prio: thread %u is the idle thread: it has no priority\n", t->id);
    } else {
        kprintf("thread %u (%s): priority %u -> %u\n", t->id, t->name, t->priority, prio);
        uint64_t daif = irq_save();
        sched_set_priority(t, prio);
        irq_restore(daif);
        sched_preempt_point();
    }
}
/* ANCHOR_END: cmd_prio */

/* ANCHOR: cmd_run */
/* run NAME [ARG]: start a user program (process.c) at PRIO_USER, with ARG as its argument
 * string. Every failure is one line, and leaves nothing allocated. */
static void cmd_run(const char *args)
{
    char name[TCB_NAME_MAX];
    const char *end = word_end(args);
    size_t len = (size_t)(end - args);

    if (len == 0) {
        kprintf("usage: run NAME [ARG], NAME one of init hello faults fuzz bench captest kv\n"
                "    ipctest ipcfuzz ping ntfntest screen\n");
        return;
    }
    if (len >= sizeof name)
        len = sizeof name - 1;
    for (size_t i = 0; i < len; i++)
        name[i] = args[i];
    name[len] = '\0';
    const struct program *p = program_find(name);
    if (!p) {
        kprintf("run: there is no program '%s' (there are init, hello, faults, fuzz, bench,\n"
                "    captest, kv, ipctest, ipcfuzz, ping, ntfntest, screen)\n", name);
        return;
    }
    struct tcb *t;
    const char *why = process_start(p, skip_spaces((char *)end), PRIO_USER, &t);
    if (why) {
        kprintf("run: %s: %s\n", p->name, why);
        return;
    }
    kprintf("started thread %u: %s in ASID %u, %u pages, priority %u\n", t->id, p->name,
            t->process->asid, t->process->pages, PRIO_USER);
    sched_preempt_point();
}
/* ANCHOR_END: cmd_run */

/* ANCHOR: cmd_caps */
/* One cap, in words: its type, its object's physical address, and what is particular to
 * its kind. */
static void print_cap(struct cap c)
{
    kprintf("%-12s", cap_type_name(cap_type(c)));
    switch (cap_type(c)) {
    case CAP_UNTYPED:
        kprintf(" 0x%08lx  2^%u bytes, %lu used%s", cap_pa(c), untyped_size_bits(c),
                (unsigned long)c.w0, untyped_is_device(c) ? ", device" : "");
        break;
    case CAP_ENDPOINT:
    case CAP_NOTIFICATION:
        kprintf(" 0x%08lx  rights %c%c%c%c badge 0x%lx", cap_pa(c),
                cap_rights(c) & RIGHT_READ ? 'R' : '-', cap_rights(c) & RIGHT_WRITE ? 'W' : '-',
                cap_rights(c) & RIGHT_GRANT ? 'G' : '-',
                cap_rights(c) & RIGHT_GRANT_REPLY ? 'P' : '-', (unsigned long)c.w0);
        break;
    case CAP_CNODE:
        kprintf(" 0x%08lx  %lu slots, guard 0x%lx (%u bits)", cap_pa(c),
                1UL << cnode_radix(c), (unsigned long)c.w0, cnode_guard_size(c));
        break;
    case CAP_FRAME:
        kprintf(" 0x%08lx  %s %c%c%s", cap_pa(c), frame_size_bits(c) == 12 ? "4K" : "2M",
                cap_rights(c) & RIGHT_READ ? 'R' : '-', cap_rights(c) & RIGHT_WRITE ? 'W' : '-',
                frame_is_device(c) ? " device" : "");
        if (c.w0)
            kprintf(" at 0x%lx in ASID %lu", (unsigned long)MAPPED_VA(c.w0),
                    (unsigned long)MAPPED_ASID(c.w0));
        break;
    case CAP_PAGE_TABLE:
        kprintf(" 0x%08lx", cap_pa(c));
        if (pt_level(c))
            kprintf("  L%u for 0x%lx in ASID %lu", (unsigned)pt_level(c),
                    (unsigned long)MAPPED_VA(c.w0), (unsigned long)MAPPED_ASID(c.w0));
        break;
    case CAP_VSPACE:
        kprintf(" 0x%08lx  ASID %lu", cap_pa(c), (unsigned long)vspace_asid(c));
        break;
    case CAP_THREAD:
        kprintf(" 0x%08lx  thread %u (%s)", cap_pa(c), tcb_of(c)->id, tcb_of(c)->name);
        break;
    default:
        break;
    }
    kprintf("\n");
}

/* The thread named by the argument (default: default_id), or an answer and 0. */
static struct tcb *thread_arg(const char *args, const char *cmd, uint64_t default_id)
{
    const char *s = args;
    if (!*s) {
        struct tcb *t = tcb_by_id(default_id);
        if (!t)
            kprintf("%s: there is no thread %lu (ps lists them)\n", cmd, (unsigned long)default_id);
        return t;
    }
    struct tcb *t = parse_thread(&s, cmd);
    if (t && *s) {
        kprintf("usage: %s [ID]\n", cmd);
        return 0;
    }
    return t;
}

/* caps ID: every cap in the thread's CSpace root, one line each. Only the root CNode: a
 * CNode cap in it is listed, not walked into. */
static void cmd_caps(const char *args)
{
    if (!*args) {
        kprintf("usage: caps ID\n");
        return;
    }
    struct tcb *t = thread_arg(args, "caps", 0);
    if (!t)
        return;
    uint64_t daif = irq_save();
    struct cap root = tcb_slots(t)[TCB_CSPACE].cap;
    if (cap_type(root) != CAP_CNODE) {
        irq_restore(daif);
        kprintf("caps: thread %u (%s) has no CSpace\n", t->id, t->name);
        return;
    }
    kprintf("thread %u (%s): CNode 0x%08lx, %lu slots\n", t->id, t->name, cap_pa(root),
            1UL << cnode_radix(root));
    kprintf(" SLOT TYPE         OBJECT      DETAILS\n");
    unsigned n = 0;
    for (uint64_t i = 0; i < 1UL << cnode_radix(root); i++) {
        struct cap c = cnode_slots(root)[i].cap;
        if (cap_type(c) == CAP_NULL)
            continue;
        kprintf("%5lu ", (unsigned long)i);
        print_cap(c);
        n++;
    }
    irq_restore(daif);
    kprintf("%u caps\n", n);
}
/* ANCHOR_END: cmd_caps */

/* ANCHOR: cmd_untyped */
/* untyped [ID]: the untyped caps the kernel gave a program, with their watermarks. */
static void cmd_untyped(const char *args)
{
    struct tcb *t = thread_arg(args, "untyped", 2);
    if (!t)
        return;
    if (!t->process) {
        kprintf("untyped: thread %u (%s) was not started by the kernel: it was given none\n",
                t->id, t->name);
        return;
    }
    uint64_t daif = irq_save();
    struct process *p = t->process;
    uint64_t ram = 0, device = 0, used = 0;
    kprintf(" SLOT PADDR       BITS  USED        FREE        KIND\n");
    for (uint64_t i = p->untyped_first; i < p->untyped_end; i++) {
        struct cap c = p->cnode[i].cap;
        if (cap_type(c) != CAP_UNTYPED)
            continue;
        uint64_t size = 1UL << untyped_size_bits(c);
        uint64_t w = cte_has_children(&p->cnode[i]) ? c.w0 : 0;
        kprintf("%5lu 0x%08lx  %4u  %-10lu  %-10lu  %s\n", (unsigned long)i, cap_pa(c),
                untyped_size_bits(c), (unsigned long)w, (unsigned long)(size - w),
                untyped_is_device(c) ? "device" : "ram");
        *(untyped_is_device(c) ? &device : &ram) += size;
        used += w;
    }
    irq_restore(daif);
    kprintf("%lu KiB of RAM, %lu KiB of devices, %lu bytes used\n", (unsigned long)(ram >> 10),
            (unsigned long)(device >> 10), (unsigned long)used);
}
/* ANCHOR_END: cmd_untyped */

/* ANCHOR: cmd_cdt */
/* Where a slot is, in words: in the program's CNode, in a TCB, or elsewhere. */
static void print_where(const struct process *p, const struct cte *s)
{
    uint64_t i = (uint64_t)(s - p->cnode);
    if (s >= p->cnode && i < 1UL << ROOT_CNODE_BITS)
        kprintf("slot %lu", (unsigned long)i);
    else if (s == &p->block)
        kprintf("kernel");
    else
        kprintf("cte 0x%08lx", kva_to_pa(s));
}

/* Print the tree under `root`: each cap indented by its depth, found by keeping the chain of
 * its ancestors (the list is in preorder, so a cap's parent is the nearest earlier cap that
 * is a parent of it). */
static void print_tree(const struct process *p, const struct cte *root)
{
    enum { MAX_DEPTH = 16 };
    const struct cte *chain[MAX_DEPTH];
    unsigned depth = 0;
    for (const struct cte *s = root; s && (s == root || cte_is_parent_of(root, s));
         s = cte_next(s)) {
        while (depth && !cte_is_parent_of(chain[depth - 1], s))
            depth--;
        for (unsigned i = 0; i < depth; i++)
            kprintf("  ");
        print_where(p, s);
        kprintf(": ");
        print_cap(s->cap);
        if (depth < MAX_DEPTH)
            chain[depth++] = s;
    }
}

/* cdt [ID]: what the kernel made for a program (the tree under its block), then what the
 * program made from each untyped it was given that has children. */
static void cmd_cdt(const char *args)
{
    struct tcb *t = thread_arg(args, "cdt", 2);
    if (!t)
        return;
    if (!t->process) {
        kprintf("cdt: thread %u (%s) was not started by the kernel\n", t->id, t->name);
        return;
    }
    uint64_t daif = irq_save();
    struct process *p = t->process;
    print_tree(p, &p->block);
    for (uint64_t i = p->untyped_first; i < p->untyped_end; i++)
        if (cap_type(p->cnode[i].cap) == CAP_UNTYPED && cte_has_children(&p->cnode[i]))
            print_tree(p, &p->cnode[i]);
    irq_restore(daif);
}
/* ANCHOR_END: cmd_cdt */
