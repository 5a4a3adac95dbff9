"""Step 03 checks: the framebuffer, the font and the terminal on screen; steps 01-02's are
inherited.

The screen is read with QMP screendump. What it should show is computed from the font file
itself (parsed in Python, independently of font.c) and from the serial transcript (run through
a small terminal model), so the checks compare two independent routes to the same pixels
(common/test/screen.py). The run is deterministic under -icount, so the golden image is exact;
if a change to the picture is intended, the failing check says which file to copy over
golden.png.
"""
import os
import re

from boot import start as boot_start
from console import command, console
from devices import (AUX_MU_BAUD, MBOX1_WRITE, QEMU_CORE_CLOCK, baud_divisor,
                     stopped_store, mbox0_empty)
from harness import (PROMPT, CheckFailed, check, exercise, expect_eq, expect_true, extends, facts,
                     retire)
from png import read_png, write_png
from screen import (BG, FG, PALETTE, PROMPT_TEXT, cell_diff, expected_cell, font, grab,
                    mask_clock, read_text, terminal_model, without_clock)

parent = extends("02-uart")
facts(
    title="the framebuffer, a font, and the console on screen",
    banner_board=("board:    revision 0xa02082 (type 0x08, 1024 MiB), serial 0x0000000000000000\n"
                  "firmware: revision 346337\n"
                  "memory:   ARM 960 MiB at 0x00000000, VideoCore 64 MiB at 0x3c000000\n"
                  "clocks:   ARM 700 MHz core 700 MHz EMMC 50 MHz UART 3 MHz\n"),
    commands=parent.commands + ("fb", "clear", "color", "lines", "bench", "mbox"),
    # the baud divisor for QEMU's 700 MHz core clock (uart-divisor-from-core-clock works it
    # out), and no mailbox word dropped in a plain run
    info_lines=parent.info_lines + (r"uart      115200 baud from a 700000000 Hz core clock "
                                    r"\(divisor 759\)\r\n",
                                    r"mbox      0 stale replies drained, 0 for another buffer "
                                    r"or channel\r\n"),
    flood_long=1 << 18,           # every echoed byte is drawn and every line scrolls: 256 KiB
    clock_cells=0,                # cells of a clock in the screen's top right corner (05 on)
)
retire("chapter-session", "the session is chapter 02's; chapter 03 shows screens, not a transcript")
retire("first-byte-within-budget", "step 02's budget: from 03 the banner waits for the VideoCore")
retire("uart-baud-divisor", "uart-divisor-from-core-clock checks every divisor written, 270 then the core clock's")

GOLDEN = "golden.png"


@check("fb-command")
def fb_command(step):
    with console(step) as m:
        out = command(m, "fb")
        for want in ("fb: 640x480, 32 bits per pixel, pitch 2624 bytes",
                     "fb: 2519040 bytes at 0x3c100000 (bus address 0x3c100000)",
                     "fb: 80x30 characters of 8x16 pixels"):
            expect_true(want in out, f"expected {want!r} from 'fb', got {out!r}")


@check("glyph-cell-from-font")
def glyph_cell(step):
    """After `clear` and `echo A`, the cell at row 1, column 0 is the font's 'A' in light
    grey on black, pixel for pixel; the cell after it holds the cursor (inverted bottom)."""
    f = font(step)
    with console(step) as m:
        command(m, "clear")
        command(m, "echo A")
        s = grab(m, step, "glyph-cell")
        diff = cell_diff(s.cell(f, 0, 1), expected_cell(f, "A"))
        expect_true(diff is None, f"cell (col 0, row 1) is not the font's 'A': first "
                                  f"difference at (x, y, got, want) = {diff}")
        diff = cell_diff(s.cell(f, 2, 2), expected_cell(f, " ", cursor=True))
        expect_true(diff is None, f"cell (col 2, row 2) after the prompt is not the cursor: "
                                  f"first difference at {diff}")


