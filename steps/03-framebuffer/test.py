"""Step 03 checks: step 01's boot checks and step 02's console checks, which must all still
pass, then the screen: mailbox, framebuffer, font and terminal.

The console checks talk to the mini UART through the harness's socket. They always wait for
the prompt before typing: input that arrives before uart_init is thrown away. Each check
boots its own QEMU, so no check depends on what another typed. The screen checks read the
screen with QMP screendump.

Run as a program, this file prints the step's closing figures
(`python3 steps/03-framebuffer/test.py`).
"""
import os
import random
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "common", "test"))
from harness import CheckFailed, check, expect_eq, expect_true  # noqa: E402

PROMPT = b"> "
SPIN_TABLE = {2: 0xE0, 3: 0xE8, 4: 0xF0}  # gdb thread (core + 1) -> its firmware spin-table slot
GARBAGE = 0xA5
LINE_MAX = 127                           # console.c: CONSOLE_LINE_MAX
RAM_END = 0x3F000000                     # console.c: RAM_END, where the peripherals start
CTRL_C, CTRL_U, BS, DEL, ESC = b"\x03", b"\x15", b"\x08", b"\x7f", b"\x1b"


def el_of(cpsr):
    return (cpsr >> 2) & 3  # PSTATE.EL, as SPSR/CPSR.M[3:2]


# --------------------------------------------------------------------------------------------
# Step 01's checks, still true: core 0 enters C at EL2 with .bss zeroed, cores 1-3 park.

def start(step, prefill_bss=False, serial=False):
    """QEMU paused before the first instruction, gdb attached. With prefill_bss, the .bss range
    is filled with 0xA5 bytes before boot (QEMU's generic loader device), so a kernel that
    forgot to clear it would be caught. Cores 1-3 are released towards 0x80000 through the
    spin table, as the real firmware would if something woke them: parking must hold anyway."""
    extra = []
    if prefill_bss:
        start_, end = step.sym("__bss_start"), step.sym("__bss_end")
        expect_true(end > start_, ".bss is empty, so the zeroing cannot be tested")
        path = os.path.join(step.build, "bss-garbage.bin")
        with open(path, "wb") as f:
            f.write(bytes([GARBAGE]) * (end - start_))
        extra = ["-device", f"loader,file={path},addr={start_:#x},force-raw=on"]
    m = step.boot(serial=serial, paused=True, timeout=60, extra=extra)
    for slot in SPIN_TABLE.values():
        m.gdb.write_mem(slot, (0x80000).to_bytes(8, "little"))
    return m


@check("c-entry-on-core0-at-el2")
def c_entry(step):
    with start(step) as m:
        m.gdb.break_at(step.sym("kernel_main"))
        thread = m.gdb.cont()
        expect_eq(thread, 1, "thread (core + 1) that reached kernel_main first")
        cpsr = m.gdb.reg(thread, m.gdb.CPSR)
        expect_eq(el_of(cpsr), 2, f"exception level at kernel_main (CPSR={cpsr:#x})")
        expect_eq(m.gdb.reg(thread, m.gdb.PC), step.sym("kernel_main"), "PC at the breakpoint")


@check("bss-zeroed-before-c")
def bss_zeroed(step):
    start_, end = step.sym("__bss_start"), step.sym("__bss_end")
    with start(step, prefill_bss=True) as m:
        before = m.gdb.read_mem(start_, end - start_)
        expect_eq(set(before), {GARBAGE}, ".bss before boot (the prefill must be there, "
                                          "or this check proves nothing)")
        m.gdb.break_at(step.sym("kernel_main"))
        m.gdb.cont()
        after = m.gdb.read_mem(start_, end - start_)
        nonzero = sum(1 for b in after if b)
        expect_eq(nonzero, 0, f"non-zero bytes in .bss [{start_:#x}, {end:#x}) at kernel_main")


def pcs(m):
    """Core number -> PC, for cores 1-3 (all cores must be stopped)."""
    return {t - 1: m.gdb.reg(t, m.gdb.PC) for t in SPIN_TABLE}


