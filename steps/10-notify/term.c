/*
 * term.c: the kernel's text output, on two devices at once.
 *
 * Every byte the kernel prints goes to the mini UART unchanged, and is also drawn on the
 * screen, which behaves like the terminal at the other end of the serial line: a grid of
 * character cells with a cursor, line wrap, scrolling, and colours set by the same ANSI
 * escape sequences. So the serial terminal and the screen show the same text in the same
 * colours.
 */
#include <stdint.h>

#include "term.h"
#include "fb.h"
#include "font.h"
#include "irq.h"
#include "kprintf.h"
#include "sysregs.h"
#include "uart.h"

/* ANCHOR: term_palette */
/* The 16 colours of the VGA text mode, as 0xRRGGBB: ANSI colours 0-7 and their bright
 * versions 8-15 (black, red, green, yellow, blue, magenta, cyan, white). */
static const uint32_t palette[16] = {
    0x000000, 0xAA0000, 0x00AA00, 0xAA5500, 0x0000AA, 0xAA00AA, 0x00AAAA, 0xAAAAAA,
    0x555555, 0xFF5555, 0x55FF55, 0xFFFF55, 0x5555FF, 0xFF55FF, 0x55FFFF, 0xFFFFFF,
};
#define DEFAULT_FG   7                 /* light grey ... */
#define DEFAULT_BG   0                 /* ... on black */
#define TAB_WIDTH    8
#define CURSOR_ROWS  2                 /* the cursor: the bottom two pixel rows of a cell */

#define ASCII_ESC    0x1B
#define ASCII_DEL    0x7F

/* ANCHOR_END: term_palette */

struct term term;

/* ANCHOR: term_cursor */
/* The cursor is the bottom of its cell, inverted. Hiding it inverts the same pixels again,
 * so whatever was drawn there comes back exactly. */
static void cursor_invert(void)
{
    const struct font *f = &term.font;
    fb_invert_rect(term.cursor_col * f->width, (term.cursor_row + 1) * f->height - CURSOR_ROWS,
                   f->width, CURSOR_ROWS, term.cursor_mask);
}

static void cursor_hide(void)
{
    if (term.cursor_shown)
        cursor_invert();
    term.cursor_shown = false;
}

static void cursor_show(void)
{
    /* A pending wrap (col == cols) shows the cursor on the last column. */
    term.cursor_col = term.col < term.cols ? term.col : term.cols - 1;
    term.cursor_row = term.row;
    term.cursor_mask = term.fg ^ term.bg;
    cursor_invert();
    term.cursor_shown = true;
}
/* ANCHOR_END: term_cursor */

/* ANCHOR: term_scroll */
/* Paint the whole screen in the background colour and put the cursor at the top left.
 * The cursor must be hidden. */
static void clear_screen(void)
{
    fb_fill_rect(0, 0, fb.width, fb.height, term.bg);
    term.col = term.row = 0;
}

/* Move to the start of the next line; at the bottom, scroll the text up by one row of
 * cells: one block move of the framebuffer, and a blank line at the bottom. */
static void newline(void)
{
    term.col = 0;
    if (++term.row < term.rows)
        return;
    fb_scroll(term.rows * term.font.height, term.font.height, term.bg);
    term.row = term.rows - 1;
}
/* ANCHOR_END: term_scroll */

/* ANCHOR: term_init */
/* Parse the built-in font. Until term_screen_on, output goes to the UART only. */
void term_init(void)
{
    const char *err = font_load(&term.font, font_psf, (uint32_t)(font_psf_end - font_psf));

    term.fg = palette[DEFAULT_FG];
    term.bg = palette[DEFAULT_BG];
    if (err)
        kprintf("term: built-in font unusable: %s\n", err);
}

/* Use the framebuffer `fb` (fb_init succeeded) from now on: as many cells as fit, a clear
 * screen, the cursor at the top left. Does nothing if the font could not be loaded. */
void term_screen_on(void)
{
    if (term.font.width == 0 || fb.width < term.font.width ||
        fb.height < term.font.height)
        return;
    term.cols = fb.width / term.font.width;
    term.rows = fb.height / term.font.height;
    term.cursor_shown = false;
    term.on_screen = true;
    clear_screen();
    cursor_show();
}
/* ANCHOR_END: term_init */

/* ANCHOR: term_sgr */
/* Select Graphic Rendition: the colour part of ESC [ n ; n ... m. */
static void sgr(uint32_t n)
{
    if (n == 0) {                                     /* reset */
        term.fg = palette[DEFAULT_FG];
        term.bg = palette[DEFAULT_BG];
    } else if (n >= 30 && n <= 37) {                  /* foreground */
        term.fg = palette[n - 30];
    } else if (n >= 90 && n <= 97) {                  /* bright foreground */
        term.fg = palette[n - 90 + 8];
    } else if (n == 39) {                             /* default foreground */
        term.fg = palette[DEFAULT_FG];
    } else if (n >= 40 && n <= 47) {                  /* background */
        term.bg = palette[n - 40];
    } else if (n >= 100 && n <= 107) {                /* bright background */
        term.bg = palette[n - 100 + 8];
    } else if (n == 49) {                             /* default background */
        term.bg = palette[DEFAULT_BG];
    }                                                 /* anything else: ignored */
}

/* The end of a control sequence ESC [ params final: colours (m), clear screen (2J) and
 * cursor home (H). Everything else is ignored, as a terminal ignores what it lacks. */
