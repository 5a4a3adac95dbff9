/*
 * shell.c: the console, now a user program. Until step 09 it was a kernel thread that read
 * the mini UART's ring and called into the kernel for every command; from step 10 it is
 * init's main thread once init has built the system, and everything it reads and writes goes
 * through the serial server (serial.c) by IPC. Its line editor is the kernel console's, moved
 * here unchanged; its commands are those that make sense outside the kernel.
 *
 * Everything it reads comes from outside, so every byte is treated as hostile, as before:
 * the line has a fixed limit, and bytes that are not printable are dropped.
 */
#include "shell.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "loader.h"
#include "kernel.h"
#include "serial.h"
#include "syscall.h"
#include "system.h"
#include "ulib.h"

/* ANCHOR: shell_io */
static seL4_CPtr server;               /* our badged cap to the serial server's endpoint */
static char out[SERIAL_MSG_BYTES];     /* bytes waiting to be written, one message's worth */
static size_t out_len;

/* Send what is waiting to the server: one Call of up to 32 bytes, in 4 message registers. */
static void flush(void)
{
    seL4_Word mr[4] = { 0, 0, 0, 0 };
    for (size_t i = 0; i < out_len; i++)
        mr[i / 8] |= (seL4_Word)(uint8_t)out[i] << (i % 8 * 8);
    if (out_len)
        seL4_CallWithMRs(server, seL4_MessageInfo_new(SERIAL_LABEL(SERIAL_WRITE, out_len), 0, 0,
                                                      (out_len + 7) / 8),
                         &mr[0], &mr[1], &mr[2], &mr[3]);
    out_len = 0;
}

static void sh_putc(char c)
{
    out[out_len++] = c;
    if (out_len == sizeof out)
        flush();
}

static void sh_puts(const char *s)
{
    while (*s)
        sh_putc(*s++);
}

static void put(char c, void *ctx)
{
    (void)ctx;
    sh_putc(c);
}

static void sh_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvformat(put, 0, fmt, ap);
    va_end(ap);
}

/* The next byte typed. Written bytes go out first (the prompt, an echo), then a READ waits
 * in the server until something arrives; it brings up to 32 bytes, kept here. */
static char sh_getc(void)
{
    static seL4_Word in[4];
    static size_t in_len, in_next;
    if (in_next == in_len) {
        flush();
        seL4_MessageInfo_t info;
        do {
            info = seL4_CallWithMRs(server, seL4_MessageInfo_new(SERIAL_READ, 0, 0, 0),
                                    &in[0], &in[1], &in[2], &in[3]);
        } while (seL4_MessageInfo_get_label(info) == 0);
        in_len = seL4_MessageInfo_get_label(info);
        in_next = 0;
    }
    size_t i = in_next++;
    return (char)(in[i / 8] >> (i % 8 * 8));
}
/* ANCHOR_END: shell_io */

/* ANCHOR: shell_keys */
#define LINE_MAX   127         /* characters in a command line, without the NUL */
#define PROMPT     "> "

#define KEY_CTRL_C 0x03        /* abandon the line */
#define KEY_BS     0x08        /* backspace (Ctrl-H) */
#define KEY_CTRL_U 0x15        /* erase the line */
#define KEY_ESC    0x1B        /* starts an escape sequence: arrow keys, function keys ... */
#define KEY_DEL    0x7F        /* what most terminals send for the Backspace key */
/* ANCHOR_END: shell_keys */

/* ANCHOR: shell_editor */
/* The line editor of the kernel console of steps 02-09, with its output sent to the serial
 * server. See chapter 02 for how it works. */
enum escape { ESC_NONE, ESC_STARTED, ESC_CSI };

struct editor {
    char buf[LINE_MAX + 1];
    size_t len;
    bool too_long;
    bool after_cr;
    enum escape escape;
};

enum edit_result { EDIT_MORE, EDIT_DONE, EDIT_ABANDONED };

static void erase_char(struct editor *e)
{
    e->len--;
    sh_puts("\b \b");
}