@check("cores-1-3-parked")
def cores_parked(step):
    """Cores 1-3 are released at 0x80000 but must end in park, and none may reach C. The
    kernel is driven through the console (each command it answers proves it ran); after each
    answer every core is stopped and looked at. A core may still be in QEMU's firmware stub or
    on its way through boot.S, so this repeats until all three are parked."""
    park, park_end = step.sym("park"), step.sym("park_end")
    main = step.sym("kernel_main")
    with start(step, serial=True) as m:
        expect_eq(m.gdb.threads(), [1, 2, 3, 4], "gdb threads (one per core)")
        m.gdb.break_at(main)  # stays in place: any core entering C stops there
        expect_eq(m.gdb.cont(), 1, "thread that reached kernel_main")
        m.gdb.resume()
        answer = PROMPT
        for i in range(50):
            try:
                m.expect(answer, timeout=10)
            except CheckFailed:
                pass  # a core stopped at kernel_main stops them all: the PCs below say which
            m.gdb.interrupt()
            where = pcs(m)
            for core, pc in where.items():
                expect_true(pc != main, f"core {core} reached kernel_main")
                expect_true(pc < 0x1000 or step.sym("_start") <= pc < park_end,
                            f"core {core} is outside boot.S and park: PC {pc:#x}")
            if all(park <= pc < park_end for pc in where.values()):
                return
            m.gdb.resume()
            m.send(f"echo round {i}\r")
            answer = f"\nround {i}\r\n> "
        raise CheckFailed(f"cores not parked after 50 console commands: PCs {where} "
                          f"(park is [{park:#x}, {park_end:#x}))")


# --------------------------------------------------------------------------------------------
# The console

def console(step, timeout=60):
    """Boot, wait for the first prompt; returns the machine (a context manager)."""
    m = step.boot(timeout=timeout)
    try:
        m.expect(PROMPT, timeout=20)
    except BaseException:
        m.close()
        raise
    return m


def run(m, line, timeout=10):
    """Type `line` (bytes or str, no Enter), press Enter, wait for the next prompt; returns
    what the kernel sent from the echo of the line up to that prompt (without it)."""
    if isinstance(line, str):
        line = line.encode()
    m.mark()
    start = len(m.transcript)
    m.send(line + b"\r")
    end = m.expect(b"\r\n> ", timeout=timeout).start()
    return bytes(m.transcript[start:end + 2])


def output_of(m, line, timeout=10):
    """Run a command; returns its output: the lines after the echoed command line."""
    out = run(m, line, timeout)
    first, _, rest = out.partition(b"\r\n")
    return rest


# The slowest check (QEMU takes input a byte at a time: 20-50 s for 1 MiB) is registered
# first, so that it starts first and the others run beside it.
@check("random-flood")
def random_flood(step):
    """256 KiB of seeded random bytes, sent as fast as QEMU takes them, then Ctrl-C and help.
    The console survives anything and still answers; the seed is fixed, so a failure
    reproduces. Step 02 sends 1 MiB; here every echoed byte is also drawn and every line
    scrolls the screen, so a quarter of that keeps the check short and still feeds the
    terminal thousands of lines. (No line in seed 2's bytes happens to read 'reboot'.)"""
    data = random.Random(2).randbytes(1 << 18)
    piece = 1 << 16
    with console(step, timeout=300) as m:
        m.timeout = 60  # for each piece below: a console that stops reading fails in a minute
        for sent in range(0, len(data), piece):
            try:
                m.send(data[sent:sent + piece], chunk=16384)
            except (CheckFailed, OSError) as e:
                raise CheckFailed(f"the console stopped taking input: {sent} of {len(data)} "
                                  f"bytes went through, then the next {piece} did not within "
                                  f"{m.timeout} s ({e})")
        m.mark()
        m.send(CTRL_C + b"help\r")
        m.expect(re.compile(rb"\^C\r\n> help\r\n  help .*reboot.*\r\n> ", re.S), timeout=120)
        expect_true(m.proc.poll() is None, "QEMU exited during the flood")


