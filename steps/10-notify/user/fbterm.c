/*
 * fbterm.c: a text terminal on the framebuffer, in user space (see fbterm.h).
 *
 * The drawing is the kernel's term.c and fb.c of steps 03-09, moved out: a grid of 8x16
 * character cells in the font of font.S, the 16 VGA colours, ANSI colour sequences, a cursor
 * made by inverting the bottom of its cell, and scrolling by one block move. What changed is
 * how the pixels are reached: not through the kernel's map of all RAM, but through frames this
 * program made itself from the untypeds the kernel gave it, mapped where it chose. And nothing
 * here can pan the screen: that takes the mailbox, which stays the kernel's.
 */
#include "fbterm.h"

#include <stdbool.h>

#include "font.h"

/* ANCHOR: fbterm_find */
/* Walk the chunks of extra BootInfo: they start on the page after BootInfo's, extraLen bytes
 * in all, each a header whose len counts the header too. A chunk whose len is too small or
 * runs past the end stops the walk: its data cannot be trusted, nor anything after it. */
const struct fbterm_info *fbterm_find(const seL4_BootInfo *bi)
{
    const uint8_t *p = (const uint8_t *)bi + seL4_BootInfoFrameSize;
    seL4_Word left = bi->extraLen;

    while (left >= sizeof(seL4_BootInfoHeader)) {
        const seL4_BootInfoHeader *h = (const seL4_BootInfoHeader *)p;
        if (h->len < sizeof *h || h->len > left)
            return 0;
        if (h->id == FBTERM_BOOTINFO_ID && h->len >= sizeof *h + sizeof(struct fbterm_info))
            return (const struct fbterm_info *)(h + 1);
        p += h->len;
        left -= h->len;
    }
    return 0;
}
/* ANCHOR_END: fbterm_find */

/* ANCHOR: fbterm_map */
#define PAGE_SIZE  (1UL << seL4_PageBits)

/*
 * Map frame `frame` at `va`, read-write, never executable, and uncached: the attributes leave
 * out seL4_ARM_PageCacheable, which in seL4 (and here) makes the mapping Device-nGnRnE. The
 * VideoCore reads the pixels from RAM and never looks into the ARM's caches, so a pixel stored
 * through a cacheable mapping would wait in a dirty line, invisible on the screen, until the
 * line happened to be written back. Device memory is never cached: every store goes to memory
 * in the order and size it was made (Arm ARM B2, "Device memory"). The other way, cacheable
 * memory cleaned to the point of coherency after drawing (Arm ARM C5, "DC CVAC"), is faster to
 * read but costs a clean (here a system call, seL4_ARM_Page_Clean_Data) per page drawn on, and
 * a forgotten one shows only on real hardware, as stale pixels. The price of Device memory:
 * no store gathering and slow reads (the scroll's block move reads the screen), and no
 * unaligned access (Arm ARM B2, "Alignment support"), so every pixel is one aligned 32-bit
 * store. When a page table is missing (FailedLookup), one is made from `ram_ut` and mapped.
 */
static seL4_Error map_uncached(seL4_CPtr frame, seL4_Word va, seL4_CPtr ram_ut, seL4_CPtr *slot)
{
    for (;;) {
        seL4_Error e = seL4_ARM_Page_Map(frame, seL4_CapInitThreadVSpace, va, seL4_ReadWrite,
                                         seL4_ARM_ExecuteNever);
        if (e != seL4_FailedLookup)
            return e;
        seL4_CPtr pt = (*slot)++;
        e = seL4_Untyped_Retype(ram_ut, seL4_ARM_PageTableObject, 0, seL4_CapInitThreadCNode,
                                0, 0, pt, 1);
        if (!e)
            e = seL4_ARM_PageTable_Map(pt, seL4_CapInitThreadVSpace, va,
                                       seL4_ARM_Default_VMAttributes);
        if (e)
            return e;
    }
}

/* The first untyped of RAM with room for a page table, for map_uncached; 0 if none. */
static seL4_CPtr ram_untyped(const seL4_BootInfo *bi)
{
    for (seL4_Word i = 0; i < bi->untyped.end - bi->untyped.start; i++)
        if (!bi->untypedList[i].isDevice && bi->untypedList[i].sizeBits >= seL4_PageBits)
            return bi->untyped.start + i;
    return 0;
}

/*
 * Make frames of the device untypeds that lie in the framebuffer's pages [lo, hi), and map
 * each at va + (its address - lo). Retype places objects in order from the untyped's start, so
 * frame j of an untyped at pa is the page at pa + j * 4096; at most 256 objects per call
 * (seL4_UntypedRetypeMaxObjects). Returns 0, or what went wrong.
 */
