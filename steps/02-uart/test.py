"""Step 02 checks: the mini UART, kprintf, the console; plus step 01's boot checks.

The console checks talk to the mini UART through the harness's socket. They always wait for
the prompt before typing: input that arrives before uart_init is thrown away. Each check
boots its own QEMU, so no check depends on what another typed.

Run as a program, this file prints the step's closing figures (`python3 steps/02-uart/test.py`).
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
    """1 MiB of seeded random bytes, sent as fast as QEMU takes them, then Ctrl-C and help.
    QEMU loses nothing here (it reads the socket only when the receive FIFO has room), but the
    check relies only on what a real serial line guarantees too: whatever arrives, the console
    survives it and answers. The seed is fixed, so a failure reproduces. (No line in seed 2's
    bytes happens to read 'reboot'.)"""
    data = random.Random(2).randbytes(1 << 20)
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
    """The banner names the step, EL2, core 0, the timer and the kernel's extent, then the
    prompt. It is the very first thing on the line: nothing before it."""
    start, end = step.sym("__kernel_start"), step.sym("__kernel_end")
    with step.boot(timeout=30) as m:
        m.expect(PROMPT, timeout=20)
        want = (b"02-uart: the mini UART, kprintf and a console\r\n"
                b"EL2 on core 0, timer 62500000 Hz, "
                + f"kernel 0x{start:08x}-0x{end:08x}\r\n".encode()
                + b"Type 'help' for the commands.\r\n> ")
        expect_eq(bytes(m.transcript), want, "the banner and first prompt, byte for byte")


@check("help")
def help_lists_commands(step):
    with console(step) as m:
        out = output_of(m, "help")
        for name in ("help", "info", "echo", "mem", "reboot"):
            expect_true(re.search(rb"^  " + name.encode() + rb" ", out, re.M),
                        f"help lists '{name}' at the start of a line: got {out!r}")
        expect_true(b"Ctrl-U" in out and b"Ctrl-C" in out, f"help names the keys: {out!r}")


@check("info")
def info(step):
    start, end = step.sym("__kernel_start"), step.sym("__kernel_end")
    with console(step) as m:
        out = output_of(m, "info").decode()
        expect_true("step      02-uart" in out, f"info names the step: {out!r}")
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


@check("chapter-session")
def chapter_session(step):
    """The session printed at the start of chapters/02-uart.md is what the kernel really says:
    its commands are typed again and the whole transcript must match, byte for byte."""
    chapter = os.path.join(step.src, "..", "..", "chapters", step.name + ".md")
    if not os.path.exists(chapter):
        raise CheckFailed(f"{os.path.normpath(chapter)} does not exist")
    with open(chapter) as f:
        m = re.search(r"```text\n(.*?)```", f.read(), re.S)
    expect_true(m, "the chapter has no ```text block with a session")
    session = m.group(1)
    commands = [line[2:] for line in session.splitlines() if line.startswith("> ")]
    with console(step) as q:
        for cmd in commands:
            q.send(cmd + "\r")
            if cmd == "reboot":
                q.wait_exit(timeout=20)
            else:
                q.expect(b"\r\n> ")
        got = q.transcript.decode(errors="replace").replace("\r\n", "\n")
    if got.rstrip() != session.rstrip():
        import difflib
        diff = "\n".join(difflib.unified_diff(session.rstrip().splitlines(),
                                               got.rstrip().splitlines(), "chapter", "kernel",
                                               lineterm="", n=1))
        raise CheckFailed(f"the chapter's session differs from the kernel's:\n{diff}")


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


# --------------------------------------------------------------------------------------------
# How long until the first byte

def first_byte(step, profile=False, limit=200_000):
    """Single-step core 0 from the reset vector (QEMU's firmware stub at 0) until the first
    byte appears on the mini UART; returns (instructions, byte, {function: instructions}).
    The other cores are held, so the count is core 0's alone and the same on every run."""
    syms = sorted((a, n) for n, a in step.symbols.items() if a >= 0x80000)
    counts = {}
    with step.boot(paused=True, timeout=120) as m:
        n = 0
        while not m.transcript:
            if n >= limit:
                raise CheckFailed(f"no byte on the mini UART after {limit} instructions")
            if profile:
                pc = m.gdb.reg(1, m.gdb.PC)
                name = "firmware stub" if pc < 0x80000 else next(
                    (nm for a, nm in reversed(syms) if a <= pc), "?")
                counts[name] = counts.get(name, 0) + 1
            m.gdb.step(1)
            n += 1
            m.poll()
        return n, m.transcript[:1], counts


@check("first-byte-within-budget")
def first_byte_budget(step):
    """The banner's first byte comes first, within 20,000 instructions of reset."""
    n, byte, _ = first_byte(step, limit=20_000)
    expect_eq(byte, b"0", "the first byte (the banner's)")


def figures(step, svg=None):
    """The closing figures of the chapter: image size, checks, instructions to the first byte.
    Printed; with `svg`, also drawn as the chapter's figure."""
    import harness
    img = os.path.getsize(step.img)
    n, byte, counts = first_byte(step, profile=True)
    checks = len(harness.registered())  # run as a program, only this file's checks are there
    lines = [f"kernel8.img: {img} bytes",
             f"checks: {checks} in test.py, plus the build",
             f"instructions on core 0 from reset to the first banner byte ({chr(byte[0])!r}): {n}"]
    rows = sorted(counts.items(), key=lambda kv: -kv[1])
    print(f"{step.name}: " + f"\n{step.name}: ".join(lines))
    for name, c in rows:
        print(f"  {c:7d}  {name}")
    if svg:
        with open(svg, "w") as f:
            f.write(numbers_svg(lines, rows, n))


def numbers_svg(lines, rows, total):
    """A bar chart in plain SVG: the summary lines, then one bar per function."""
    from xml.sax.saxutils import escape
    w, row, left, bar_w = 660, 20, 170, 400
    h = 20 + row * (len(lines) + 1) + row * len(rows) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-family="monospace" font-size="13">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    y = 24
    for line in lines:
        out.append(f'<text x="10" y="{y}">{escape(line)}</text>')
        y += row
    y += row // 2
    for name, c in rows:
        bw = max(1, round(bar_w * c / total))
        out.append(f'<text x="{left - 8}" y="{y}" text-anchor="end">{escape(name)}</text>')
        out.append(f'<rect x="{left}" y="{y - 12}" width="{bw}" height="14" fill="#4a7ab5"/>')
        out.append(f'<text x="{left + bw + 6}" y="{y}">{c}</text>')
        y += row
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import argparse
    import harness
    ap = argparse.ArgumentParser(description="Print the step's closing figures.")
    ap.add_argument("--svg", help="also draw them into this SVG file")
    args = ap.parse_args()
    figures(harness.Step(os.path.basename(os.path.dirname(os.path.abspath(__file__)))), args.svg)
