/*
 * font.h: a PC Screen Font (PSF, the Linux console's format) embedded in a user program. Until
 * step 09 it was the kernel's; from step 10 the terminal on the screen is init's (fbterm.c).
 */
#ifndef FONT_H
#define FONT_H

#include <stdint.h>

/* ANCHOR: font_struct */
#define FONT_CHARS 128                 /* we map ASCII only: the terminal draws bytes < 0x80 */

/* A parsed font: where the glyph bitmaps are and how they are laid out. */
struct font {
    const uint8_t *glyphs;             /* first byte of glyph 0 */
    uint32_t count;                    /* number of glyphs */
    uint32_t width, height;            /* glyph size in pixels */
    uint32_t bytes_per_row;            /* (width + 7) / 8: each row is padded to a byte */
    uint32_t bytes_per_glyph;          /* height * bytes_per_row */
    uint16_t glyph_of[FONT_CHARS];     /* character code -> glyph number */
};

/* The font linked into the program (font.S). */
extern const uint8_t font_psf[], font_psf_end[];

const char *font_load(struct font *f, const uint8_t *data, uint32_t len);
const uint8_t *font_glyph(const struct font *f, unsigned char c);
/* ANCHOR_END: font_struct */

#endif