static const char *map_framebuffer(const seL4_BootInfo *bi, seL4_Word lo, seL4_Word hi,
                                   seL4_Word va, seL4_CPtr *slot)
{
    seL4_CPtr ram = ram_untyped(bi);
    seL4_Word covered = 0;

    if (!ram)
        return "no untyped of RAM for page tables";
    for (seL4_Word i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const seL4_UntypedDesc *d = &bi->untypedList[i];
        seL4_Word size = 1UL << d->sizeBits;
        if (!d->isDevice || d->paddr < lo || d->paddr + size > hi || d->sizeBits < seL4_PageBits)
            continue;
        seL4_Word frames = size / PAGE_SIZE;
        for (seL4_Word done = 0; done < frames;) {
            seL4_Word n = frames - done;
            if (n > seL4_UntypedRetypeMaxObjects)
                n = seL4_UntypedRetypeMaxObjects;
            seL4_CPtr first = *slot;
            if (first + n > bi->empty.end)
                return "not enough empty slots for the frames";
            *slot += n;
            if (seL4_Untyped_Retype(bi->untyped.start + i, seL4_ARM_SmallPageObject, 0,
                                    seL4_CapInitThreadCNode, 0, 0, first, n))
                return "Retype of the framebuffer's untyped failed";
            for (seL4_Word j = 0; j < n; j++, done++)
                if (map_uncached(first + j, va + (d->paddr - lo) + done * PAGE_SIZE, ram, slot))
                    return "mapping a frame of the framebuffer failed";
        }
        covered += size;
    }
    return covered == hi - lo ? 0 : "the device untypeds do not cover the framebuffer";
}
/* ANCHOR_END: fbterm_map */

/* ANCHOR: fbterm_state */
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

enum { ESC_NONE, ESC_SEEN, ESC_CSI };

/* The screen (where the pixels are) and the text on it (where the cursor is, in what colours). */
static struct {
    bool on;                           /* fbterm_init succeeded */
    volatile uint32_t *base;           /* pixel (0, 0), in this program's address space */
    uint32_t width, height, pitch, order;
    struct font font;
    uint32_t cols, rows;               /* the screen in character cells */
    uint32_t col, row;                 /* the cursor; col == cols means "wrap before the next" */
    uint32_t fg, bg;                   /* current colours, 0xRRGGBB */
    bool cursor_shown;                 /* the cursor cell is inverted right now */
    uint32_t cursor_col, cursor_row, cursor_mask;   /* where and how it was inverted */
    int esc;                           /* escape-sequence parser state */
    uint32_t params[4], nparams;       /* numbers of the escape sequence being read */
} t;
/* ANCHOR_END: fbterm_state */

/* ANCHOR: fbterm_pixels */
/* The 32-bit word that shows colour 0xRRGGBB in the pixel order the firmware granted. */
static uint32_t pixel(uint32_t rgb)
{
    if (t.order == FBTERM_ORDER_BGR)
        return rgb;
    return (rgb & 0x00FF00) | (rgb >> 16 & 0xFF) | (rgb & 0xFF) << 16;
}

/* The first pixel of row y. pitch is in bytes and need not be width * 4: the firmware may pad
 * each row, so rows are found through pitch, never through width. */
static volatile uint32_t *row_at(uint32_t y)
{
    return (volatile uint32_t *)((uintptr_t)t.base + (uintptr_t)y * t.pitch);
}

/* Clip the rectangle (x, y, w, h) to the screen; false if nothing is left. */
static bool clip(uint32_t x, uint32_t y, uint32_t *w, uint32_t *h)
{
    if (x >= t.width || y >= t.height)
        return false;
    if (*w > t.width - x)
        *w = t.width - x;
    if (*h > t.height - y)
        *h = t.height - y;
    return *w && *h;
}

/* Paint a rectangle in colour 0xRRGGBB; parts outside the screen are skipped. */
static void fill_rect(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb)
{
    uint32_t px = pixel(rgb);

    if (!clip(x, y, &w, &h))
        return;
    for (uint32_t j = 0; j < h; j++) {
        volatile uint32_t *p = row_at(y + j) + x;
        for (uint32_t i = 0; i < w; i++)
            p[i] = px;
    }
}

/* Exclusive-or every pixel of a rectangle with a colour: doing it twice restores the pixels,
 * which is how the cursor is shown and hidden. */
static void invert_rect(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb_mask)
{
    uint32_t mask = pixel(rgb_mask);

    if (!clip(x, y, &w, &h))
        return;
    for (uint32_t j = 0; j < h; j++) {
        volatile uint32_t *p = row_at(y + j) + x;
        for (uint32_t i = 0; i < w; i++)
            p[i] ^= mask;
    }
}

