/*
 * fbterm.h: a text terminal on the framebuffer, as a library for the root task (init). Until
 * step 09 the kernel drew its console on the screen (term.c); from step 10 the kernel only
 * asks the firmware for the buffer at boot and hands it to init: device untyped memory that
 * covers it, and its geometry in BootInfo's extra region. This library finds that chunk, makes
 * frames from the untypeds, maps them, and draws text the way the kernel's terminal did: the
 * same font, cells, colours, escape sequences, cursor and scrolling.
 */
#ifndef FBTERM_H
#define FBTERM_H

#include <stdint.h>

#include <sel4/sel4.h>

/* ANCHOR: fbterm_api */
/* The extra BootInfo chunk that describes the framebuffer (after its seL4_BootInfoHeader), as
 * the kernel writes it (abi.h, struct bootinfo_framebuffer). The id is ours, not seL4's: seL4
 * numbers its own ids from 0 up (6 is the device tree), and 0x6266 is far above them. */
#define FBTERM_BOOTINFO_ID 0x6266
struct fbterm_info {
    seL4_Word paddr;                   /* physical address of pixel (0, 0) */
    seL4_Word size;                    /* bytes of the buffer, from paddr */
    seL4_Uint32 width, height;         /* visible pixels */
    seL4_Uint32 pitch;                 /* bytes from one row to the next */
    seL4_Uint32 depth;                 /* bits per pixel: 32 */
    seL4_Uint32 pixel_order;           /* FBTERM_ORDER_BGR or FBTERM_ORDER_RGB */
    seL4_Uint32 reserved;
};
#define FBTERM_ORDER_BGR 0             /* pixel word 0x00RRGGBB (blue in the lowest byte) */
#define FBTERM_ORDER_RGB 1             /* pixel word 0x00BBGGRR */

/* The chunk in bi's extra region, or 0 if the kernel gave none (only init gets one). */
const struct fbterm_info *fbterm_find(const seL4_BootInfo *bi);

/* Map the framebuffer at `va` (page-aligned, with room for the whole buffer) and start the
 * terminal on it: a clear screen, the cursor at the top left. The frames' caps go to the
 * empty slots from *next_slot on (it is moved past them), page tables are retyped from the
 * first untyped of RAM. Returns 0, or what went wrong (nothing is drawn then). */
const char *fbterm_init(const seL4_BootInfo *bi, seL4_CPtr *next_slot, seL4_Word va);

/* Draw one byte, or a string, as a terminal would (after fbterm_init succeeded; before, or
 * after a failure, they do nothing): printable ASCII at the cursor, '\n', '\r', '\t', '\b',
 * and the escape sequences ESC [ ... m (colours), ESC [ 2 J (clear) and ESC [ H (home). */
void fbterm_putc(char c);
void fbterm_puts(const char *s);

/* The screen in character cells (0 x 0 before fbterm_init). */
void fbterm_size(uint32_t *cols, uint32_t *rows);
/* ANCHOR_END: fbterm_api */

#endif