static bool skip_escape(struct editor *e, unsigned char c)
{
    switch (e->escape) {
    case ESC_STARTED:
        e->escape = (c == '[' || c == 'O') ? ESC_CSI : ESC_NONE;
        return e->escape == ESC_CSI;
    case ESC_CSI:
        if (c >= 0x20 && c <= 0x7E) {
            if (c >= 0x40)
                e->escape = ESC_NONE;
            return true;
        }
        e->escape = ESC_NONE;
        return false;
    default:
        return false;
    }
}

static void insert_char(struct editor *e, char c)
{
    if (e->len == LINE_MAX) {
        sh_printf("\nline too long: the limit is %d characters; ignoring it up to Enter\n",
                  LINE_MAX);
        e->too_long = true;
        return;
    }
    e->buf[e->len++] = c;
    sh_putc(c);
}

static enum edit_result edit(struct editor *e, char byte)
{
    unsigned char c = (unsigned char)byte;
    bool lf_after_cr = (c == '\n' && e->after_cr);

    e->after_cr = (c == '\r');
    if (lf_after_cr || skip_escape(e, c))
        return EDIT_MORE;
    if (c == '\r' || c == '\n') {
        if (e->too_long)
            return EDIT_ABANDONED;
        sh_putc('\n');
        e->buf[e->len] = '\0';
        return EDIT_DONE;
    }
    if (c == KEY_CTRL_C) {
        sh_puts("^C\n");
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
    }
    return EDIT_MORE;
}
/* ANCHOR_END: shell_editor */

/* ANCHOR: shell_commands */
struct command {
    const char *name;
    const char *usage;
    const char *help;
    void (*run)(const char *args);
};

static void cmd_help(const char *args);
static void cmd_info(const char *args);
static void cmd_echo(const char *args);
static void cmd_lines(const char *args);
static void cmd_hold(const char *args);
static void cmd_serial(const char *args);
static void cmd_ps(const char *args);
static void cmd_run(const char *args);
static void cmd_kill(const char *args);
static void cmd_prio(const char *args);
static void cmd_bench(const char *args);
static void cmd_reboot(const char *args);

static const struct command commands[] = {
    { "help",   "",           "this list",                                    cmd_help },
    { "info",   "",           "the step, and what the serial server has seen", cmd_info },
    { "echo",   "TEXT",       "print TEXT",                                   cmd_echo },
    { "reboot", "",           "reset the board through the watchdog",         cmd_reboot },
    { "lines",  "N",          "print N numbered lines (at most 10000)",       cmd_lines },
    { "hold",   "N",          "read no input until N more bytes came (fills the buffer)",
      cmd_hold },
    { "ps",     "",           "the threads, as the kernel sees them (seL4_DebugDumpScheduler)",
      cmd_ps },
    { "run",    "NAME [ARG]", "start a user program (run with no NAME lists them)", cmd_run },
    { "kill",   "ID",         "stop a program, and free everything it had",   cmd_kill },
    { "prio",   "ID PRIO",    "set a program's priority, 0-255",              cmd_prio },
    { "bench",  "",           "what the kernel's paths cost, in PMU cycles (make bench)",
      cmd_bench },
    { "serial", "restart",    "stop the serial server and start it again",    cmd_serial },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])
/* ANCHOR_END: shell_commands */

/* ANCHOR: shell_run_command */
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

static void run_command(char *line)
{
    char *name = skip_spaces(line);
    char *p = name;

    if (*name == '\0')
        return;
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
            sh_printf("usage: %s (it takes no arguments)\n", c->name);
        else
            c->run(args);
        return;
    }
    sh_printf("unknown command '%s' (try 'help')\n", name);
}
/* ANCHOR_END: shell_run_command */

/* ANCHOR: shell_cmds */
static bool parse_number(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    *s = p;
    *out = v;
    return true;
}

static void cmd_help(const char *args)
{
    (void)args;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const struct command *c = &commands[i];
        sh_printf("  %-6s %-11s %s\n", c->name, c->usage, c->help);
    }
    sh_puts("Keys: Backspace, Ctrl-U erases the line, Ctrl-C abandons it.\n");
}

static void cmd_echo(const char *args)
{
    sh_printf("%s\n", args);
}

static void cmd_lines(const char *args)
{
    uint64_t n;
    if (!parse_number(&args, &n) || *args || n > 10000) {
        sh_puts("usage: lines N, N at most 10000\n");
        return;
    }
    for (uint64_t i = 1; i <= n; i++)
        sh_printf("line %lu\n", (unsigned long)i);
}

