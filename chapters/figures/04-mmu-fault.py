#!/usr/bin/env python3
"""The screen of step 04 after a kernel panic, for the book (chapters/figures/04-mmu.mk).

    04-mmu-fault.py KERNEL8_IMG OUT.png COMMAND

Boots the image headless under -icount (common/test/harness.py), clears the screen, types
COMMAND, waits for the panic line on the serial port, and saves the screen as a PNG. The
report is drawn by the kernel itself, so the figure shows what a reader sees on a real Pi.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "common", "test"))
import harness  # noqa: E402
from png import write_png  # noqa: E402


def main():
    img, out, command = sys.argv[1:4]
    try:
        with harness.Machine(img, timeout=60) as m:
            m.expect(b"\r\n> ", timeout=30)
            m.send("clear\r")
            m.expect(b"> ", timeout=30)
            m.send(command + "\r")
            m.expect(b"*** kernel panic: core 0 halted", timeout=30)
            w, h, rgb = m.screendump()
    except harness.CheckFailed as e:
        sys.exit(f"04-mmu-fault: {e}")
    write_png(out, w, h, rgb)


if __name__ == "__main__":
    main()
