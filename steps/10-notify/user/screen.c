/*
 * screen.c: init's terminal on the screen (fbterm.c), as a demonstration and a test. Only init
 * gets the framebuffer, so this program does its work when it is init:
 *
 *     make build STEP=10 INIT=build/10-notify/user/screen.elf
 *
 * (`run screen` from the console says that it got no framebuffer, and ends). It puts the
 * terminal on the screen and prints, on the screen and on the serial line alike, enough to
 * scroll, every printable character, every colour and the control bytes the terminal knows.
 * The check user-terminal-draws-the-font computes from the font file and the serial transcript
 * what the screen should show, and compares every pixel.
 */
#include <stdarg.h>

#include "fbterm.h"
#include "format.h"
#include "ulib.h"

/* ANCHOR: screen */
#define SCREEN_VA    0x20000000UL     /* where the framebuffer is mapped: nothing else is */
#define SCREEN_LINES 40               /* numbered lines first: more than the screen holds */

/* One byte on the screen and on the serial line, as the kernel's terminal printed until
 * step 09: whoever reads the serial line can tell what the screen shows. */
static void both(char c, void *ctx)
{
    (void)ctx;
    fbterm_putc(c);
    putchar(c);
}

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvformat(both, 0, fmt, ap);
    va_end(ap);
}

/* What the kernel gave this root task, on the serial line only (printf, before the terminal
 * starts): every untyped, and the extra BootInfo chunk. test.py holds both to what the
 * banner says of the RAM and the screen. */
static void report_bootinfo(void)
{
    for (seL4_Word i = 0; i < bootinfo->untyped.end - bootinfo->untyped.start; i++) {
        const seL4_UntypedDesc *d = &bootinfo->untypedList[i];
        printf("screen: untyped 0x%lx 2^%u %s\n", d->paddr, d->sizeBits,
               d->isDevice ? "device" : "ram");
    }
    const seL4_BootInfoHeader *h = (const seL4_BootInfoHeader *)((const char *)bootinfo + 4096);
    printf("screen: extraLen %lu, extraBIPages %lu-%lu", bootinfo->extraLen,
           bootinfo->extraBIPages.start, bootinfo->extraBIPages.end);
    if (bootinfo->extraLen >= sizeof *h + sizeof(struct fbterm_info)) {
        const struct fbterm_info *fb = (const struct fbterm_info *)(h + 1);
        printf(", chunk id 0x%lx len %lu: paddr 0x%lx size %lu, %ux%u, pitch %u, depth %u, "
               "order %u", h->id, h->len, fb->paddr, fb->size, fb->width, fb->height, fb->pitch,
               fb->depth, fb->pixel_order);
    }
    printf("\n");
}

int main(const char *arg)
{
    (void)arg;
    report_bootinfo();
    seL4_CPtr next_slot = bootinfo->empty.start;
    const char *err = fbterm_init(bootinfo, &next_slot, SCREEN_VA);
    if (err) {
        printf("screen: %s\n", err);
        return 1;
    }
    const struct fbterm_info *fb = fbterm_find(bootinfo);
    uint32_t cols, rows;
    fbterm_size(&cols, &rows);

    /* Colours reset, screen cleared, cursor home: where the check starts reading. */
    say("\033[0m\033[2J\033[H");
    say("screen: %ux%u cells on %ux%u pixels at 0x%lx, pitch %u, uncached, slots to %lu\n",
        cols, rows, fb->width, fb->height, fb->paddr, fb->pitch, next_slot);
    for (int i = 1; i <= SCREEN_LINES; i++)
        say("line %d\n", i);
    for (int c = ' '; c < 0x7F; c++)              /* 95 characters: the line wraps */
        say("%c", c);
    say("\n");
    static const int pairs[][2] = { { 1, 0 }, { 2, 0 }, { 3, 4 }, { 6, 5 }, { 0, 7 } };
    for (unsigned i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        say("\033[3%d;4%dmcolour %d on %d\n", pairs[i][0], pairs[i][1], pairs[i][0],
            pairs[i][1]);
    say("\033[0mfg:");
    for (int i = 0; i < 8; i++)
        say(" \033[3%dm%d\033[9%dm%d\033[39m", i, i, i, i + 8);
    say("\nbg:");
    for (int i = 0; i < 8; i++)
        say(" \033[4%dm%d \033[10%dm%d \033[49m", i, i, i, i + 8);
    say("\ntab:\tx\ty, backspace: abx\bc, bell ignored:\a.\n");
    say("screen: done\n");
    return 0;
}
/* ANCHOR_END: screen */
