/*
 * console.c: a line editor and a handful of commands, over the polled mini UART.
 *
 * Everything the console reads comes from outside, so every byte is treated as hostile:
 * the line has a fixed limit, bytes that are not printable are dropped, and `mem` reads
 * only addresses it knows to be RAM.
 */
#include "console.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fb.h"
#include "kernel.h"
#include "kprintf.h"
#include "mbox.h"
#include "sysregs.h"
#include "term.h"
#include "timer.h"
#include "uart.h"
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
    term_puts("\b \b");
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
    term_putc(c);
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
        term_putc('\n');
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
static void cmd_clear(const char *args);
static void cmd_color(const char *args);
static void cmd_lines(const char *args);
static void cmd_bench(const char *args);
static void cmd_mbox(const char *args);

static const struct command commands[] = {
    { "help",   "",           "this list",                                    cmd_help },
    { "info",   "",           "exception level, core, timer, kernel location", cmd_info },
    { "echo",   "TEXT",       "print TEXT",                                   cmd_echo },
    { "mem",    "ADDR [LEN]", "hexdump LEN bytes of RAM (default 64, at most 4096)", cmd_mem },
    { "reboot", "",           "reset the board through the watchdog",         cmd_reboot },
    { "fb",     "[set W H]",  "the framebuffer, or ask for a W x H one",      cmd_fb },
    { "clear",  "",           "clear the screen (and the serial terminal)",   cmd_clear },
    { "color",  "FG BG",      "text colours: 0-7 or a name (red, blue, ...)",  cmd_color },
    { "lines",  "N",          "print N numbered lines (at most 10000)",       cmd_lines },
    { "bench",  "",           "instructions to print a character, draw a glyph, scroll",
      cmd_bench },
    { "mbox",   "TAG N [V..]", "one property tag with N value words: the answer", cmd_mbox },
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
void console_run(void)
{
    static struct editor e;            /* static: not on the 16 KiB stack */

    for (;;) {
        kprintf(PROMPT);
        start_line(&e);
        enum edit_result r;
        do
            r = edit(&e, uart_getc());
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
    const volatile uint8_t *p = (const volatile uint8_t *)addr;

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

static void fb_print(void)
{
    if (!term.on_screen) {
        kprintf("fb: no framebuffer: the console is on the serial line only\n");
        return;
    }
    kprintf("fb: %lux%lu, 32 bits per pixel, pitch %lu bytes\n", (unsigned long)fb.width,
            (unsigned long)fb.height, (unsigned long)fb.pitch);
    kprintf("fb: %lu bytes at 0x%08lx (bus address 0x%08lx)\n", (unsigned long)fb.size,
            (unsigned long)(uintptr_t)fb.base, (unsigned long)fb.bus);
    kprintf("fb: %lux%lu characters of %lux%lu pixels\n", (unsigned long)term.cols,
            (unsigned long)term.rows, (unsigned long)term.font.width,
            (unsigned long)term.font.height);
}

/* fb: print what we have. fb set W H: ask the firmware for another size. If it says no,
 * ask for the old size back; the screen is off meanwhile, so the details of a failure go
 * to the serial line only. */
static void cmd_fb(const char *args)
{
    uint64_t w, h;
    uint32_t old_w = fb.width, old_h = fb.height;

    if (*args == '\0') {
        fb_print();
        return;
    }
    if (!take_word(&args, "set") || !parse_number(&args, &w) || !parse_number(&args, &h) ||
        *args || w == 0 || h == 0 || w > UINT32_MAX || h > UINT32_MAX) {
        kprintf("usage: fb [set WIDTH HEIGHT]\n");
        return;
    }
    term.on_screen = false;
    if (fb_init((uint32_t)w, (uint32_t)h) == 0) {
        term_screen_on();
        kprintf("fb: now %lux%lu\n", (unsigned long)fb.width, (unsigned long)fb.height);
        return;
    }
    if (old_w && fb_init(old_w, old_h) == 0) {
        term_screen_on();
        kprintf("fb: %lux%lu refused (see the serial line), back to %lux%lu\n",
                (unsigned long)w, (unsigned long)h, (unsigned long)old_w, (unsigned long)old_h);
    } else {
        kprintf("fb: no framebuffer any more: the console is on the serial line only\n");
    }
}
/* ANCHOR_END: cmd_fb */

/* ANCHOR: cmd_color */
static const char *const colour_names[8] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

/* A colour at *s, as a digit 0-7 or a name; moves *s past it. */
static bool parse_colour(const char **s, unsigned *out)
{
    uint64_t n;

    if (parse_number(s, &n)) {
        *out = (unsigned)n;
        return n < 8;
    }
    for (unsigned i = 0; i < 8; i++) {
        if (take_word(s, colour_names[i])) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* color FG BG: sent as the ANSI escape sequence ESC [ 3fg ; 4bg m, so the serial terminal
 * changes colour too. */
static void cmd_color(const char *args)
{
    unsigned fg, bg;

    if (!parse_colour(&args, &fg) || !parse_colour(&args, &bg) || *args) {
        kprintf("usage: color FG BG, each 0-7 or black red green yellow blue magenta cyan white\n");
        return;
    }
    kprintf("\033[%u;%um", 30 + fg, 40 + bg);
}

/* clear: ESC [ 2 J clears the screen, ESC [ H moves the cursor to the top left. */
static void cmd_clear(const char *args)
{
    (void)args;
    kprintf("\033[2J\033[H");
}

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
/* ANCHOR_END: cmd_color */

/* ANCHOR: cmd_bench */
/* bench: what the terminal costs, counted by the PMU's cycle counter. Under QEMU with
 * -icount (as the tests run it) that counts instructions; on a Pi 3, CPU cycles. */
static void cmd_bench(const char *args)
{
    static const char text[] = "bench: 32 characters printed... ";
    struct term_cost cost;
    (void)args;

    if (!term.on_screen) {
        kprintf("bench: no screen\n");
        return;
    }
    pmu_enable_cycles();
    uint64_t t0 = pmu_cycles();
    term_puts(text);                   /* UART and screen, cursor and all */
    uint64_t t1 = pmu_cycles();
    term_measure(&cost);
    kprintf("\nbench: %lu per character printed, %lu per glyph drawn, %lu per scroll\n",
            (unsigned long)((t1 - t0) / (sizeof text - 1)), (unsigned long)cost.glyph,
            (unsigned long)cost.scroll);
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
