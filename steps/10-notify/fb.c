/*
 * fb.c: asking the VideoCore for a framebuffer, and drawing into it.
 *
 * The framebuffer is ordinary RAM that the VideoCore reads about 60 times a second and
 * turns into the picture on the HDMI output. We get it with one property-mailbox message,
 * then draw by writing 32-bit pixels into it.
 */
#include <stdint.h>

#include "fb.h"
#include "kprintf.h"
#include "mbox.h"
#include "mmu.h"

/* ANCHOR: fb_consts */
#define FB_DEPTH          32           /* bits per pixel: one 32-bit word per pixel */
#define FB_BYTES_PER_PIXEL 4
#define FB_ORDER_BGR      0            /* pixel word 0x00RRGGBB (blue in the lowest byte) */
#define FB_ORDER_RGB      1            /* pixel word 0x00BBGGRR */
#define FB_ALIGN          16           /* alignment we ask for the buffer */
#define FB_PAN_MARGIN     16           /* pixels the buffer is wider than the screen (fb_init) */
/* The VideoCore hands out bus addresses; the top two bits select a cache alias, and the ARM
 * sees the same RAM at the address without them (BCM2835 ARM Peripherals, 1.2.4). */
#define BUS_TO_ARM_MASK   0x3FFFFFFFu
/* ANCHOR_END: fb_consts */

struct fb fb;

/* ANCHOR: fb_init */
/*
 * Ask the firmware for a width x height framebuffer, 32 bits per pixel, in one message.
 * Returns 0 and fills `fb` on success. On failure prints what went wrong, leaves `fb` as it
 * was, and returns -1; the display may have been changed, so the caller decides what to do.
 * The firmware may grant something else than asked (another size, another depth): we treat
 * that as a failure too, rather than draw with wrong assumptions.
 */
int fb_init(uint32_t width, uint32_t height)
{
    static struct mbox_msg m;
    mbox_msg_init(&m);
    uint32_t *phys = mbox_add_tag(&m, MBOX_TAG_FB_SET_PHYS_WH, 2);
    uint32_t *virt = mbox_add_tag(&m, MBOX_TAG_FB_SET_VIRT_WH, 2);
    uint32_t *offset = mbox_add_tag(&m, MBOX_TAG_FB_SET_VIRT_OFFSET, 2);
    uint32_t *depth = mbox_add_tag(&m, MBOX_TAG_FB_SET_DEPTH, 1);
    uint32_t *order = mbox_add_tag(&m, MBOX_TAG_FB_SET_PIXEL_ORDER, 1);
    uint32_t *alloc = mbox_add_tag(&m, MBOX_TAG_FB_ALLOCATE, 2);
    uint32_t *pitch = mbox_add_tag(&m, MBOX_TAG_FB_GET_PITCH, 1);
    if (!pitch) {
        mbox_print_error("fb", &m, MBOX_ERR_FULL);
        return -1;
    }

    /* The buffer is twice as high as the screen, so that scrolling can move the window
     * (fb_scroll), and a little wider: the VideoCore (and QEMU 7.2's model of it) honours the
     * window's offset only when the buffer is larger than the screen both ways. */
    phys[0] = width;
    phys[1] = height;
    virt[0] = width + FB_PAN_MARGIN;
    virt[1] = height * 2;
    offset[0] = offset[1] = 0;
    depth[0] = FB_DEPTH;
    order[0] = FB_ORDER_BGR;
    alloc[0] = FB_ALIGN;

    enum mbox_result r = mbox_call(&m);
    if (r != MBOX_OK) {
        mbox_print_error("fb", &m, r);
        return -1;
    }

    if (phys[0] != width || phys[1] != height || virt[0] < width ||
        (virt[1] != height * 2 && virt[1] != height) || depth[0] != FB_DEPTH) {
        kprintf("fb: asked for %ux%u at %u bpp, the firmware offered %ux%u at %u bpp\n",
                width, height, FB_DEPTH, phys[0], phys[1], depth[0]);
        return -1;
    }
    if (alloc[0] == 0 || pitch[0] < width * FB_BYTES_PER_PIXEL || alloc[1] < pitch[0] * virt[1]) {
        kprintf("fb: no usable buffer (address 0x%08x, size %u, pitch %u)\n",
                alloc[0], alloc[1], pitch[0]);
        return -1;
    }

    /* The VideoCore reads the pixels from RAM, so the CPU must not keep them in its data
     * cache: the buffer's blocks become Normal non-cacheable before anything is drawn. */
    uint64_t pa = alloc[0] & BUS_TO_ARM_MASK;
    if (mmu_map_framebuffer(pa, alloc[1]) != 0) {
        kprintf("fb: the buffer at 0x%08lx is not in RAM we can map\n", (unsigned long)pa);
        return -1;
    }
    fb.bus = alloc[0];
    fb.base = PHYS_TO_VIRT(pa);
    fb.width = width;
    fb.height = height;
    fb.pitch = pitch[0];
    fb.size = alloc[1];
    fb.order = order[0];
    fb.vheight = virt[0] > width ? virt[1] : height;   /* no margin granted: no panning */
    fb.top = 0;
    return 0;
}
/* ANCHOR_END: fb_init */

