/*
 * fb.h: the framebuffer the kernel asks the VideoCore for at boot. The kernel never draws on
 * it: it hands the buffer to init as device untyped memory, with its geometry in BootInfo's
 * extra region (process.c), and init's terminal draws (user/fbterm.c).
 */
#ifndef FB_H
#define FB_H

#include <stdint.h>

/* ANCHOR: fb_api */
#define FB_ORDER_BGR      0            /* pixel word 0x00RRGGBB (blue in the lowest byte) */
#define FB_ORDER_RGB      1            /* pixel word 0x00BBGGRR */

/* The framebuffer the firmware gave us. width == 0 means there is none. */
struct fb {
    uint64_t pa;                       /* pixel (0, 0), as the ARM addresses it */
    uint32_t width, height;            /* visible pixels */
    uint32_t pitch;                    /* bytes from one row to the next (>= width * 4) */
    uint32_t size;                     /* bytes in the whole buffer */
    uint32_t depth;                    /* bits per pixel: 32 */
    uint32_t order;                    /* pixel order granted: FB_ORDER_BGR or FB_ORDER_RGB */
};

extern struct fb fb;

int fb_init(uint32_t width, uint32_t height);
/* ANCHOR_END: fb_api */

#endif
