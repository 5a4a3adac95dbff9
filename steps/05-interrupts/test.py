"""Step 05 checks: the tick (exact under -icount, through `uptime` and through the monitor),
input by interrupt (nothing lost while ticks stream in; a 64 KiB burst overflows the ring
buffer by exactly what it should), an interrupt nobody handles (reported once, masked), the
idle loop (wfi), the clock on the screen, and `make bench` (two runs, the same figures).
Steps 01-04's checks are inherited; the clock in the screen's top right corner is a fact
(clock_cells) that the screen checks blank.

Under -icount shift=0,sleep=off the guest's clock runs on instructions, and when every core
sleeps in wfi QEMU jumps it to the next timer deadline at once: an idle guest lives through
thousands of ticks in a second of the host's time. The tick checks use that; the counts they
compare are exact.
"""
import os
import random
import re
import sys
import time

from boot import function_at, start
from console import CTRL_C, command, console, output_of
from ticks import (CNTFRQ, IC_ENABLE_1, SYSTIMER_CLO, SYSTIMER_CS, WFI, rx_counts, tick_hz,
                   uptime)
from harness import (PROMPT, TOP, CheckFailed, check, exercise, expect_eq, expect_true, extends,
                     facts)
from screen import BG, FG, font, grab, read_text

sys.path.insert(0, os.path.join(TOP, "common"))
import bench as bench_harness  # noqa: E402  (common/bench.py: make bench)

parent = extends("04-mmu")
facts(
    title="interrupts, a tick, and sleep while idle",
    commands=parent.commands + ("uptime", "irq", "hold"),
    info_lines=parent.info_lines + (r"tick      \d+ Hz, \d+ ticks so far",
                                    r"uart rx   \d+ bytes received, 0 dropped \(buffer full\), "
                                    r"0 FIFO overruns"),
    clock_cells=12,               # the clock's text at the right of line 0 (console.c)
)

@check("tick-count-exact", warp=True)
def tick_exact(step):
    """Let the idle guest live through thousands of ticks, then ask `uptime`: the tick count
    is exactly the counter's time since the start divided by the period, to the tick. A tick
    lost, counted twice, or a deadline set from "now" (which drifts by the handler's latency
    every tick) would show."""
    with console(step) as m:
        seen = []
        for _ in range(3):
            time.sleep(0.1)             # about 2,000 ticks of 10 ms: the idle guest warps
            ticks, counter, period = uptime(step, m)
            expect_eq(ticks, counter // period, f"ticks against counter {counter} / {period}")
            seen.append(ticks)
        expect_true(seen[-1] > 1000, f"only {seen[-1]} ticks after three tenths of a second "
                                     f"of idling (the idle loop should let QEMU's clock run ahead)")


@check("uptime-advances")
def uptime_advances(step):
    """Two `uptime`s a moment apart: the second is later, in ticks and on the counter."""
    with console(step) as m:
        t1, c1, _ = uptime(step, m)
        time.sleep(0.2)
        t2, c2, _ = uptime(step, m)
    expect_true(t2 > t1 and c2 > c1, f"uptime did not advance: ticks {t1} -> {t2}, "
                                     f"counter {c1} -> {c2}")


@check("tick-count-through-the-monitor", warp=True)
def tick_monitor(step):
    """With the machine stopped (QMP stop), the tick count in guest memory (timer_tick, read
    with the monitor): the next deadline is exactly a whole number of periods after the
    start, and the count agrees with QEMU's own clock, read from another device: the BCM2835
    system timer, 1 MHz, on the same virtual clock. The system timer's microseconds give the
    counter only to 62.5 counter ticks, and the monitor may read the clock a few hundred
    instructions behind the core, so the count may be one short when a deadline is that
    close: within one, ten times over, after thousands of ticks. A sample taken while
    core 0 is inside timer_irq (half-way through a tick) is discarded."""
    fields = ("ticks", "period", "start", "deadline")
    addrs = [step.pa(a) for a in step.addresses(*(f"timer_tick.{f}" for f in fields))]
    period_want = CNTFRQ // tick_hz(step)
    handler = step.sym("timer_irq")
    handler_end = min(a for a in step.symbols.values() if a > handler)
    with console(step) as m:
        i = attempts = 0
        while i < 10:
            attempts += 1
            expect_true(attempts <= 40, "the machine stopped inside timer_irq 30 times")
            time.sleep(0.05)
            m.qmp.command("stop")
            us = int.from_bytes(m.read_phys(SYSTIMER_CLO, 8), "little")
            ticks, period, start, deadline = (m.read_u64(a) for a in addrs)
            pc = int(re.search(r"PC=([0-9a-f]+)", m.hmp("info registers")).group(1), 16)
            m.qmp.command("cont")
            # Idle time is skipped under icount, so much of what core 0 executes is the tick
            # handler itself: a stop between its update of the deadline and of the count
            # shows a half-done tick. Such a sample says nothing; take another.
            if handler <= pc < handler_end:
                continue
            expect_eq(period, period_want, "timer_tick.period in guest memory")
            expect_eq(deadline, start + (ticks + 1) * period,
                      f"sample {i}: the next deadline, against start + (ticks + 1) * period "
                      f"(deadlines must move by whole periods from the start)")
            counter = us * CNTFRQ // 1_000_000 - start
            expect_true(counter // period - 1 <= ticks <= counter // period + 1,
                        f"sample {i}: {ticks} ticks in memory, but the system timer says "
                        f"{us} us = {counter} counter ticks since the start = "
                        f"{counter / period:.3f} periods")
            i += 1
        expect_true(ticks > 1000, f"only {ticks} ticks after a second of idling")


@check("typing-during-ticks-loses-nothing")
def typing_during_ticks(step):
    """4 KiB of commands typed at once while the tick keeps interrupting: every line comes
    back, echoed and answered, in order, and nothing was dropped. (The commands scroll the
    screen about 130 times, some 100 million instructions: ten ticks or so arrive while the
    console works through them.)"""
    rnd = random.Random(5)
    lines = []
    while sum(len(x) + 6 for x in lines) < 4096:
        lines.append("".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789 ,.-")
                             for _ in range(rnd.randint(10, 58))).strip() or "x")
    data = "".join(f"echo {x}\r" for x in lines).encode()
    with console(step) as m:
        t1, _, _ = uptime(step, m)
        m.mark()
        start = len(m.transcript)
        m.send(data)
        last = f"echo {lines[-1]}\r\n{lines[-1]}\r\n> ".encode()
        end = m.expect(last, timeout=120).end()
        got = bytes(m.transcript[start:end])
        t2, _, _ = uptime(step, m)
        received, dropped, overruns = rx_counts(m)
    want = b"".join(f"echo {x}\r\n{x}\r\n> ".encode() for x in lines)
    expect_true(len(data) >= 4096, f"only {len(data)} bytes typed")
    if got != want:
        i = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
        raise CheckFailed(f"the console's answer differs from what was typed at byte {i}: "
                          f"got {got[i - 40:i + 40]!r}, want {want[i - 40:i + 40]!r}")
    expect_eq((dropped, overruns), (0, 0), "bytes dropped, FIFO overruns")
    expect_true(t2 > t1, f"no tick while the console worked ({t1} -> {t2})")