/* What the serial server has seen: received, dropped, overruns. */
static void serial_stats(seL4_Word s[3])
{
    seL4_Word unused = 0;
    flush();
    seL4_CallWithMRs(server, seL4_MessageInfo_new(SERIAL_STATS, 0, 0, 0), &s[0], &s[1], &s[2],
                     &unused);
}

static void cmd_info(const char *args)
{
    (void)args;
    seL4_Word s[3];
    sh_printf("step      %s\n", KERNEL_STEP);
    sh_printf("running   EL0, in init's address space\n");
    serial_stats(s);
    sh_printf("uart rx   %lu bytes received, %lu dropped (buffer full), %lu FIFO overruns\n",
              (unsigned long)(uint32_t)s[0], (unsigned long)(uint32_t)s[1],
              (unsigned long)(uint32_t)s[2]);
}

/* hold N: the server answers only when N more bytes have come; meanwhile nobody reads, so
 * its ring fills and it drops (and counts) the rest. */
static void cmd_hold(const char *args)
{
    uint64_t n;
    if (!parse_number(&args, &n) || *args || n == 0 || n > INT32_MAX) {
        sh_printf("usage: hold N, N from 1 to %d\n", INT32_MAX);
        return;
    }
    /* The count to wait for is fixed before the message goes out: bytes typed as soon as it
     * is seen may reach the server before the HOLD does, and they are among the n. */
    seL4_Word s[3];
    serial_stats(s);
    sh_printf("hold: reading nothing until %lu more bytes have arrived\n", (unsigned long)n);
    flush();
    seL4_Word mr[4] = { (uint32_t)(s[0] + n), 0, 0, 0 };
    seL4_CallWithMRs(server, seL4_MessageInfo_new(SERIAL_HOLD, 0, 0, 1), &mr[0], &mr[1],
                     &mr[2], &mr[3]);
    sh_printf("hold: done; %lu bytes dropped since boot\n", (unsigned long)(uint32_t)mr[0]);
}

/* ps: the kernel prints its threads itself, through its polled UART (what we wrote must be
 * out first); the memory left for programs is the loader's to say. */
static void cmd_ps(const char *args)
{
    (void)args;
    flush();
    seL4_DebugDumpScheduler();
    sh_printf("%lu of %lu frames free, for the programs the console starts\n",
              (unsigned long)(loader_free_bytes() / 4096),
              (unsigned long)(loader_block_bytes() / 4096));
}

/* ANCHOR: shell_programs */
#define PRIO_RUN 100                   /* `run`: below the console, which stays in charge */

/* The programs started here, by the kernel's number for their thread (the one `ps` and the
 * kernel's fault lines show): the console speaks of threads as the kernel does. */
static struct {
    seL4_Word id;
    struct proc *p;
} running[LOADER_PROCS];

static const char *word_end(const char *s)
{
    while (*s && *s != ' ')
        s++;
    return s;
}

/* run NAME [ARG]: the loader (loader.c) builds the program from init's memory, as the kernel
 * built it until step 09, and starts it at PRIO_RUN. */
static void cmd_run(const char *args)
{
    char name[16];
    size_t len = (size_t)(word_end(args) - args);
    if (len == 0) {
        sh_puts("usage: run NAME [ARG], NAME one of");
        for (seL4_Word i = 0; i < archive_count; i++)
            sh_printf(" %s", archive[i].name);
        sh_puts("\n");
        return;
    }
    if (len >= sizeof name)
        len = sizeof name - 1;
    memcpy(name, args, len);
    name[len] = '\0';
    const char *arg = args + len;
    while (*arg == ' ')
        arg++;
    struct proc *p;
    loader_error = seL4_NoError;
    const char *why = proc_start(name, arg, PRIO_RUN, system_timer_caps,
                                 system_timer_caps[0] ? 2 : 0, &p);
    if (why) {
        sh_printf("run: %s: %s", name, why);
        if (loader_error)
            sh_printf(" (%s)", error_name(loader_error));
        sh_puts("\n");
        return;
    }
    seL4_Word asid, id = sys_debug_thread_id(p->tcb, &asid);
    for (unsigned i = 0; i < LOADER_PROCS; i++)
        if (!running[i].p) {
            running[i].id = id;
            running[i].p = p;
            break;
        }
    sh_printf("started thread %lu: %s in ASID %lu, %lu pages, priority %u\n",
              (unsigned long)id, p->name, (unsigned long)asid, (unsigned long)p->pages, PRIO_RUN);
}

