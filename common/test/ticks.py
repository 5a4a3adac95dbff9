"""Helpers for checks of the tick and of input by interrupt (step 05 on): `uptime` and the
receive counts of `info`, parsed, and the addresses of the devices the checks read."""

import re

from console import command
from harness import expect_eq, expect_true

CNTFRQ = 62_500_000                    # QEMU's generic timer (a real Pi 3: 19.2 MHz)
UPTIME = re.compile(r"up (\d+):(\d\d):(\d\d)\.(\d\d): (\d+) ticks at (\d+) Hz; "
                    r"counter \+(\d+), (\d+) a tick")
SYSTIMER_CLO = 0x3F003004              # BCM2835 system timer, counter low/high (microseconds)
IC_ENABLE_1 = 0x3F00B210               # BCM2835 interrupt controller: Enable IRQs 1
SYSTIMER_CS = 0x3F003000               # system timer control/status: match bits
WFI = 0xD503207F                       # the instruction's encoding


def tick_hz(step):
    return step.define("timer.h", "TIMER_HZ")


def uptime(step, m):
    """`uptime` parsed: (ticks, counter since the tick started, counter ticks per tick)."""
    hz_want = tick_hz(step)
    out = command(m, "uptime")
    found = UPTIME.search(out)
    expect_true(found, f"uptime's answer: {out!r}")
    h, mi, sec, cs, ticks, hz, counter, period = map(int, found.groups())
    expect_eq((hz, period), (hz_want, CNTFRQ // hz_want),
              f"uptime's rate and period (CNTFRQ_EL0 / {hz_want})")
    expect_eq((h * 3600 + mi * 60 + sec) * 100 + cs, ticks * 100 // hz,
              f"uptime's h:mm:ss.cc against its tick count ({out!r})")
    return ticks, counter, period


def rx_counts(m):
    """(received, dropped, overruns) from `info`."""
    out = command(m, "info")
    found = re.search(r"uart rx   (\d+) bytes received, (\d+) dropped \(buffer full\), "
                      r"(\d+) FIFO overruns", out)
    expect_true(found, f"info's receive counts: {out!r}")
    return tuple(map(int, found.groups()))