@check("ring-overflow-16k")
def ring_overflow(step):
    """`hold 16384` stops the console from reading until 16 KiB more have arrived; a 16 KiB
    burst of commands then overflows the 4 KiB ring buffer (four times its size: a bigger
    burst shows nothing more, and QEMU hands the guest its bytes one at a time, about 25 us
    of CPU each). QEMU's mini UART never loses a
    byte itself (its 8-byte FIFO is full, QEMU holds the rest back), so every byte sent
    reaches the interrupt handler: the kernel's received count grows by exactly what was
    sent, the ring keeps the oldest 4096 bytes and drops exactly the other 12288, with no
    FIFO overrun. The console then runs exactly the commands of the first 4096 bytes (372
    whole ones and the start of the next), and still answers."""
    ring_size = step.define("ring.h", "RING_SIZE")
    burst = b"".join(b"echo %05d\r" % i for i in range(1500))[:16384]
    with console(step, timeout=180) as m:
        r0, d0, o0 = rx_counts(m)
        hold = b"hold 16384\r"
        m.send(hold)
        m.expect(b"hold: reading nothing until 16384 more bytes have arrived\r\n")
        m.mark()
        start = len(m.transcript)
        m.send(burst, chunk=len(burst))
        m.expect(b"hold: done", timeout=120)
        kept = ring_size // 11                 # whole "echo NNNNN\r" lines in the ring
        m.expect(b"echo %05d\r\n%05d\r\n> echo" % (kept - 1, kept - 1), timeout=60)
        m.send(CTRL_C)
        m.expect(b"^C\r\n> ")
        after = bytes(m.transcript[start:])
        r1, d1, o1 = rx_counts(m)
        expect_eq(output_of(m, "echo still here"), b"still here\r\n", "the console afterwards")
    info = b"info\r"
    expect_eq(r1 - r0, len(hold) + len(burst) + len(CTRL_C) + len(info),
              "bytes received since the first info (hold, the burst, Ctrl-C, info)")
    expect_eq(d1 - d0, len(burst) - ring_size, "bytes dropped by the full ring")
    expect_eq(o1 - o0, 0, "FIFO overruns (QEMU holds input back instead)")
    ran = [int(x) for x in re.findall(rb"\r\n(\d{5})\r\n> ", after)]
    expect_eq(ran, list(range(kept)), "the commands that ran after the hold (numbers echoed)")