@check("banner")
def banner(step):
    """The banner names the step, EL2, core 0, the timer and the kernel's extent, then what
    the firmware says about the board (QEMU's answers for raspi3b), then the prompt. It is
    the very first thing on the line: nothing before it."""
    start, end = step.sym("__kernel_start"), step.sym("__kernel_end")
    with step.boot(timeout=30) as m:
        m.expect(PROMPT, timeout=20)
        want = (b"03-framebuffer: the framebuffer, a font, and the console on screen\r\n"
                b"EL2 on core 0, timer 62500000 Hz, "
                + f"kernel 0x{start:08x}-0x{end:08x}\r\n".encode()
                + b"board:    revision 0xa02082 (type 0x08, 1024 MiB), serial 0x0000000000000000\r\n"
                b"firmware: revision 346337\r\n"
                b"memory:   ARM 960 MiB at 0x00000000, VideoCore 64 MiB at 0x3c000000\r\n"
                b"clocks:   ARM 700 MHz core 700 MHz EMMC 50 MHz UART 3 MHz\r\n"
                b"Type 'help' for the commands.\r\n> ")
        expect_eq(bytes(m.transcript), want, "the banner and first prompt, byte for byte")


@check("help")
def help_lists_commands(step):
    with console(step) as m:
        out = output_of(m, "help")
        for name in ("help", "info", "echo", "mem", "reboot", "fb", "clear", "color", "lines",
                     "bench", "mbox"):
            expect_true(re.search(rb"^  " + name.encode() + rb" ", out, re.M),
                        f"help lists '{name}' at the start of a line: got {out!r}")
        expect_true(b"Ctrl-U" in out and b"Ctrl-C" in out, f"help names the keys: {out!r}")


@check("info")
def info(step):
    start, end = step.sym("__kernel_start"), step.sym("__kernel_end")
    with console(step) as m:
        out = output_of(m, "info").decode()
        expect_true("step      03-framebuffer" in out, f"info names the step: {out!r}")
        expect_true("running   EL2 on core 0" in out, f"info: EL2 on core 0: {out!r}")
        expect_true(re.search(r"timer     62500000 Hz, \d+ ms since power-on", out),
                    f"info: QEMU's 62.5 MHz timer and the uptime: {out!r}")
        want = f"kernel    0x{start:08x}-0x{end:08x}, {end - start} bytes"
        expect_true(want in out, f"info: {want!r} (from the linker symbols): got {out!r}")
        expect_eq(output_of(m, "info now"), b"usage: info (it takes no arguments)\r\n",
                  "info with an argument")


@check("echo")
def echo(step):
    with console(step) as m:
        expect_eq(output_of(m, "echo hello,   world!"), b"hello,   world!\r\n", "echo output")
        expect_eq(output_of(m, "   echo    x"), b"x\r\n", "echo after leading spaces")
        expect_eq(output_of(m, "echo"), b"\r\n", "echo with no text")
        expect_eq(output_of(m, ""), b"", "an empty line")


@check("unknown-command")
def unknown_command(step):
    with console(step) as m:
        expect_eq(output_of(m, "xyz"), b"unknown command 'xyz' (try 'help')\r\n",
                  "an unknown command")
        expect_eq(output_of(m, "helpme"), b"unknown command 'helpme' (try 'help')\r\n",
                  "a command that starts like one")


@check("line-editing")
def line_editing(step):
    """DEL and BS take back a character, on the screen too; non-printable bytes and escape
    sequences (arrow keys) are ignored; CR LF is one Enter."""
    with console(step) as m:
        out = run(m, b"ab" + DEL + b"c")
        expect_eq(out, b"ab\b \bc\r\nunknown command 'ac' (try 'help')\r\n",
                  "'ab<DEL>c': the echo with its erase, then the command 'ac'")
        expect_eq(output_of(m, b"echo xy" + BS + BS + b"ok"), b"ok\r\n", "BS twice")
        expect_eq(output_of(m, DEL * 3 + b"echo ok"), b"ok\r\n", "DEL on an empty line")
        expect_eq(output_of(m, b"ec\x01ho\x07 h\x00i\x80\xff"), b"hi\r\n",
                  "non-printable bytes are ignored")
        expect_eq(output_of(m, ESC + b"[A" + b"echo " + ESC + b"[1;5Dz" + ESC + b"OB"),
                  b"z\r\n", "escape sequences (arrow keys) are ignored")
        m.mark()
        m.send(b"echo a\r\necho b\r\n")
        m.expect(b"echo a\r\na\r\n> echo b\r\nb\r\n> ")


