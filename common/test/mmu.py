"""Helpers for checks of the MMU and exception steps (step 04 on): `pt` walks, and `fault`
commands that end in a kernel panic report."""

import re

from console import command, console

PANIC = "*** kernel panic: core 0 halted"


def pt(m, va):
    """`pt VA`: returns (output, (size, pa, memory type, attrindx, el1, el0)), the last None
    for an address that is not mapped."""
    out = command(m, f"pt {va:#x}")
    found = re.search(r"=> (4 KiB page|2 MiB block|1 GiB block) at PA 0x([0-9a-f]+): "
                      r"([^(]+?) \(AttrIndx (\d)\)\r?\n +EL1 (\S+), EL0 (\S+),", out)
    if not found:
        return out, None
    size, phys, mtype, idx, el1, el0 = found.groups()
    return out, (size, int(phys, 16), mtype, int(idx), el1, el0)


def fault(step, line):
    """Boot, type a `fault` command, wait for the panic; returns the report (LF line ends)."""
    with console(step) as m:
        m.mark()
        start_ = len(m.transcript)
        m.send(line + "\r")
        m.expect(PANIC, timeout=20)
        return m.transcript[start_:].decode(errors="replace").replace("\r", "")
