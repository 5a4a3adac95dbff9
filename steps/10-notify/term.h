/*
 * term.h: the kernel's one text output, on the serial line and on the screen.
 */
#ifndef TERM_H
#define TERM_H

#include <stdbool.h>
#include <stdint.h>

#include "font.h"

/* ANCHOR: term_struct */
/* The screen side of the terminal: where it writes and how. */
struct term {
    bool on_screen;                    /* false: serial only (no framebuffer) */
    struct font font;
    uint32_t cols, rows;               /* the screen in character cells */
    uint32_t col, row;                 /* the cursor; col == cols means "wrap before the next" */
    uint32_t fg, bg;                   /* current colours, 0xRRGGBB */
    bool cursor_shown;                 /* the cursor cell is inverted right now */
    uint32_t cursor_col, cursor_row, cursor_mask;   /* where and how it was inverted */
    int esc;                           /* escape-sequence parser state (term.c) */
    uint32_t params[4], nparams;       /* numbers of the escape sequence being read */
};

extern struct term term;

void term_init(void);
void term_screen_on(void);
void term_putc(char c);
void term_puts(const char *s);
void term_corner(const char *s);
/* ANCHOR_END: term_struct */

/* ANCHOR: term_cost */
/* What term_measure found, in PMU cycles (instructions under QEMU's -icount). */
struct term_cost {
    uint64_t glyph;                    /* drawing one glyph (fb_draw_glyph) */
    uint64_t scroll;                   /* scrolling the text up one line (fb_scroll) */
};
void term_measure(struct term_cost *cost);
/* ANCHOR_END: term_cost */

#endif
