"""Helpers for checks that talk to a step's console over the mini UART (step 02 on).

Every helper waits for the prompt before it types: input that arrives before uart_init is
thrown away (DESIGN: QEMU facts).
"""

import re

from harness import PROMPT, CheckFailed

CTRL_C, CTRL_U, BS, DEL, ESC = b"\x03", b"\x15", b"\x08", b"\x7f", b"\x1b"


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
    the bytes the kernel sent from the echo of the line up to that prompt (without it)."""
    if isinstance(line, str):
        line = line.encode()
    m.mark()
    start = len(m.transcript)
    m.send(line + b"\r")
    end = m.expect(PROMPT, timeout=timeout).start()
    return bytes(m.transcript[start:end + 2])


def output_of(m, line, timeout=10):
    """Run a command; returns its output: the lines after the echoed command line."""
    out = run(m, line, timeout)
    first, _, rest = out.partition(b"\r\n")
    return rest


def command(m, line, timeout=20):
    """Run a command; returns everything from the echoed line to the next prompt, as text."""
    return run(m, line, timeout)[:-2].decode(errors="replace")


def field(text, rx, what):
    """The match of regex `rx` in `text`, or a failure naming `what`."""
    found = re.search(rx, text)
    if not found:
        raise CheckFailed(f"{what}: nothing matches /{rx}/ in:\n{text[-900:]}")
    return found


def hex_field(text, name):
    """The number after `name` and spaces, as `0x...` in a register report."""
    return int(field(text, name + r" +0x([0-9a-f]+)", name).group(1), 16)