/* Draw one glyph with its top-left corner at (x, y): set bits in fg, clear bits in bg, so the
 * whole cell is painted. A glyph that would not fit on the screen entirely is not drawn. */
static void draw_glyph(uint32_t x, uint32_t y, const uint8_t *glyph, uint32_t fg, uint32_t bg)
{
    uint32_t on = pixel(fg), off = pixel(bg);
    const struct font *f = &t.font;

    if (x + f->width > t.width || y + f->height > t.height)
        return;
    for (uint32_t r = 0; r < f->height; r++, glyph += f->bytes_per_row) {
        volatile uint32_t *p = row_at(y + r) + x;
        uint32_t bits = 0;
        for (uint32_t col = 0; col < f->width; col++) {
            if (col % 8 == 0)
                bits = glyph[col / 8];           /* next 8 pixels of this row */
            p[col] = (bits & 0x80) ? on : off;
            bits <<= 1;
        }
    }
}
/* ANCHOR_END: fbterm_pixels */

/* ANCHOR: fbterm_scroll */
/*
 * Copy `bytes` bytes from src to dst, dst below src, front to back (safe when the ranges
 * overlap that way), in aligned 64-bit words when the addresses allow it, else in 32-bit
 * words (always aligned: every pixel is one): Device memory faults on an unaligned access.
 * The 64-bit copy loads eight words before it stores any (so still front to back). volatile
 * keeps GCC from turning the loops into a call to memmove.
 */
static void copy_down(uintptr_t dst, uintptr_t src, uintptr_t bytes)
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

/* Move the rows of cells up by one: one block move of everything below the first row of
 * cells (the rows lie pitch bytes apart, so the block is contiguous, padding and all), then
 * the freed row at the bottom painted. The kernel's terminal moved the visible window
 * instead (one mailbox message, nothing copied); without the mailbox, the copy is all there
 * is, and it reads the whole screen back from uncached memory: the slowest thing done here. */
static void scroll(void)
{
    uint32_t by = t.font.height, height = t.rows * t.font.height;

    copy_down((uintptr_t)t.base, (uintptr_t)row_at(by), (uintptr_t)(height - by) * t.pitch);
    fill_rect(0, height - by, t.width, by, t.bg);
}
/* ANCHOR_END: fbterm_scroll */

/* ANCHOR: fbterm_cursor */
/* The cursor is the bottom of its cell, inverted. Hiding it inverts the same pixels again,
 * so whatever was drawn there comes back exactly. */
static void cursor_invert(void)
{
    const struct font *f = &t.font;
    invert_rect(t.cursor_col * f->width, (t.cursor_row + 1) * f->height - CURSOR_ROWS,
                f->width, CURSOR_ROWS, t.cursor_mask);
}

static void cursor_hide(void)
{
    if (t.cursor_shown)
        cursor_invert();
    t.cursor_shown = false;
}

static void cursor_show(void)
{
    /* A pending wrap (col == cols) shows the cursor on the last column. */
    t.cursor_col = t.col < t.cols ? t.col : t.cols - 1;
    t.cursor_row = t.row;
    t.cursor_mask = t.fg ^ t.bg;
    cursor_invert();
    t.cursor_shown = true;
}

/* Paint the whole screen in the background colour; the cursor to the top left. The cursor
 * must be hidden. */
static void clear_screen(void)
{
    fill_rect(0, 0, t.width, t.height, t.bg);
    t.col = t.row = 0;
}

/* Move to the start of the next line; at the bottom, scroll the text up one row of cells. */
static void newline(void)
{
    t.col = 0;
    if (++t.row < t.rows)
        return;
    scroll();
    t.row = t.rows - 1;
}
/* ANCHOR_END: fbterm_cursor */

/* ANCHOR: fbterm_sgr */
/* Select Graphic Rendition: the colour part of ESC [ n ; n ... m. */
static void sgr(uint32_t n)
{
    if (n == 0) {                                     /* reset */
        t.fg = palette[DEFAULT_FG];
        t.bg = palette[DEFAULT_BG];
    } else if (n >= 30 && n <= 37) {                  /* foreground */
        t.fg = palette[n - 30];
    } else if (n >= 90 && n <= 97) {                  /* bright foreground */
        t.fg = palette[n - 90 + 8];
    } else if (n == 39) {                             /* default foreground */
        t.fg = palette[DEFAULT_FG];
    } else if (n >= 40 && n <= 47) {                  /* background */
        t.bg = palette[n - 40];
    } else if (n >= 100 && n <= 107) {                /* bright background */
        t.bg = palette[n - 100 + 8];
    } else if (n == 49) {                             /* default background */
        t.bg = palette[DEFAULT_BG];
    }                                                 /* anything else: ignored */
}