/* ANCHOR: fb_pixels */
/* The 32-bit word that shows colour 0xRRGGBB in the pixel order we were granted. */
static uint32_t fb_pixel(uint32_t rgb)
{
    if (fb.order == FB_ORDER_BGR)
        return rgb;
    return (rgb & 0x00FF00) | (rgb >> 16 & 0xFF) | (rgb & 0xFF) << 16;
}

/* The first pixel of row y of the screen: row fb.top + y of the buffer (see fb_scroll). pitch
 * is in bytes and need not be width * 4: the firmware may pad each row, so rows are found
 * through pitch, never through width. */
static volatile uint32_t *fb_row(uint32_t y)
{
    return (volatile uint32_t *)((uintptr_t)fb.base + (uintptr_t)(fb.top + y) * fb.pitch);
}

/* Clip the rectangle (x, y, w, h) to the screen; false if nothing is left. */
static int fb_clip(uint32_t x, uint32_t y, uint32_t *w, uint32_t *h)
{
    if (x >= fb.width || y >= fb.height)
        return 0;
    if (*w > fb.width - x)
        *w = fb.width - x;
    if (*h > fb.height - y)
        *h = fb.height - y;
    return *w && *h;
}

/* Paint a rectangle in colour 0xRRGGBB; parts outside the screen are skipped. */
void fb_fill_rect(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb)
{
    uint32_t px = fb_pixel(rgb);

    if (!fb_clip(x, y, &w, &h))
        return;
    for (uint32_t j = 0; j < h; j++) {
        volatile uint32_t *p = fb_row(y + j) + x;
        for (uint32_t i = 0; i < w; i++)
            p[i] = px;
    }
}

/* Exclusive-or every pixel of a rectangle with a colour: doing it twice restores the
 * pixels, which is how the console shows and hides its cursor. */
void fb_invert_rect(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb_mask)
{
    uint32_t mask = fb_pixel(rgb_mask);

    if (!fb_clip(x, y, &w, &h))
        return;
    for (uint32_t j = 0; j < h; j++) {
        volatile uint32_t *p = fb_row(y + j) + x;
        for (uint32_t i = 0; i < w; i++)
            p[i] ^= mask;
    }
}
/* ANCHOR_END: fb_pixels */

/* ANCHOR: fb_draw_glyph */
/*
 * Draw one glyph of font f with its top-left corner at (x, y): set bits in fg, clear bits
 * in bg, so the whole cell is painted and whatever was there before disappears. A glyph
 * that would not fit on the screen entirely is not drawn.
 */
void fb_draw_glyph(uint32_t x, uint32_t y, const struct font *f, const uint8_t *glyph,
                   uint32_t fg, uint32_t bg)
{
    uint32_t on = fb_pixel(fg), off = fb_pixel(bg);
    uint32_t width = f->width, height = f->height;

    if (x + width > fb.width || y + height > fb.height)
        return;
    for (uint32_t row = 0; row < height; row++, glyph += f->bytes_per_row) {
        volatile uint32_t *p = fb_row(y + row) + x;
        uint32_t bits = 0;
        for (uint32_t col = 0; col < width; col++) {
            if (col % 8 == 0)
                bits = glyph[col / 8];           /* next 8 pixels of this row */
            p[col] = (bits & 0x80) ? on : off;
            bits <<= 1;
        }
    }
}
/* ANCHOR_END: fb_draw_glyph */