@check("golden-image")
def golden_image(step):
    """A screen with every printable character, colours and a wrapped line: pixel-exact
    against golden.png (deterministic: QEMU runs under -icount), but for the clock's corner
    (step 05 on), which shows guest time (blanked in both)."""
    with console(step) as m:
        command(m, "clear")
        command(m, "echo " + "".join(chr(c) for c in range(0x21, 0x7F)))
        for fg, bg in ((1, 0), (2, 0), (3, 4), (6, 5), (0, 7)):
            command(m, f"color {fg} {bg}")
            command(m, f"echo colour {fg} on {bg}")
        command(m, "color 7 0")
        command(m, "fb")
        w, h, rgb = m.screendump()
    rgb = mask_clock(step, w, rgb)
    actual = os.path.join(step.build, "golden-actual.png")
    write_png(actual, w, h, rgb)
    gw, gh, grgb = read_png(os.path.join(step.src, GOLDEN))
    grgb = mask_clock(step, gw, grgb)
    expect_eq((w, h), (gw, gh), "screen size against the golden image")
    if rgb != grgb:
        diffs = [i // 3 for i in range(0, len(rgb), 3) if rgb[i:i + 3] != grgb[i:i + 3]]
        x, y = diffs[0] % w, diffs[0] // w
        raise CheckFailed(f"{len(diffs)} pixels differ from {GOLDEN}, the first at ({x}, {y}) "
                          f"(character cell col {x // 8}, row {y // 16}); the screen is in "
                          f"{os.path.relpath(actual)}: if the change is intended, copy it "
                          f"to steps/{step.name}/{GOLDEN}")


@check("scroll-100-lines")
def scroll_lines(step):
    """`lines 100` after `clear`: 102 lines of text on a 30-line screen, so the top line is
    the 73rd ("line 72") and every line below follows in order, read back from the pixels."""
    f = font(step)
    with console(step) as m:
        command(m, "clear")
        command(m, "lines 100")
        text = read_text(step, grab(m, step, "scroll"), f)
        expect_eq(text[0].rstrip(), "line 72", "top line of the screen after scrolling")
        want = [f"line {n}" for n in range(72, 101)] + [PROMPT_TEXT]
        expect_eq([t.rstrip() for t in text], [w.rstrip() for w in want], "screen lines")


@check("colours")
def colours(step):
    """color red blue, then echo: the glyph's set pixels are exactly 0xAA0000, the others
    exactly 0x0000AA (a swapped pixel order would give blue on red); color 7 0 restores."""
    f = font(step)
    with console(step) as m:
        command(m, "clear")
        command(m, "color red blue")
        command(m, "echo X")
        command(m, "color 7 0")
        command(m, "echo Y")
        s = grab(m, step, "colours")
        red, blue = PALETTE[1], PALETTE[4]
        diff = cell_diff(s.cell(f, 0, 2), expected_cell(f, "X", red, blue))
        expect_true(diff is None, f"'X' in red on blue at col 0, row 2: first difference "
                                  f"(x, y, got, want) = {diff}")
        # the prompt after 'echo X' is still red on blue; 'Y' after the reset is grey on black
        diff = cell_diff(s.cell(f, 0, 5), expected_cell(f, "Y"))
        expect_true(diff is None, f"'Y' after 'color 7 0' at col 0, row 5: {diff}")


@check("uart-and-screen-agree")
def uart_and_screen_agree(step):
    """The boot messages and a few commands (wrapping, backspace): the text on the screen,
    read from its pixels, is what the serial transcript says a terminal would show."""
    f = font(step)
    with console(step) as m:
        command(m, "help")
        command(m, "echo " + "wrap" * 30)
        command(m, "info")
        m.send("echo abx\x7fc\r")
        m.expect(b"abc\r\n> ")
        screen = read_text(step, grab(m, step, "agree"), f)
        model = without_clock(step, terminal_model(bytes(m.transcript)))
        for row, (got, want) in enumerate(zip(screen, model)):
            expect_eq(got, want, f"screen line {row} against the serial transcript")


@check("mbox-refused-resolution")
def refused_resolution(step):
    """QEMU 7.2 does not fail the request for 100000x100000: it clamps it to 3840x2560. The
    kernel must notice it did not get what it asked for, say so, return to 640x480, and
    keep a working screen."""
    f = font(step)
    with console(step) as m:
        out = command(m, "fb set 100000 100000")
        for want in ("asked for 100000x100000 at 32 bpp, the firmware offered 3840x2560",
                     "fb: 100000x100000 refused (see the serial line), back to 640x480"):
            expect_true(want in out, f"expected {want!r}, got {out!r}")
        out = command(m, "fb")
        expect_true("fb: 640x480, 32 bits per pixel, pitch 2624 bytes" in out,
                    f"'fb' after the refusal: {out!r}")
        text = read_text(step, grab(m, step, "refused"), f)
        expect_eq(text[0].rstrip(), "fb: 100000x100000 refused (see the serial line), back "
                                    "to 640x480", "first screen line after the refusal")


@check("mbox-tag-errors")
def tag_errors(step):
    """A tag whose answer does not fit its buffer is an error naming the tag and its code,
    never an answer; a well-formed tag is answered."""
    with console(step) as m:
        out = command(m, "mbox 0x10002 1")
        expect_true("mbox: tag 0x00010002 answered 4 bytes: 0x00a02082" in out,
                    f"board revision through 'mbox': {out!r}")
        out = command(m, "mbox 0x10004 1")
        expect_true("answer longer than the tag's buffer (tag 0x00010004, code 0x80000008)"
                    in out, f"board serial (8 bytes) in a 4-byte buffer: {out!r}")
        out = command(m, "mbox 0x30002 2 3")
        expect_true("0x00000003 0x29b92700" in out, f"ARM clock (700 MHz): {out!r}")


@check("no-framebuffer-serial-only")
def no_framebuffer(step):
    """If the VideoCore never answers (simulated: mbox_call patched to return
    MBOX_ERR_TIMEOUT before the kernel starts), the kernel says so on the serial line and
    the console works without a screen."""
    patch = (0x52800040).to_bytes(4, "little") + (0xD65F03C0).to_bytes(4, "little")  # mov w0, #2; ret
    with step.boot(timeout=60, paused=True) as m:
        m.gdb.write_mem(step.pa(step.sym("mbox_call")), patch)  # MMU still off: physical
        m.gdb.resume()
        m.expect("mbox: fb: no answer from the VideoCore")
        m.expect("screen: no framebuffer, serial console only")
        m.expect(PROMPT)
        out = command(m, "fb")
        expect_true("fb: no framebuffer: the console is on the serial line only" in out,
                    f"'fb' without a framebuffer: {out!r}")
        out = command(m, "echo still here")
        expect_true("still here" in out, f"echo without a screen: {out!r}")


@check("bench-figures")
def bench(step):
    """`bench` prints instructions (PMU cycles under -icount) per character, per glyph and
    per scroll. They are deterministic; the check writes them to build/<step>/bench.txt
    (the book's figure shows the same line) and guards against a drawing loop ten times
    slower."""
    with console(step) as m:
        out = command(m, "bench")
        match = re.search(r"bench: (\d+) per character printed, (\d+) per glyph drawn, "
                          r"(\d+) per scroll", out)
        expect_true(match, f"bench output: {out!r}")
        char, glyph, scroll = map(int, match.groups())
        with open(os.path.join(step.build, "bench.txt"), "w") as out_file:
            out_file.write(f"{char} instructions per character printed (UART and screen), "
                           f"{glyph} per glyph drawn, {scroll} per scroll; kernel8.img is "
                           f"{os.path.getsize(step.img)} bytes\n")
        expect_true(0 < glyph < 20_000 and glyph < char < 40_000 and 0 < scroll < 8_000_000,
                    f"bench figures out of range: {char}, {glyph}, {scroll}")


@check("uart-divisor-from-core-clock")
def uart_divisor_from_core_clock(step):
    """QEMU ignores the mini UART's divisor (AUX_MU_BAUD reads 0), so a write watchpoint on
    the register records what the kernel stores there on its way to the console: first
    uart_init's divisor for the 250 MHz of config.txt (270), then the one for the core clock
    the firmware reports, 700 MHz in QEMU: 700 000 000 / (8 × 115200) = 759.5 counts, 760,
    so 759. A kernel that keeps 270 fails (the register is written once)."""
    want = [baud_divisor(250_000_000, 115200), baud_divisor(QEMU_CORE_CLOCK, 115200)]
    baud = step.kbase + AUX_MU_BAUD
    stop = step.sym(step.facts.ready_symbol)
    stored = []
    with boot_start(step, serial=True) as m:
        m.gdb.break_at(stop)
        m.gdb.ok(f"Z2,{baud:x},4")
        while len(stored) <= len(want):
            thread = m.gdb.cont()
            if m.gdb.reg(thread, m.gdb.PC) == stop:
                break
            stored.append(stopped_store(m, thread)[2])
            m.gdb.ok(f"z2,{baud:x},4")         # step over the store, then watch again
            m.gdb.step(thread)
            m.gdb.ok(f"Z2,{baud:x},4")
    expect_eq(stored, want, "values written to AUX_MU_BAUD before the console starts")


@check("mbox-late-and-foreign-replies")
def mbox_late_and_foreign(step):
    """A reply that comes after mbox_call gave up on it must not be taken as the answer to
    the next message from the same buffer (its word is the same), and a reply for another
    buffer is not ours either. QEMU answers at once, so both are made with gdb: a write
    watchpoint on MBOX1_WRITE stops the kernel at its post, and gdb executes that store
    with the register holding what we want posted, as often as we want.

    1. `mbox 0x10002 1` is posted twice: the firmware answers twice, and one answer stays in
       mailbox 0, as a late reply would.
    2. The next `mbox 0x10002 1` must throw it away before posting: afterwards mailbox 0 is
       empty. (A kernel that does not drain takes the late reply as its answer and leaves its
       own in mailbox 0: this fails there.)
    3. The next one posts a message of another buffer (in free RAM below the kernel) just
       before its own: the kernel must skip the other answer and still answer right.
    `info` counts one word of each kind."""
    cmd, answer = "mbox 0x10002 1", "mbox: tag 0x00010002 answered 4 bytes: 0x00a02082"
    write = step.kbase + MBOX1_WRITE
    other_pa = 0x40000                 # free RAM below the kernel's load address
    # a message of its own: 32 bytes, a request, "get board revision" with 4 bytes, end
    other_msg = [32, 0, 0x00010002, 4, 0, 0, 0, 0]
    bus_alias = step.define("mbox.c", "BUS_ALIAS_UNCACHED")

    def posting(m):
        """Type `cmd` with a write watchpoint on MBOX1_WRITE; stop at the post."""
        m.gdb.interrupt()
        m.gdb.ok(f"Z2,{write:x},4")
        m.gdb.resume()
        m.send(cmd.encode() + b"\r")
        thread = m.gdb.wait_stop()
        m.gdb.ok(f"z2,{write:x},4")
        pc, rt, word = stopped_store(m, thread)
        expect_eq(word & 0xF, 8, f"channel of the word posted at {pc:#x} ({word:#x})")
        return thread, pc, rt, word

    def post(m, thread, pc, rt, words, restore):
        """Execute the kernel's store once for each of `words`, then let it go on from the
        next instruction with `restore` in the register (it compares answers with it)."""
        for w in words:
            m.gdb.set_reg(thread, rt, w)
            m.gdb.set_reg(thread, m.gdb.PC, pc)
            m.gdb.step(thread)
        m.gdb.set_reg(thread, rt, restore)
        m.gdb.resume()
        m.expect(answer, timeout=10)
        m.expect(PROMPT, timeout=10)

    with boot_start(step, serial=True) as m:
        m.gdb.resume()
        m.expect(PROMPT, timeout=20)

        thread, pc, rt, word = posting(m)
        post(m, thread, pc, rt, [word, word], word)
        expect_true(not mbox0_empty(m), "the second answer to the doubled post is not in "
                                         "mailbox 0: the late reply could not be made")

        out = command(m, cmd)
        expect_true(answer in out, f"{cmd!r} after a late reply: {out!r}")
        expect_true(mbox0_empty(m), "after a late reply was waiting in mailbox 0, the next "
                                     "message's own answer is still there: the late reply "
                                     "was taken for it")

        m.gdb.interrupt()
        m.gdb.write_mem(step.kbase + other_pa,
                        b"".join(w.to_bytes(4, "little") for w in other_msg))
        m.gdb.resume()
        thread, pc, rt, word = posting(m)
        post(m, thread, pc, rt, [other_pa | bus_alias | 8, word], word)
        expect_true(mbox0_empty(m), "mailbox 0 still holds a word after a reply for "
                                     "another buffer came first")

        out = command(m, "info")
        want = "mbox      1 stale replies drained, 1 for another buffer or channel"
        expect_true(want in out, f"info: {want!r}: {out!r}")


# ---- The exercises of this step (workshop mode: `make exercise STEP=03`) ----------------------
# mbox_exchange: with its stand-in no message is ever answered (MBOX_ERR_TIMEOUT at once, as if
# the VideoCore were silent), so the kernel runs as no-framebuffer-serial-only simulates: no
# board facts in the banner or `info`, no screen, `fb` and `mbox` refused, and the mini UART's
# divisor never recomputed for the core clock. draw_glyph: with its stand-in nothing is drawn,
# so every check that reads text off the screen fails (mbox-refused-resolution reads its
# message there), and they fail under mbox_exchange's stand-in too (no screen at all).
SCREEN_CHECKS = ("glyph-cell-from-font", "golden-image", "scroll-100-lines", "colours",
                 "uart-and-screen-agree", "mbox-refused-resolution")
exercise("mbox_exchange", "banner", "info", "fb-command", "mbox-tag-errors", "bench-figures",
         "uart-divisor-from-core-clock", "mbox-late-and-foreign-replies", *SCREEN_CHECKS)
exercise("draw_glyph", *SCREEN_CHECKS)
