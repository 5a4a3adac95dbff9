"""Helpers for checks that read a step's screen (step 03 on): the PSF font, screendumps read
as pixels or as text, the clock's corner, and an independent model of what term.c shows.

A step that draws a clock in the top right corner (step 05 on) declares how many character
cells it may cover as the fact `clock_cells`; those cells are blanked before comparing.
"""

import os

from harness import CheckFailed, expect_eq
from png import write_png

PROMPT_TEXT = "> "                     # the prompt as the screen shows it
FONT_FILE = "Lat15-VGA16.psf"
SCREEN_W, SCREEN_H = 640, 480
# term.c's palette (VGA colours) and defaults.
PALETTE = [0x000000, 0xAA0000, 0x00AA00, 0xAA5500, 0x0000AA, 0xAA00AA, 0x00AAAA, 0xAAAAAA,
           0x555555, 0xFF5555, 0x55FF55, 0xFFFF55, 0x5555FF, 0xFF55FF, 0x55FFFF, 0xFFFFFF]
FG, BG = PALETTE[7], PALETTE[0]
CURSOR_ROWS = 2


class Font:
    """A PSF1 or PSF2 font with its Unicode table: glyph(ch) -> list of rows, each a list of
    0/1 pixels, left to right."""

    def __init__(self, path):
        data = open(path, "rb").read()
        if data[:2] == b"\x36\x04":
            mode, self.h = data[2], data[3]
            self.w, count, header, size = 8, 512 if mode & 1 else 256, 4, data[3]
            has_table = mode & 6
        elif int.from_bytes(data[:4], "little") == 0x864AB572:
            f = [int.from_bytes(data[i:i + 4], "little") for i in range(0, 32, 4)]
            header, flags, count, size, self.h, self.w = f[2], f[3], f[4], f[5], f[6], f[7]
            has_table = flags & 1
        else:
            raise CheckFailed(f"{path}: not a PSF font")
        self.glyphs = [data[header + i * size:header + (i + 1) * size] for i in range(count)]
        self.row_bytes = (self.w + 7) // 8
        self.index = {}
        table = data[header + count * size:]
        if not has_table:
            self.index = {chr(i): i for i in range(count)}
        elif data[:2] == b"\x36\x04":
            self._table(table, 2, 0xFFFF, 0xFFFE)
        else:
            self._table(table, 1, 0xFF, 0xFE)

    def _table(self, table, unit, sep, seq):
        glyph, in_seq, i = 0, False, 0
        while i < len(table) and glyph < len(self.glyphs):
            v = int.from_bytes(table[i:i + unit], "little")
            if v == sep:
                glyph, in_seq = glyph + 1, False
            elif v == seq:
                in_seq = True
            elif not in_seq and v < 0x80:       # PSF2: ASCII is one byte in UTF-8
                self.index.setdefault(chr(v), glyph)
            i += unit

    def glyph(self, ch):
        g = self.glyphs[self.index.get(ch, self.index["?"])]
        return [[(g[y * self.row_bytes + x // 8] >> (7 - x % 8)) & 1 for x in range(self.w)]
                for y in range(self.h)]


def font(step):
    return Font(os.path.join(step.src, FONT_FILE))


class Screen:
    """A screendump: pixel(x, y) -> 0xRRGGBB."""

    def __init__(self, w, h, rgb):
        self.w, self.h, self.rgb = w, h, rgb

    def pixel(self, x, y):
        i = 3 * (y * self.w + x)
        return self.rgb[i] << 16 | self.rgb[i + 1] << 8 | self.rgb[i + 2]

    def cell(self, f, col, row):
        return [[self.pixel(col * f.w + x, row * f.h + y) for x in range(f.w)]
                for y in range(f.h)]


def grab(m, step, name):
    """Take a screendump; keep it as build/<step>/<name>.png for a human to look at."""
    w, h, rgb = m.screendump()
    write_png(os.path.join(step.build, name + ".png"), w, h, rgb)
    expect_eq((w, h), (SCREEN_W, SCREEN_H), "screen size")
    return Screen(w, h, rgb)


def expected_cell(f, ch, fg=FG, bg=BG, cursor=False):
    rows = [[fg if bit else bg for bit in row] for row in f.glyph(ch)]
    if cursor:
        for row in rows[-CURSOR_ROWS:]:
            row[:] = [p ^ fg ^ bg for p in row]
    return rows


def cell_diff(got, want):
    """(x, y, got, want) of the first differing pixel, or None."""
    for y, (g, w) in enumerate(zip(got, want)):
        for x, (a, b) in enumerate(zip(g, w)):
            if a != b:
                return x, y, f"{a:06x}", f"{b:06x}"
    return None


def clock_cells(step):
    """How many cells at the right of line 0 the step's clock may cover (0: no clock)."""
    return step.facts.clock_cells


def without_clock(step, lines):
    """Text lines with the corner the clock may cover blanked: the clock shows guest time,
    which depends on when the host typed."""
    n = clock_cells(step)
    if not n:
        return lines
    return [lines[0][:len(lines[0]) - n] + " " * n] + lines[1:]


def mask_clock(step, w, rgb, font_w=8, font_h=16):
    """The pixels with the clock's corner painted black."""
    n = clock_cells(step)
    rgb = bytearray(rgb)
    x0 = w - n * font_w
    for y in range(font_h if n else 0):
        rgb[3 * (y * w + x0):3 * (y * w + w)] = bytes(3 * (w - x0))
    return bytes(rgb)


def read_text(step, screen, f, fg=FG, bg=BG, clock=False):
    """The screen as lines of text: every cell is matched against every glyph, on the rows
    above the cursor (so the cursor's cell reads too). A cell that is no glyph in fg on bg
    reads as '\\0'. The clock's corner reads as spaces, unless `clock`."""
    # Each glyph as the bytes of its cell drawn in fg on bg (three per pixel, a row after the
    # other): a cell reads as the glyph whose bytes it holds exactly, which is the same as its
    # pixels being fg or bg in the glyph's pattern. (Comparing bytes, not pixel by pixel: a
    # screen is 2,400 cells, and the checks read some thirty screens.)
    px = {1: fg.to_bytes(3, "big"), 0: bg.to_bytes(3, "big")}
    shapes = {}
    for code in range(0x20, 0x7F):
        rows = f.glyph(chr(code))[:-CURSOR_ROWS]
        shapes.setdefault(b"".join(px[bit] for r in rows for bit in r), chr(code))
    rgb, stride, span, h = bytes(screen.rgb), 3 * screen.w, 3 * f.w, f.h - CURSOR_ROWS
    lines = []
    for row in range(screen.h // f.h):
        line = []
        for col in range(screen.w // f.w):
            at = row * f.h * stride + col * span
            cell = b"".join(rgb[at + y * stride:at + y * stride + span] for y in range(h))
            line.append(shapes.get(cell, "\0"))
        lines.append("".join(line))
    return lines if clock else without_clock(step, lines)


def terminal_model(data, cols=80, rows=30):
    """What term.c should show after printing `data` (the serial transcript, "\\r\\n" line
    ends): the same rules, written again independently. Returns the lines of text."""
    screen = [[" "] * cols for _ in range(rows)]
    col = row = 0
    esc, params = None, ""

    def newline():
        nonlocal col, row
        col, row = 0, row + 1
        if row == rows:
            screen.pop(0)
            screen.append([" "] * cols)
            row = rows - 1

    for ch in data.decode("latin-1"):
        if esc == "seen":
            esc, params = ("csi" if ch == "[" else None), ""
        elif esc == "csi":
            if "@" <= ch <= "~":
                esc = None
                if ch == "J" and params == "2":
                    screen = [[" "] * cols for _ in range(rows)]
                    col = row = 0
                elif ch == "H":
                    col = row = 0
            else:
                params += ch
        elif ch == "\x1b":
            esc = "seen"
        elif ch == "\n":
            newline()
        elif ch == "\r":
            col = 0
        elif ch == "\t":
            col = min((col // 8 + 1) * 8, cols)
        elif ch == "\b":
            col = max(col - 1, 0)
        elif " " <= ch < "\x7f":
            if col >= cols:
                newline()
            screen[row][col] = ch
            col += 1
    return ["".join(line) for line in screen]
