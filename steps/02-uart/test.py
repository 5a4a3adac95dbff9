"""Step 02 checks: the mini UART, kprintf and the console. Step 01's boot checks are inherited.

The console checks talk to the mini UART through the harness's socket (common/test/console.py
waits for the prompt before typing: input that arrives before uart_init is thrown away). Each
check boots its own QEMU, so no check depends on what another typed. Every later step inherits
these checks; the facts below are what they assume of a step.
"""
import difflib
import os
import random
import re

import boot
import hostunit
from console import BS, CTRL_C, CTRL_U, DEL, ESC, console, output_of, run
from harness import (LONG, PROMPT, CheckFailed, check, check_each, exercise_skip, expect_eq,
                     expect_true, extends, facts, retire)

extends("01-boot")
facts(
    title="the mini UART, kprintf and a console",  # the banner's first line, after "NN-name: "
    banner_board="",              # the lines between the kernel line and "Type 'help'" (03 on)
    commands=("help", "info", "echo", "mem", "reboot"),   # what `help` must list
    info_lines=(),                # regexes `info` must match besides the step, EL, timer, kernel
    flood_long=1 << 20,           # bytes of random-flood under `make test-long`
    init_lines=(),                # what a first user program prints before the prompt (07 on)
    ready_symbol="console_run",   # reached once the kernel's boot is over (10: sched_start)
    line_max=("console.c", "CONSOLE_LINE_MAX"),   # (file, define): the console's line limit
)

PM_BLOCK = 0x3F100000             # the PM (watchdog) registers: `mem` must never read them


@check("cores-1-3-parked", override="step 01's heartbeat is gone; the console drives the kernel")
def cores_parked(step):
    """Cores 1-3 are released at 0x80000 but must end in park, and none may reach C. The
    kernel is driven through the console (each command it answers proves it ran); after each
    answer every core is stopped and looked at. A core may still be in QEMU's firmware stub or
    on its way through boot.S, so this repeats until all three are parked. Cores 1-3 never
    turn their MMU on: they run boot.S at its physical address."""
    park, park_end = step.pa(step.sym("park")), step.pa(step.sym("park_end"))
    main = step.sym("kernel_main")
    with boot.start(step, serial=True) as m:
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
            where = boot.pcs(m)
            for core, pc in where.items():
                expect_true(pc != main, f"core {core} reached kernel_main")
                expect_true(pc < 0x1000 or step.pa(step.sym("_start")) <= pc < park_end,
                            f"core {core} is outside boot.S and park: PC {pc:#x}")
            if all(park <= pc < park_end for pc in where.values()):
                return
            m.gdb.resume()
            m.send(f"echo round {i}\r")
            answer = f"\nround {i}\r\n> "
        raise CheckFailed(f"cores not parked after 50 console commands: PCs {where} "
                          f"(park is [{park:#x}, {park_end:#x}))")


retire("boot-record", "step 01's boot record and heartbeat are gone; the console proves C runs")


@check("random-flood", cost=3, stress=True)
def random_flood(step):
    """Seeded random bytes, sent as fast as QEMU takes them, then Ctrl-C and help: whatever
    arrives, the console survives it and still answers. 16 KiB (some sixty random lines, lines
    too long, every byte value dozens of times, stray escape sequences) by default; `make
    test-long` sends the step's `flood_long` (1 MiB here). The seed is fixed, so a failure reproduces. From
    step 05 the kernel takes input into a 4 KiB ring that drops what does not fit (by design,
    and counted), so the Ctrl-C and help are sent again until the console, through with its
    backlog, answers. (No line in seed 2's bytes reads 'reboot' or starts with 'fault'.)"""
    size = step.facts.flood_long if LONG else 1 << 14
    data = random.Random(2).randbytes(size)
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
        m.timeout = 300
        for attempt in range(60):         # up to two minutes, trying every two seconds
            m.mark()
            m.send(CTRL_C + b"help\r")
            try:
                m.expect(re.compile(rb"\^C\r\n> help\r\n  help .*reboot.*\r\n> ", re.S),
                         timeout=2)
                break
            except CheckFailed:
                if attempt == 59:
                    raise
        expect_true(m.proc.poll() is None, "QEMU exited during the flood")