@check("ctrl-u-and-ctrl-c")
def ctrl_u_and_ctrl_c(step):
    with console(step) as m:
        out = run(m, b"echo abc" + CTRL_U + b"echo cd")
        expect_eq(out, b"echo abc" + b"\b \b" * 8 + b"echo cd\r\ncd\r\n",
                  "Ctrl-U erases the whole line (on the screen too)")
        m.mark()
        start = len(m.transcript)
        m.send(b"echo abc" + CTRL_C)
        m.expect(b"echo abc^C\r\n> ")
        expect_eq(output_of(m, "echo ok"), b"ok\r\n", "the command after Ctrl-C")
        expect_true(b"abc\r\nabc" not in m.transcript[start:],
                    "the line abandoned with Ctrl-C must not run")


@check("long-lines")
def long_lines(step):
    """127 characters fit; the 128th is refused with the limit named, the rest of the line is
    ignored up to Enter, and the console carries on. Then a 10,000-byte line."""
    with console(step) as m:
        text = "".join(chr(ord("a") + i % 26) for i in range(LINE_MAX - 5))
        expect_eq(output_of(m, "echo " + text), (text + "\r\n").encode(),
                  f"a line of exactly {LINE_MAX} characters")
        for n in (LINE_MAX + 1, 10_000):
            out = run(m, b"x" * n, timeout=30)
            want = (b"x" * LINE_MAX + b"\r\nline too long: the limit is 127 characters; "
                    b"ignoring it up to Enter\r\n")
            expect_eq(out, want, f"a {n}-byte line: {LINE_MAX} echoed, then the refusal")
            expect_eq(output_of(m, "echo still here"), b"still here\r\n",
                      f"the console after a {n}-byte line")
        m.mark()
        m.send(b"y" * 500 + CTRL_C)
        m.expect(b"Enter\r\n^C\r\n> ")
        expect_eq(output_of(m, "echo ok"), b"ok\r\n", "after Ctrl-C on a long line")


@check("mem-dumps-ram")
def mem_dumps_ram(step):
    """The first 40 bytes of the kernel, as the image file has them; and the last byte of
    the RAM the console allows."""
    with open(step.img, "rb") as f:
        img = f.read(40)
    with console(step) as m:
        out = output_of(m, "mem 0x80000 40").decode()
        lines = out.splitlines()
        expect_eq(len(lines), 3, f"lines of 'mem 0x80000 40' ({out!r})")
        got = b""
        for i, line in enumerate(lines):
            addr, _, rest = line.partition(": ")
            expect_eq(int(addr, 16), 0x80000 + 16 * i, f"address of line {i}")
            got += bytes.fromhex(rest[:48])
            expect_true(rest.endswith("|"), f"the text column of line {i}: {line!r}")
        expect_eq(got, img, "bytes at 0x80000 against kernel8.img")
        out = output_of(m, f"mem {RAM_END - 1:#x} 1").decode()
        expect_true(out.startswith(f"{RAM_END - 1:08x}: "), f"the last RAM byte: {out!r}")
        expect_eq(output_of(m, "mem 524288 1")[:10], b"00080000: ", "a decimal address")


@check("mem-refuses-outside-ram")
def mem_refuses(step):
    """Anything not entirely below 0x3F000000 is refused, and never read: a gdb read
    watchpoint on the PM block's registers stops the machine if the kernel touches them."""
    refused = re.compile(rb"^mem: refused: \d+ bytes at 0x[0-9a-f]+ are not all in RAM\r\n"
                         rb"     \(RAM is 0x00000000-0x3effffff, below the peripherals: "
                         rb"the Pi 3's memory map\)\r\n\Z")
    with start(step, serial=True) as m:
        m.gdb.ok("Z3,3f100000,40")  # read watchpoint: 64 bytes of the PM block
        m.gdb.resume()
        m.expect(PROMPT, timeout=20)
        for cmd in ("mem 0x3f100000", "mem 0x3f100010 4", f"mem {RAM_END - 16:#x} 17",
                    "mem 0x40000000", "mem 0xffffffffffffffff 2", "mem 0x3fffffff 4096"):
            try:
                out = output_of(m, cmd, timeout=5)
            except CheckFailed:
                stop = m.gdb.stop_reply(timeout=5)  # why the machine stopped answering
                raise CheckFailed(f"'{cmd}' got no answer; gdb says {stop!r}"
                                  + (": the kernel READ the PM block" if "watch" in stop else ""))
            expect_true(refused.match(out), f"'{cmd}': expected the refusal, got {out!r}")
        for cmd, want in (("mem", b"usage: mem ADDR [LEN]"), ("mem 0x", b"usage"),
                          ("mem 0x80000 0", b"mem: LEN must be 1 to 4096"),
                          ("mem 0x80000 4097", b"mem: LEN must be 1 to 4096"),
                          ("mem 0x80000 1 2", b"usage"), ("mem 0x8000g", b"usage"),
                          ("mem 18446744073709551616", b"usage")):
            out = output_of(m, cmd)
            expect_true(out.startswith(want), f"'{cmd}': expected {want!r}..., got {out!r}")