@check("unhandled-irq-reported-once")
def unhandled_irq(step):
    """`irq test` makes the BCM2835 system timer raise irq 35 with no handler. The kernel
    says so once, masks it, and goes on: the source is still asserted (its match bit set,
    read through the monitor), but its enable bit is clear, and the console answers."""
    report = b"irq: interrupt 35 has no handler: masked (reported once)"
    with console(step) as m:
        out = command(m, "irq test")
        expect_true("fires in 1000 us, as irq 35, with no handler" in out, f"irq test: {out!r}")
        m.expect(report + b"\r\n> ", timeout=20)   # the report, then the prompt again
        for i in range(5):
            expect_eq(output_of(m, f"echo alive {i}"), f"alive {i}\r\n".encode(),
                      "the console after the report")
        out = command(m, "irq")
        cs = int.from_bytes(m.read_phys(SYSTIMER_CS, 4), "little")
        enable1 = int.from_bytes(m.read_phys(IC_ENABLE_1, 4), "little")
        count = m.transcript.count(report)
    expect_eq(count, 1, "reports of irq 35")
    expect_true(re.search(r"irq 35: 1\r\n", out), f"irq 35 taken once: {out!r}")
    expect_true(cs >> 3 & 1, f"system timer match 3 is not set (CS = {cs:#x}): the test did "
                             f"not raise the interrupt")
    expect_eq(enable1 >> 3 & 1, 0, f"bank 1 bit 3 enabled (Enable IRQs 1 = {enable1:#x})")
    expect_true(enable1 >> 29 & 1, f"the mini UART (bank 1 bit 29) is no longer enabled "
                                   f"(Enable IRQs 1 = {enable1:#x})")


@check("idle-sleeps-in-wfi")
def idle_wfi(step):
    """Stopped at random moments while the console waits for input, core 0 is nearly always
    just after the wfi of console_getc (inlined into console_run): it sleeps, it does not
    poll."""
    with start(step, serial=True) as m:
        m.gdb.resume()
        m.expect(PROMPT, timeout=20)
        at, where = 0, []
        for _ in range(20):
            time.sleep(0.05)
            m.gdb.interrupt()
            pc = m.gdb.reg(1, m.gdb.PC)
            insn = int.from_bytes(m.gdb.read_mem(pc - 4, 4), "little")
            fn = function_at(step, pc)
            where.append(fn)
            at += insn == WFI and fn in ("console_getc", "console_run")
            m.gdb.resume()
    expect_true(at >= 15, f"core 0 was just after console_getc's wfi in {at} of 20 samples: "
                          f"{where}")


@check("clock-on-screen", warp=True)
def clock_on_screen(step):
    """The top right corner shows the time since the tick started as h:mm:ss, in reversed
    colours, and it moves on."""
    f = font(step)
    with console(step) as m:
        shown = []
        for name in ("clock-1", "clock-2"):
            time.sleep(0.1)             # some 20 s of guest time: the idle guest warps
            t, _, _ = uptime(step, m)
            line = read_text(step, grab(m, step, name), f, fg=BG, bg=FG, clock=True)[0]
            found = re.search(r"(\d+):(\d\d):(\d\d)\0*$", line.replace(" ", "\0"))
            expect_true(found, f"no h:mm:ss at the end of line 0: {line!r}")
            h, mi, s = map(int, found.groups())
            shown.append(h * 3600 + mi * 60 + s)
        expect_true(shown[1] > shown[0], f"the clock did not move: {shown}")


@check("bench-table-stable")
def bench_stable(step):
    """`make bench`'s harness (common/bench.py) twice, two boots: the same figures, none 0."""
    first = bench_harness.measure(step.name)
    second = bench_harness.measure(step.name)
    expect_eq(second, first, "the bench figures of two runs")
    expect_true(all(v > 0 for _, v, _, _ in first), f"a figure is 0: {first}")


@check("bench-figures", override="bench prints the harness's format (common/bench.py) from step 05 on")
def bench(step):
    """`bench` prints its figures in the harness's format, each one a PMU cycle count
    (instructions under -icount): the step-03 drawing figures are still there and still in
    range (a guard against a drawing loop ten times slower), and the new ones are not 0."""
    with console(step) as m:
        out = command(m, "bench")
    rows = {k: v for k, v, _, _ in bench_harness.parse(step.name, out.replace("\r", ""))}
    expect_eq(sorted(rows), sorted(["boot", "irq", "svc", "char", "glyph", "scroll"]),
              f"the figures of bench ({out!r})")
    char, glyph, scroll = rows["char"], rows["glyph"], rows["scroll"]
    expect_true(0 < glyph < 20_000 and glyph < char < 40_000 and 0 < scroll < 8_000_000,
                f"bench figures out of range: {char}, {glyph}, {scroll}")
    expect_true(all(v > 0 for v in rows.values()), f"a figure is 0: {rows}")


# ---- The exercises of this step (workshop mode: `make exercise STEP=05`) ----------------------
# tick_deadline (timer.c): the stand-in sets each deadline a period from "now", so the tick
# keeps going (the clock, uptime and typing checks pass) but drifts: the deadline in guest
# memory is no longer a whole number of periods after the start.
# irq_dispatch (irq.c): the stand-in dispatches the tick and takes anything behind the GPU
# line for the mini UART, so the console works; `irq test`'s irq 35 is then neither handled
# nor masked, and comes back at every eret: the kernel never reaches the console again.
exercise("tick_deadline", "tick-count-through-the-monitor")
exercise("irq_dispatch", "unhandled-irq-reported-once")