/* The program whose thread has number ID (the first word of *args), or 0 after saying so. */
static unsigned find_program(const char **args, const char *cmd)
{
    uint64_t id;
    if (!parse_number(args, &id)) {
        sh_printf("usage: %s ID ...\n", cmd);
        return LOADER_PROCS;
    }
    while (**args == ' ')
        (*args)++;
    for (unsigned i = 0; i < LOADER_PROCS; i++)
        if (running[i].p && running[i].id == id)
            return i;
    sh_printf("%s: no program of the console's has thread %lu (see ps)\n", cmd,
              (unsigned long)id);
    return LOADER_PROCS;
}

static void cmd_kill(const char *args)
{
    unsigned i = find_program(&args, "kill");
    if (i == LOADER_PROCS)
        return;
    if (*args) {
        sh_puts("usage: kill ID\n");
        return;
    }
    sh_printf("killed thread %lu (%s)\n", (unsigned long)running[i].id, running[i].p->name);
    proc_kill(running[i].p);
    running[i].p = 0;
}

static void cmd_prio(const char *args)
{
    unsigned i = find_program(&args, "prio");
    uint64_t prio;
    if (i == LOADER_PROCS)
        return;
    if (!parse_number(&args, &prio) || *args || prio > 255) {
        sh_puts("usage: prio ID PRIO, PRIO from 0 to 255\n");
        return;
    }
    seL4_Error e = seL4_TCB_SetPriority(running[i].p->tcb, seL4_CapInitThreadTCB, prio);
    sh_printf("thread %lu (%s): priority %lu: %s\n", (unsigned long)running[i].id,
              running[i].p->name, (unsigned long)prio, error_name(e));
}

/* bench: the figures, one `bench: KEY VALUE UNIT DESCRIPTION` line each, then `bench: end`
 * (common/bench.py reads them). From step 10 the kernel measures nothing itself: user
 * programs do, each started above the console, so that it has run to its end (its crt0's brk
 * stopped it) when the console goes on and frees it. ping and signal are told their
 * priority, which their other threads share. */
#define BENCH_PRIO 200

static void cmd_bench(const char *args)
{
    static const char *const runs[][2] = { { "bench", "" }, { "ping", "200" },
                                           { "signal", "200" } };
    (void)args;
    flush();
    for (unsigned i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        struct proc *p;
        const char *why = proc_start(runs[i][0], runs[i][1], BENCH_PRIO, system_timer_caps,
                                     system_timer_caps[0] ? 2 : 0, &p);
        if (why)
            sh_printf("bench: the user program %s did not start: %s\n", runs[i][0], why);
        else
            proc_kill(p);
    }
    sh_puts("bench: end\n");
}
/* ANCHOR_END: shell_programs */

/* serial restart: init stops its driver and starts it again; the console goes on. */
static void cmd_serial(const char *args)
{
    if (!same(args, "restart")) {
        sh_puts("usage: serial restart\n");
        return;
    }
    flush();
    seL4_Error e = system_restart_serial();
    sh_printf("serial: server stopped and started again: %s\n", error_name(e));
}

static void cmd_reboot(const char *args)
{
    (void)args;
    sh_puts("rebooting through the PM watchdog\n");
    flush();
    system_reboot();
    sh_puts("reboot: the watchdog did not reset the board (init has no PM page?)\n");
}
/* ANCHOR_END: shell_cmds */

/* ANCHOR: shell_run */
void shell_run(seL4_CPtr serial_ep)
{
    static struct editor e;

    server = serial_ep;
    sh_puts("Type 'help' for the commands.\n");
    for (;;) {
        sh_puts(PROMPT);
        e.len = 0;
        e.too_long = false;
        e.escape = ESC_NONE;
        enum edit_result r;
        do
            r = edit(&e, sh_getc());
        while (r == EDIT_MORE);
        if (r == EDIT_DONE)
            run_command(e.buf);
    }
}
/* ANCHOR_END: shell_run */