/* ANCHOR: fb_scroll */
/*
 * Copy `bytes` bytes from src to dst, dst below src, front to back (safe when the ranges
 * overlap that way). The framebuffer is Device memory while the MMU is off, where a real
 * Pi faults on unaligned accesses, so this uses aligned 64-bit words when it can and
 * 32-bit words (always aligned: every pixel is one) otherwise. The 64-bit copy moves eight
 * words per iteration, all eight read before any is written (so still front to back), and
 * the last few one at a time. volatile keeps the compiler from turning the loops into a
 * call to memmove.
 */
static void fb_copy_down(uintptr_t dst, uintptr_t src, uintptr_t bytes)
{
    if (((dst | src | bytes) & 7) == 0) {
        volatile uint64_t *d = (volatile uint64_t *)dst, *s = (volatile uint64_t *)src;
        uintptr_t i = 0, n = bytes / 8;
        for (; i + 8 <= n; i += 8) {
            uint64_t w0 = s[i], w1 = s[i + 1], w2 = s[i + 2], w3 = s[i + 3];
            uint64_t w4 = s[i + 4], w5 = s[i + 5], w6 = s[i + 6], w7 = s[i + 7];
            d[i] = w0; d[i + 1] = w1; d[i + 2] = w2; d[i + 3] = w3;
            d[i + 4] = w4; d[i + 5] = w5; d[i + 6] = w6; d[i + 7] = w7;
        }
        for (; i < n; i++)
            d[i] = s[i];
    } else {
        volatile uint32_t *d = (volatile uint32_t *)dst, *s = (volatile uint32_t *)src;
        for (uintptr_t i = 0; i < bytes / 4; i++)
            d[i] = s[i];
    }
}

/* Show the buffer from row `top` on (the firmware's virtual offset, one message). -1 if a
 * message is in flight already (an interrupt printed while the console talked to the
 * firmware), or the firmware refused: the caller copies instead. */
static int fb_pan(uint32_t top)
{
    static struct mbox_msg m;
    if (mbox_busy)
        return -1;
    mbox_msg_init(&m);
    uint32_t *offset = mbox_add_tag(&m, MBOX_TAG_FB_SET_VIRT_OFFSET, 2);
    offset[0] = 0;
    offset[1] = top;
    if (mbox_call(&m) != MBOX_OK || offset[1] != top)
        return -1;
    fb.top = top;
    return 0;
}

/*
 * Scroll the top `height` rows of the screen up by `by` rows. The buffer is twice as high as
 * the screen, so the whole screen scrolls by moving the window: paint the `by` rows just below
 * it, then show the buffer from `by` rows further down. When the window reaches the end of the
 * buffer, what it shows is copied back to the start first, once every (vheight - height) / by
 * scrolls. Otherwise (part of the screen, a firmware that cannot pan): one block move of
 * (height - by) rows, then the `by` rows that came free at the bottom are painted bg. The rows
 * lie one after the other `pitch` bytes apart, so a move is a single copy, padding and all.
 */
void fb_scroll(uint32_t height, uint32_t by, uint32_t bg)
{
    if (height > fb.height)
        height = fb.height;
    if (by >= height) {
        fb_fill_rect(0, 0, fb.width, height, bg);
        return;
    }
    if (height == fb.height && fb.vheight >= height + by) {
        if (fb.top + height + by > fb.vheight) {
            fb_copy_down((uintptr_t)fb.base, (uintptr_t)fb_row(0), (uintptr_t)height * fb.pitch);
            if (fb_pan(0) != 0)
                goto copy;                  /* the window stayed where it was: copy there */
        }
        uint32_t px = fb_pixel(bg);
        for (uint32_t j = height; j < height + by; j++) {
            volatile uint32_t *p = fb_row(j);
            for (uint32_t i = 0; i < fb.width; i++)
                p[i] = px;
        }
        if (fb_pan(fb.top + by) == 0)
            return;
    }
copy:
    fb_copy_down((uintptr_t)fb_row(0), (uintptr_t)fb_row(by), (uintptr_t)(height - by) * fb.pitch);
    fb_fill_rect(0, height - by, fb.width, by, bg);
}
/* ANCHOR_END: fb_scroll */