@check("reboot-exits-qemu")
def reboot(step):
    """reboot goes through the PM watchdog; QEMU, started with -no-reboot, exits with 0."""
    with console(step) as m:
        m.send(b"reboot\r")
        m.expect(b"rebooting through the PM watchdog")
        try:
            status = m.wait_exit(timeout=20)
        except CheckFailed:
            raise CheckFailed("after 'reboot' QEMU kept running for 20 s: the watchdog did not "
                              f"reset the machine (the console said {m.tail(120)!r})")
        expect_eq(status, 0, "QEMU's exit status after reboot")
        expect_true(b"did not reset" not in m.transcript, "the watchdog fired")



# --------------------------------------------------------------------------------------------
# Host unit tests: each cmocka test of host/test_NAME.c is a check of its own.

HOST_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "host")
_host_lock = threading.Lock()
_host_runs = {}  # program -> {test: (passed, message)}, or a string: why nothing ran


def _run_host_program(step, prog):
    """Build build/NN/host/<prog> with the step's make rules and run it once. cmocka prints
    "[ RUN      ] t", the test's messages, then "[       OK ] t" or "[  FAILED  ] t"."""
    exe = os.path.join(step.build, "host", prog)
    r = subprocess.run(["make", "-s", "-C", step.src, exe], capture_output=True, text=True)
    if r.returncode:
        return f"building {prog} failed:\n" + (r.stdout + r.stderr)[-1500:]
    try:
        r = subprocess.run([exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=120)
    except subprocess.TimeoutExpired:
        return f"{prog} ran for more than 120 s"
    results, current, lines = {}, None, []
    for line in r.stdout.splitlines():
        m = re.match(r"\[ +(RUN|OK|FAILED) +\] (\w+)$", line)
        if m and m.group(1) == "RUN":
            current, lines = m.group(2), []
        elif m and m.group(2) == current:
            results[current] = (m.group(1) == "OK", "\n".join(lines[-8:]))
            current = None
        elif line.startswith("[=========="):
            if results:
                break  # the summary: every test has reported
        elif current:
            lines.append(line)
    if current:  # it died inside a test (a sanitizer report, a crash)
        results[current] = (False, "\n".join(lines[-8:]) +
                            f"\n{prog} died in this test (exit status {r.returncode})")
        results[None] = f"not run: {prog} died earlier, in {current}"
    return results


def host_check(prog, test):
    def run_test(step):
        with _host_lock:
            if prog not in _host_runs:
                _host_runs[prog] = _run_host_program(step, prog)
        results = _host_runs[prog]
        if isinstance(results, str):
            raise CheckFailed(results)
        if test not in results:
            raise CheckFailed(results.get(None, f"{prog} did not report {test}"))
        passed, message = results[test]
        expect_true(passed, f"{prog}: {test} failed:\n{message}")
    return run_test


for path in sorted(os.listdir(HOST_DIR)):
    if re.fullmatch(r"test_\w+\.c", path):
        prog = path[:-2]
        with open(os.path.join(HOST_DIR, path)) as f:
            for test in re.findall(r"cmocka_unit_test\((\w+)\)", f.read()):
                name = test.removeprefix("test_").replace("_", "-")
                check(f"host-{prog[5:]}-{name}")(host_check(prog, test))


# ------------------------------------------------------------------------------------------
# Step 03: the framebuffer, the font and the terminal on screen.
#
# The screen is read with QMP screendump. What it should show is computed here from the
# font file itself (parsed in Python, independently of font.c) and from the serial
# transcript (run through a small terminal model), so the checks compare two independent
# routes to the same pixels. The run is deterministic under -icount, so the golden image
# is exact; if a change to the picture is intended, the failing check says which file to
# copy over golden.png.

from png import read_png, write_png  # noqa: E402

PROMPT_TEXT = "> "                     # the prompt as the screen shows it
FONT_FILE = "Lat15-VGA16.psf"
GOLDEN = "golden.png"
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


def read_text(screen, f, fg=FG, bg=BG):
    """The screen as lines of text: every cell is matched against every glyph, on the rows
    above the cursor (so the cursor's cell reads too). A cell that is no glyph in fg on bg
    reads as '\\0'."""
    shapes = {}
    for code in range(0x20, 0x7F):
        shapes.setdefault(tuple(map(tuple, f.glyph(chr(code))[:-CURSOR_ROWS])), chr(code))
    lines = []
    for row in range(screen.h // f.h):
        line = ""
        for col in range(screen.w // f.w):
            cell = screen.cell(f, col, row)[:-CURSOR_ROWS]
            colours = {p for r in cell for p in r}
            bits = tuple(tuple(int(p == fg) for p in r) for r in cell)
            line += shapes.get(bits, "\0") if colours <= {fg, bg} else "\0"
        lines.append(line)
    return lines


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


# The prompt at the start of a line, perhaps after escape sequences (`color`, `clear`).
NEXT_PROMPT = re.compile(rb"\r\n(?:\x1b\[[0-9;]*[A-Za-z])*" + re.escape(PROMPT))


def command(m, line):
    """Type a command and wait for the next prompt; returns what came in between (the
    echoed line and the command's output)."""
    m.mark()
    start = len(m.transcript)
    m.send(line + "\r")
    end = m.expect(NEXT_PROMPT, timeout=20).start()
    return m.transcript[start:end].decode(errors="replace")


@check("fb-command")
def fb_command(step):
    with console(step) as m:
        out = command(m, "fb")
        for want in ("fb: 640x480, 32 bits per pixel, pitch 2560 bytes",
                     "fb: 1228800 bytes at 0x3c100000 (bus address 0x3c100000)",
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
    against golden.png (deterministic: QEMU runs under -icount)."""
    with console(step) as m:
        command(m, "clear")
        command(m, "echo " + "".join(chr(c) for c in range(0x21, 0x7F)))
        for fg, bg in ((1, 0), (2, 0), (3, 4), (6, 5), (0, 7)):
            command(m, f"color {fg} {bg}")
            command(m, f"echo colour {fg} on {bg}")
        command(m, "color 7 0")
        command(m, "fb")
        w, h, rgb = m.screendump()
    actual = os.path.join(step.build, "golden-actual.png")
    write_png(actual, w, h, rgb)
    gw, gh, grgb = read_png(os.path.join(step.src, GOLDEN))
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
        text = read_text(grab(m, step, "scroll"), f)
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
        m.expect(b"abc\r\n" + PROMPT)
        screen = read_text(grab(m, step, "agree"), f)
        model = terminal_model(bytes(m.transcript))
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
        expect_true("fb: 640x480, 32 bits per pixel, pitch 2560 bytes" in out,
                    f"'fb' after the refusal: {out!r}")
        text = read_text(grab(m, step, "refused"), f)
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
        m.gdb.write_mem(step.sym("mbox_call"), patch)
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


# --------------------------------------------------------------------------------------------
# The closing figures

def figures(step):
    """Image size and what drawing costs (`bench`, instructions under -icount)."""
    import harness
    with console(step) as m:
        out = command(m, "bench")
    print(f"{step.name}: kernel8.img is {os.path.getsize(step.img)} bytes")
    print(f"{step.name}: {len(harness.registered())} checks in test.py, plus the build")
    print(f"{step.name}: {out.splitlines()[-1].strip()} (PMU cycle counter under -icount: "
          f"instructions)")


if __name__ == "__main__":
    import harness
    figures(harness.Step(os.path.basename(os.path.dirname(os.path.abspath(__file__)))))
