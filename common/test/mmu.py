"""Helpers for checks of the MMU and exception steps (step 04 on): `pt` walks, and `fault`
commands that end in a kernel panic report."""

import re

from console import command, console
from harness import PROMPT, CheckFailed

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
    """Boot, type a `fault` command, wait for the panic; returns the report (LF line ends). A
    command that comes back to the prompt did not fault: that fails at once, not when the
    wait for the panic runs out."""
    with console(step) as m:
        m.mark()
        start_ = len(m.transcript)
        m.send(line + "\r")
        end = m.expect(re.compile(re.escape(PANIC.encode()) + b"|" + PROMPT.pattern), timeout=20)
        out = m.transcript[start_:].decode(errors="replace").replace("\r", "")
        if end.group(0) != PANIC.encode():
            raise CheckFailed(f"`{line}` came back to the prompt without a fault: {out[-300:]!r}")
        return out
