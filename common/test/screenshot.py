#!/usr/bin/env python3
"""Boot a step's kernel headless in QEMU and save its screen as a PNG.

    screenshot.py KERNEL8_IMG OUT.png [--wait TEXT | --now] [--type COMMAND]... [--until TEXT]

Waits until the serial line shows TEXT (default: the console's prompt at the start of a
line), types each COMMAND (waiting for the prompt again after each; after the last one, for
the --until TEXT instead when given, e.g. a panic report that never returns to the prompt),
then takes a QMP screendump. --now takes it at once (a kernel without a console). Under -icount the picture
is the same on every run. Used by `make screenshot` and by the book's figure rules.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from png import write_png  # noqa: E402



def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("img")
    ap.add_argument("out")
    ap.add_argument("--wait", help="text to wait for before the screendump (default: prompt)")
    ap.add_argument("--now", action="store_true", help="do not wait for anything")
    ap.add_argument("--until", help="after the last command, wait for this text, not the prompt")
    ap.add_argument("--type", action="append", default=[], metavar="COMMAND",
                    help="a console command to type first (repeatable)")
    args = ap.parse_args()
    wait = re.compile(re.escape(args.wait.encode())) if args.wait else harness.PROMPT
    try:
        with harness.Machine(args.img, timeout=60) as m:
            if not args.now:
                m.expect(wait, timeout=30)
            for i, command in enumerate(args.type):
                m.send(command + "\r")
                last = i == len(args.type) - 1
                m.expect(args.until if last and args.until else harness.PROMPT, timeout=30)
            w, h, rgb = m.screendump()
    except harness.CheckFailed as e:
        sys.exit(f"screenshot: {e}")
    write_png(args.out, w, h, rgb)  # silent on success: figure rules in the book must be


if __name__ == "__main__":
    main()
