/*
 * fb.h: a linear framebuffer from the VideoCore, 32 bits per pixel.
 */
#ifndef FB_H
#define FB_H

#include <stdint.h>

#include "font.h"

/* ANCHOR: fb_api */
/* The framebuffer the firmware gave us. width == 0 means there is none. */
struct fb {
    volatile uint32_t *base;           /* pixel (0, 0), through the linear map */
    uint32_t bus;                      /* the same buffer as the VideoCore addresses it */
    uint32_t width, height;            /* visible pixels */
    uint32_t pitch;                    /* bytes from one row to the next (>= width * 4) */
    uint32_t size;                     /* bytes in the whole buffer */
    uint32_t order;                    /* pixel order granted: FB_ORDER_BGR or FB_ORDER_RGB */
    uint32_t vheight;                  /* rows in memory: twice height, so the screen can pan */
    uint32_t top;                      /* the first row in memory the screen shows */
};

extern struct fb fb;

int fb_init(uint32_t width, uint32_t height);
void fb_fill_rect(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb);
void fb_invert_rect(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb_mask);
void fb_draw_glyph(uint32_t x, uint32_t y, const struct font *f, const uint8_t *glyph,
                   uint32_t fg, uint32_t bg);
void fb_scroll(uint32_t height, uint32_t by, uint32_t bg);
/* ANCHOR_END: fb_api */

#endif