@check("banner")
def banner(step):
    """The banner names the step, the exception level, core 0, the timer and the kernel's
    extent, then (from step 03) what the firmware says about the board, then (from step 07)
    the first user program's lines, then the prompt. It is the very first thing on the line:
    nothing before it."""
    start, end = step.sym("__kernel_start"), step.sym("__kernel_end")
    el = boot.C_MODES[step.facts.c_mode][0]
    with step.boot(timeout=30) as m:
        m.expect(PROMPT, timeout=20)
        head = (f"{step.name}: {step.facts.title}\r\n"
                f"EL{el} on core 0, timer 62500000 Hz, kernel 0x{start:08x}-0x{end:08x}\r\n"
                + step.facts.banner_board.replace("\n", "\r\n")
                + "Type 'help' for the commands.\r\n").encode()
        got = bytes(m.transcript)
    expect_eq(got[:len(head)], head, "the banner, byte for byte")
    # From step 07 the first user program prints before the first prompt: the fact
    # init_lines holds a regex for each of its lines.
    rest = got[len(head):].decode(errors="replace")
    want = "".join(line + r"\r\n" for line in step.facts.init_lines) + "> "
    expect_true(re.fullmatch(want, rest), f"after the banner: {rest!r}, want /{want}/")


@check("help")
def help_lists_commands(step):
    """help lists every command the step has (the fact `commands`) and names the keys."""
    with console(step) as m:
        out = output_of(m, "help")
        for name in step.facts.commands:
            expect_true(re.search(rb"^  " + name.encode() + rb" ", out, re.M),
                        f"help lists '{name}' at the start of a line: got {out!r}")
        expect_true(b"Ctrl-U" in out and b"Ctrl-C" in out, f"help names the keys: {out!r}")


@check("info")
def info(step):
    start, end = step.sym("__kernel_start"), step.sym("__kernel_end")
    el = boot.C_MODES[step.facts.c_mode][0]
    with console(step) as m:
        out = output_of(m, "info").decode()
        expect_true(f"step      {step.name}" in out, f"info names the step: {out!r}")
        expect_true(f"running   EL{el} on core 0" in out, f"info: EL{el} on core 0: {out!r}")
        expect_true(re.search(r"timer     62500000 Hz, \d+ ms since power-on", out),
                    f"info: QEMU's 62.5 MHz timer and the uptime: {out!r}")
        want = f"kernel    0x{start:08x}-0x{end:08x}, {end - start} bytes"
        expect_true(want in out, f"info: {want!r} (from the linker symbols): got {out!r}")
        for rx in step.facts.info_lines:
            expect_true(re.search(rx, out), f"info: /{rx}/: {out!r}")
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
    line_max = step.define(*step.facts.line_max)
    with console(step) as m:
        text = "".join(chr(ord("a") + i % 26) for i in range(line_max - 5))
        expect_eq(output_of(m, "echo " + text), (text + "\r\n").encode(),
                  f"a line of exactly {line_max} characters")
        for n in (line_max + 1, 10_000):
            out = run(m, b"x" * n, timeout=30)
            want = (b"x" * line_max + b"\r\nline too long: the limit is %d characters; "
                    b"ignoring it up to Enter\r\n" % line_max)
            expect_eq(out, want, f"a {n}-byte line: {line_max} echoed, then the refusal")
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
    ram_end = step.define("console.c", "RAM_END")
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
        out = output_of(m, f"mem {ram_end - 1:#x} 1").decode()
        expect_true(out.startswith(f"{ram_end - 1:08x}: "), f"the last RAM byte: {out!r}")
        expect_eq(output_of(m, "mem 524288 1")[:10], b"00080000: ", "a decimal address")