static void csi_final(char final)
{
    if (final == 'm') {
        for (uint32_t i = 0; i < term.nparams; i++)
            sgr(term.params[i]);
    } else if (final == 'J' && term.params[0] == 2) {
        clear_screen();
    } else if (final == 'H') {
        term.col = term.row = 0;
    }
}

enum { ESC_NONE, ESC_SEEN, ESC_CSI };

/* Feed one byte of an escape sequence. ESC [ starts a control sequence, digits and ';'
 * give its parameters (at most 4, each at most 9999), a byte from '@' to '~' ends it. */
static void escape(char c)
{
    if (term.esc == ESC_SEEN) {
        term.esc = c == '[' ? ESC_CSI : ESC_NONE;
        term.nparams = 1;
        term.params[0] = 0;
    } else if (c >= '0' && c <= '9') {
        uint32_t *p = &term.params[term.nparams - 1];
        if (*p < 1000)
            *p = *p * 10 + (uint32_t)(c - '0');
    } else if (c == ';') {
        if (term.nparams < 4)
            term.params[term.nparams++] = 0;
    } else if (c >= '@' && c <= '~') {
        csi_final(c);
        term.esc = ESC_NONE;
    }
}
/* ANCHOR_END: term_sgr */

/* ANCHOR: term_putc */
/* Draw printable character c at the cursor and advance; wrap first if the line is full. */
static void put_glyph(char c)
{
    const struct font *f = &term.font;

    if (term.col >= term.cols)
        newline();
    fb_draw_glyph(term.col * f->width, term.row * f->height, f,
                  font_glyph(f, (unsigned char)c), term.fg, term.bg);
    term.col++;
}

/* The column of the next tab stop after col; tabs stop at the end of the line. */
static uint32_t next_tab(uint32_t col)
{
    uint32_t next = (col / TAB_WIDTH + 1) * TAB_WIDTH;
    return next < term.cols ? next : term.cols;
}

/* What byte c does on the screen. */
static void screen_putc(char c)
{
    if (term.esc != ESC_NONE)
        escape(c);
    else if (c == ASCII_ESC)
        term.esc = ESC_SEEN;
    else if (c == '\n')
        newline();
    else if (c == '\r')
        term.col = 0;
    else if (c == '\t')
        term.col = next_tab(term.col);
    else if (c == '\b')
        term.col -= term.col > 0;
    else if ((unsigned char)c >= ' ' && c != ASCII_DEL)
        put_glyph(c);                               /* other control bytes: nothing */
}

/*
 * Print one byte: on the screen if there is one, and to the UART as it is (the terminal at
 * the other end interprets escape sequences itself). The screen comes first, so that once
 * a byte is on the serial line the screen shows it too; the tests rely on that. Blocks
 * while the UART is busy. Since step 06 several threads print, and any of them may be
 * preempted half-way through a byte (a scroll, the cursor hidden): IRQs are masked for the
 * byte, so no other thread ever finds the terminal half-changed. Their lines may still mix,
 * a byte at a time; demo.c's threads print each line whole.
 */
void term_putc(char c)
{
    uint64_t daif = irq_save();
    if (term.on_screen) {
        cursor_hide();
        screen_putc(c);
        cursor_show();
    }
    uart_putc(c);
    irq_restore(daif);
}

void term_puts(const char *s)
{
    while (*s)
        term_putc(*s++);
}
/* ANCHOR_END: term_putc */

/* ANCHOR: term_measure */
#define MEASURE_GLYPHS 100

/*
 * Count what a glyph and a scroll cost, with the PMU cycle counter (which the caller has
 * enabled). The glyphs are drawn in the cursor's cell and erased again; the scroll is the
 * one a newline on the last line does, and the cursor moves up with its text.
 */
void term_measure(struct term_cost *cost)
{
    const struct font *f = &term.font;
    uint32_t x = term.cursor_col * f->width, y = term.cursor_row * f->height;
    uint64_t daif = irq_save();       /* no other thread prints meanwhile (term_putc) */

    cursor_hide();
    uint64_t t0 = pmu_cycles();
    for (int i = 0; i < MEASURE_GLYPHS; i++)
        fb_draw_glyph(x, y, f, font_glyph(f, 'M'), term.fg, term.bg);
    uint64_t t1 = pmu_cycles();
    fb_fill_rect(x, y, f->width, f->height, term.bg);
    uint64_t t2 = pmu_cycles();
    fb_scroll(term.rows * f->height, f->height, term.bg);
    uint64_t t3 = pmu_cycles();
    term.row -= term.row > 0;
    cursor_show();
    irq_restore(daif);
    cost->glyph = (t1 - t0) / MEASURE_GLYPHS;
    cost->scroll = t3 - t2;
}
/* ANCHOR_END: term_measure */

/* ANCHOR: term_corner */
/* Draw s at the right end of the top line, in reversed colours, over whatever text is there,
 * leaving the cursor and the text alone: a status display (the console's clock). Not for an
 * interrupt handler: nothing in term.c is safe to interrupt with another use of it. IRQs
 * are masked throughout, as in term_putc: no other thread may print in between. */
void term_corner(const char *s)
{
    const struct font *f = &term.font;
    uint32_t n = 0;

    while (s[n])
        n++;
    if (!term.on_screen || n > term.cols)
        return;
    uint64_t daif = irq_save();
    cursor_hide();
    for (uint32_t i = 0; i < n; i++)
        fb_draw_glyph((term.cols - n + i) * f->width, 0, f, font_glyph(f, (unsigned char)s[i]),
                      term.bg, term.fg);
    cursor_show();
    irq_restore(daif);
}
/* ANCHOR_END: term_corner */
