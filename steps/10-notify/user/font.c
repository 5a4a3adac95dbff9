/*
 * font.c: reading a PC Screen Font (PSF), version 1 or 2.
 *
 * The format is described in the kbd project's psf.h (and "The PC Screen Font" page of the
 * Linux console tools). A file is a header, `count` glyph bitmaps of equal size, and for
 * most fonts a Unicode table that says which glyph draws which character.
 */
#include <stdint.h>

#include "font.h"

/* ANCHOR: psf_format */
/* PSF1: 4-byte header, glyphs 8 pixels wide, 256 or 512 of them. */
#define PSF1_MAGIC0     0x36
#define PSF1_MAGIC1     0x04
#define PSF1_HEADER     4
#define PSF1_MODE512    0x01           /* 512 glyphs instead of 256 */
#define PSF1_MODEHASTAB 0x02           /* a Unicode table follows the glyphs */
#define PSF1_MODEHASSEQ 0x04           /* ... with sequences */
#define PSF1_SEPARATOR  0xFFFF         /* table: ends one glyph's list (16-bit entries) */
#define PSF1_STARTSEQ   0xFFFE         /* table: sequences follow */

/* PSF2: 32-byte header of little-endian 32-bit words, any glyph size. */
#define PSF2_MAGIC      0x864AB572u    /* bytes 72 b5 4a 86 */
#define PSF2_MIN_HEADER 32
#define PSF2_HAS_UNICODE_TABLE 0x01
#define PSF2_SEPARATOR  0xFF           /* table: ends one glyph's list (UTF-8) */
#define PSF2_STARTSEQ   0xFE
/* ANCHOR_END: psf_format */

/* ANCHOR: font_table */
/* Little-endian 16/32-bit numbers from bytes: the font may sit at any address (an unaligned
 * load is allowed from Normal memory, but this code once ran in a kernel with the MMU off,
 * where a real Pi faults on one, and byte loads are right everywhere). */
static uint32_t le16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

static void map_char(struct font *f, uint32_t code, uint32_t glyph)
{
    if (code < FONT_CHARS && f->glyph_of[code] == 0xFFFF)
        f->glyph_of[code] = glyph;               /* the first glyph listed for it wins */
}

/* PSF1 table: per glyph, 16-bit code points, then optional sequences, then 0xFFFF. */
static void read_table_psf1(struct font *f, const uint8_t *p, const uint8_t *end)
{
    uint32_t glyph = 0, in_seq = 0;

    for (; p + 2 <= end && glyph < f->count; p += 2) {
        uint32_t v = le16(p);
        if (v == PSF1_SEPARATOR) {
            glyph++;
            in_seq = 0;
        } else if (v == PSF1_STARTSEQ) {
            in_seq = 1;
        } else if (!in_seq) {
            map_char(f, v, glyph);
        }
    }
}

/* PSF2 table: per glyph, UTF-8 characters, then optional sequences, then 0xFF. A byte
 * below 0x80 is always a whole (ASCII) character in UTF-8, and those are all we map. */
static void read_table_psf2(struct font *f, const uint8_t *p, const uint8_t *end)
{
    uint32_t glyph = 0, in_seq = 0;

    for (; p < end && glyph < f->count; p++) {
        if (*p == PSF2_SEPARATOR) {
            glyph++;
            in_seq = 0;
        } else if (*p == PSF2_STARTSEQ) {
            in_seq = 1;
        } else if (!in_seq && *p < 0x80) {
            map_char(f, *p, glyph);
        }
    }
}
/* ANCHOR_END: font_table */

/* ANCHOR: font_load */
/* The header fields both versions share, checked: glyph size, count, and that the glyphs
 * fit in the file. Returns NULL or what is wrong. */
static const char *font_set_glyphs(struct font *f, const uint8_t *data, uint32_t len,
                                   uint32_t header, uint32_t count, uint32_t width,
                                   uint32_t height, uint32_t bytes_per_glyph)
{
    f->glyphs = data + header;
    f->count = count;
    f->width = width;
    f->height = height;
    f->bytes_per_row = (width + 7) / 8;
    f->bytes_per_glyph = bytes_per_glyph;
    if (width == 0 || height == 0 || count == 0)
        return "empty glyphs";
    if (bytes_per_glyph != height * f->bytes_per_row)
        return "glyph size does not match width x height";
    if (header > len || (uint64_t)count * bytes_per_glyph > len - header)
        return "file shorter than its glyphs";
    return 0;
}

/*
 * Parse the PSF1 or PSF2 font in data[0..len) into f. Returns NULL on success, else a
 * message saying what is wrong with the file (f is then unusable). Characters the font's
 * Unicode table does not list are drawn with the glyph for '?'.
 */
const char *font_load(struct font *f, const uint8_t *data, uint32_t len)
{
    const char *err;
    uint32_t table = 0;                          /* offset of the Unicode table, 0 = none */

    if (len >= PSF1_HEADER && data[0] == PSF1_MAGIC0 && data[1] == PSF1_MAGIC1) {
        uint32_t mode = data[2], height = data[3];
        uint32_t count = (mode & PSF1_MODE512) ? 512 : 256;
        err = font_set_glyphs(f, data, len, PSF1_HEADER, count, 8, height, height);
        if (!err && (mode & (PSF1_MODEHASTAB | PSF1_MODEHASSEQ)))
            table = PSF1_HEADER + count * height;
    } else if (len >= PSF2_MIN_HEADER && le32(data) == PSF2_MAGIC) {
        uint32_t header = le32(data + 8), flags = le32(data + 12);
        uint32_t count = le32(data + 16), size = le32(data + 20);
        err = header < PSF2_MIN_HEADER ? "PSF2 header too short"
            : font_set_glyphs(f, data, len, header, count, le32(data + 28), le32(data + 24),
                              size);
        if (!err && (flags & PSF2_HAS_UNICODE_TABLE))
            table = header + count * size;
    } else {
        return "not a PSF1 or PSF2 font (bad magic)";
    }
    if (err)
        return err;

    for (uint32_t c = 0; c < FONT_CHARS; c++)
        f->glyph_of[c] = table ? 0xFFFF : (c < f->count ? c : 0);
    if (table && data[0] == PSF1_MAGIC0)
        read_table_psf1(f, data + table, data + len);
    else if (table)
        read_table_psf2(f, data + table, data + len);
    for (uint32_t c = 0; c < FONT_CHARS; c++)
        if (f->glyph_of[c] == 0xFFFF)
            f->glyph_of[c] = f->glyph_of['?'] == 0xFFFF ? 0 : f->glyph_of['?'];
    return 0;
}

/* The bitmap of character c: bytes_per_glyph bytes, rows top to bottom, each row
 * bytes_per_row bytes with the leftmost pixel in the top bit of the first byte. */
const uint8_t *font_glyph(const struct font *f, unsigned char c)
{
    uint32_t g = c < FONT_CHARS ? f->glyph_of[c] : f->glyph_of['?'];
    return f->glyphs + g * f->bytes_per_glyph;
}
/* ANCHOR_END: font_load */
