"""Helpers for checks of user programs (step 07 on): starting them with `run`, reading the
kernel's one-line fault reports, and counting what `ps` says is left of the TCBs, frames and
ASIDs, so that a check can tell that nothing leaked.

A fault report is one line:

    fault: NAME[ID] KIND pc=0x<16 hex> far=0x<16 hex> esr=0x<8 hex>
"""

import re

from console import command
from harness import CheckFailed, expect_true

FAULT = re.compile(rb"fault: (\S+)\[(\d+)\] (.*?) pc=0x([0-9a-f]{16}) far=0x([0-9a-f]{16}) "
                   rb"esr=0x([0-9a-f]{8})\r\n")
STARTED = re.compile(r"started thread (\d+): (\S+) in ASID (\d+), (\d+) pages, priority (\d+)")
USER_ROW = re.compile(r"^ *(\d+) (\S+) +(\S+) +(\S+) +(\d+) +(\d+)$", re.M)
FREE_TCBS = re.compile(r"^(\d+) of (\d+) (?:TCBs|thread ids) free", re.M)   # 10: ids
FREE_FRAMES = re.compile(r"^(\d+) of (\d+) frames free", re.M)
FREE_ASIDS = re.compile(r"(\d+) of (\d+) ASIDs free$", re.M)  # one line with the frames, or
                                                              # its own (step 10)


class Fault:
    """One parsed fault line."""

    def __init__(self, match):
        self.name = match.group(1).decode()
        self.id = int(match.group(2))
        self.kind = match.group(3).decode()
        self.pc, self.far = int(match.group(4), 16), int(match.group(5), 16)
        self.esr = int(match.group(6), 16)
        self.ec = self.esr >> 26               # ESR_EL1.EC, bits 31:26
        self.line = match.group(0).decode().strip()

    def __repr__(self):
        return repr(self.line)


def run_program(m, name, arg=""):
    """`run NAME ARG`: the new thread's id, or a failure with what the console said."""
    out = command(m, f"run {name} {arg}".rstrip())
    found = STARTED.search(out)
    expect_true(found, f"run {name} {arg} answered {out!r}")
    return int(found.group(1))


def wait_fault(m, ident, since=0, timeout=30):
    """Wait for the fault line of thread `ident` printed after transcript offset `since`."""
    rx = re.compile(rb"fault: \S+\[%d\] .*?\r\n" % ident)
    m.expect(rx, timeout=timeout, start=since)
    for found in FAULT.finditer(m.transcript, since):
        if int(found.group(2)) == ident:
            return Fault(found)
    raise CheckFailed(f"thread {ident}'s fault line is not in the report's format: "
                      f"{m.tail(300)!r}")


def user_rows(m):
    """`ps`'s user threads: {id: (name, state, prio, asid)}."""
    out = command(m, "ps").replace("\r", "")
    return {int(i): (n, s, p, int(a)) for i, n, s, p, _, a in USER_ROW.findall(out)}


def resources(m):
    """What `ps` says is free: (TCBs, frames, ASIDs)."""
    out = command(m, "ps").replace("\r", "")
    tcbs, frames, asids = FREE_TCBS.search(out), FREE_FRAMES.search(out), FREE_ASIDS.search(out)
    expect_true(tcbs and frames and asids, f"ps does not say what is free: {out!r}")
    return int(tcbs.group(1)), int(frames.group(1)), int(asids.group(1))