/* The end of a control sequence ESC [ params final: colours (m), clear screen (2J) and
 * cursor home (H). Everything else is ignored, as a terminal ignores what it lacks. */
static void csi_final(char final)
{
    if (final == 'm') {
        for (uint32_t i = 0; i < t.nparams; i++)
            sgr(t.params[i]);
    } else if (final == 'J' && t.params[0] == 2) {
        clear_screen();
    } else if (final == 'H') {
        t.col = t.row = 0;
    }
}

/* Feed one byte of an escape sequence. ESC [ starts a control sequence, digits and ';'
 * give its parameters (at most 4, each at most 9999), a byte from '@' to '~' ends it. */
static void escape(char c)
{
    if (t.esc == ESC_SEEN) {
        t.esc = c == '[' ? ESC_CSI : ESC_NONE;
        t.nparams = 1;
        t.params[0] = 0;
    } else if (c >= '0' && c <= '9') {
        uint32_t *p = &t.params[t.nparams - 1];
        if (*p < 1000)
            *p = *p * 10 + (uint32_t)(c - '0');
    } else if (c == ';') {
        if (t.nparams < 4)
            t.params[t.nparams++] = 0;
    } else if (c >= '@' && c <= '~') {
        csi_final(c);
        t.esc = ESC_NONE;
    }
}
/* ANCHOR_END: fbterm_sgr */

/* ANCHOR: fbterm_putc */
/* Draw printable character c at the cursor and advance; wrap first if the line is full. */
static void put_glyph(char c)
{
    const struct font *f = &t.font;

    if (t.col >= t.cols)
        newline();
    draw_glyph(t.col * f->width, t.row * f->height, font_glyph(f, (unsigned char)c), t.fg,
               t.bg);
    t.col++;
}

/* The column of the next tab stop after col; tabs stop at the end of the line. */
static uint32_t next_tab(uint32_t col)
{
    uint32_t next = (col / TAB_WIDTH + 1) * TAB_WIDTH;
    return next < t.cols ? next : t.cols;
}

/* One byte: the cursor is hidden while the byte changes the screen, then shown where it is
 * now. One thread draws at a time: unlike the kernel's terminal, this one is not shared. */
void fbterm_putc(char c)
{
    if (!t.on)
        return;
    cursor_hide();
    if (t.esc != ESC_NONE)
        escape(c);
    else if (c == ASCII_ESC)
        t.esc = ESC_SEEN;
    else if (c == '\n')
        newline();
    else if (c == '\r')
        t.col = 0;
    else if (c == '\t')
        t.col = next_tab(t.col);
    else if (c == '\b')
        t.col -= t.col > 0;
    else if ((unsigned char)c >= ' ' && c != ASCII_DEL)
        put_glyph(c);                               /* other control bytes: nothing */
    cursor_show();
}

void fbterm_puts(const char *s)
{
    while (*s)
        fbterm_putc(*s++);
}
/* ANCHOR_END: fbterm_putc */

/* ANCHOR: fbterm_init */
const char *fbterm_init(const seL4_BootInfo *bi, seL4_CPtr *next_slot, seL4_Word va)
{
    const struct fbterm_info *fb = fbterm_find(bi);
    if (!fb)
        return "no framebuffer in BootInfo (the kernel gives one to init only)";
    if (fb->depth != 32 || fb->pitch < fb->width * 4 ||
        fb->size < (seL4_Word)fb->pitch * fb->height)
        return "a framebuffer this terminal cannot draw on (not 32 bits per pixel)";
    const char *err = font_load(&t.font, font_psf, (uint32_t)(font_psf_end - font_psf));
    if (err)
        return err;
    if (fb->width < t.font.width || fb->height < t.font.height)
        return "a screen smaller than one character";

    seL4_Word lo = fb->paddr & ~(PAGE_SIZE - 1);
    seL4_Word hi = (fb->paddr + fb->size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    err = map_framebuffer(bi, lo, hi, va, next_slot);
    if (err)
        return err;

    t.base = (volatile uint32_t *)(va + (fb->paddr - lo));
    t.width = fb->width;
    t.height = fb->height;
    t.pitch = fb->pitch;
    t.order = fb->pixel_order;
    t.cols = t.width / t.font.width;
    t.rows = t.height / t.font.height;
    t.fg = palette[DEFAULT_FG];
    t.bg = palette[DEFAULT_BG];
    t.esc = ESC_NONE;
    t.cursor_shown = false;
    clear_screen();
    cursor_show();
    t.on = true;
    return 0;
}

void fbterm_size(uint32_t *cols, uint32_t *rows)
{
    *cols = t.cols;
    *rows = t.rows;
}
/* ANCHOR_END: fbterm_init */