@check("mem-refuses-outside-ram")
def mem_refuses(step):
    """Anything not entirely below 0x3F000000 is refused, and never read: a gdb read
    watchpoint on the PM block's registers stops the machine if the kernel touches them."""
    refused = re.compile(rb"^mem: refused: \d+ bytes at 0x[0-9a-f]+ are not all in RAM\r\n"
                         rb"     \(RAM is 0x00000000-0x3effffff, below the peripherals: "
                         rb"the Pi 3's memory map\)\r\n\Z")
    ram_end = step.define("console.c", "RAM_END")
    with boot.start(step, serial=True) as m:
        # From step 04 the kernel would read the PM block through its linear map: watch there.
        m.gdb.ok(f"Z3,{step.kbase + PM_BLOCK:x},40")  # read watchpoint: 64 bytes of the PM block
        m.gdb.resume()
        m.expect(PROMPT, timeout=20)
        for cmd in ("mem 0x3f100000", "mem 0x3f100010 4", f"mem {ram_end - 16:#x} 17",
                    "mem 0x40000000", "mem 0xffffffffffffffff 2", "mem 0x3fffffff 4096"):
            try:
                out = output_of(m, cmd, timeout=20)
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
        diff = "\n".join(difflib.unified_diff(session.rstrip().splitlines(),
                                               got.rstrip().splitlines(), "chapter", "kernel",
                                               lineterm="", n=1))
        raise CheckFailed(f"the chapter's session differs from the kernel's:\n{diff}")


# Host unit tests: each cmocka test of host/test_NAME.c is a check of its own (common/test/hostunit.py).
check_each(hostunit.checks)


@check("first-byte-within-budget")
def first_byte_budget(step):
    """The banner's first byte comes first, within 20,000 instructions of reset."""
    n, byte, _ = boot.first_byte(step, limit=20_000)
    expect_eq(byte, b"0", "the first byte (the banner's)")


# ---- The exercises of this step (workshop mode: `make exercise STEP=02`) ----------------------
# QEMU connects the mini UART to the terminal whatever GPFSEL1 and AUX_MU_BAUD hold: its pins
# are not multiplexed and it has no baud clock. So the banner and the console work with the
# exercises' stand-ins in place, and the checks below read the registers instead: what a real
# Pi needs before a single byte reaches the header's pins.

exercise_skip("chapter-session",
              "the chapter's session shows the kernel's size, which the reader's code changes")

GPFSEL1 = 0x3F200004              # BCM2835 ARM Peripherals §6.1: the function of GPIO 10-19


@check("uart-pins-alt5", exercises=("gpio_fsel",))
def uart_pins_alt5(step):
    """At the first prompt GPIO 14 and 15 are in alternate function 5 (010: TXD1 and RXD1,
    §6.2), and the other eight pins of GPFSEL1 are still inputs (000), as after reset: read
    through the monitor, since QEMU keeps what the kernel wrote."""
    with console(step) as m:
        word = int(m.hmp(f"xp /1wx {GPFSEL1:#x}").split(":")[1].split()[0], 16)
    fields = {pin: (word >> (3 * (pin - 10))) & 7 for pin in range(10, 20)}
    expect_eq((fields[14], fields[15]), (2, 2),
              f"GPIO 14 and 15's functions in GPFSEL1 ({word:#010x}); ALT5 is 2")
    expect_eq({p: f for p, f in fields.items() if p not in (14, 15) and f}, {},
              f"the other pins of GPFSEL1 ({word:#010x}) changed from input")


@check("uart-baud-divisor", exercises=("uart_baud",))
def uart_baud_divisor(step):
    """The divisor uart_init writes to AUX_MU_BAUD gives 115200 baud from the 250 MHz core
    clock (§2.2.1: 250 000 000 / (8 × 271), so 270). QEMU ignores the register (it reads 0),
    so a write watchpoint records every store to it until the boot is over (console_run)."""
    from boot import start as boot_start
    from devices import AUX_MU_BAUD, baud_divisor, stopped_store
    want = [baud_divisor(250_000_000, 115200)]
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
