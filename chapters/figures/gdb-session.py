#!/usr/bin/env python3
"""A gdb session for the book, from a real run: gdb-multiarch, not interactive (the commands come
from -ex options, its input from /dev/null), against a step's kernel in QEMU, both started the
way `make gdb` starts them (QEMU paused with its gdbstub on a unix socket; gdb with the step's
ELF, `set pagination off`, `target remote`, `break *kernel_main`, `continue`), then the commands
given, each echoed after a `(gdb) ` prompt. The result is a Markdown `text` block that a chapter
includes with ```{.markdown include="build/book/generated/NAME.md"}```.

gdb's -batch would hide what gdb prints only for commands typed at a terminal ("Continuing.",
"Will ignore next 9 crossings of breakpoint 2."), so the session runs without it, with
`set confirm off` and a last `quit`; the block starts after `target remote`'s own line (which
names the socket) and ends with the output of the last command.

    gdb-session.py STEP OUT.md [--source FILE] -- COMMAND...

QEMU runs under -icount shift=0, so every stop (breakpoints only: batch mode has no Ctrl-C) lands
on the same instruction each time and the block is the same bytes on every build. A command may
name a line of the step's source by its text, `{line:heartbeat++}`: the number of the first line
of --source (default main.c) that contains it, so the session follows the source when it moves.
gdb's `set filename-display basename` keeps the path of the checkout out of the text; the last
lines gdb prints on quitting are left out. Tabs become spaces (8 columns), as a terminal shows them.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import qemugdb  # chapters/figures/qemugdb.py, beside this file

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("step")
    ap.add_argument("out")
    ap.add_argument("--source", default="main.c")
    ap.add_argument("commands", nargs="+")
    args = ap.parse_args()
    build = os.path.join(TOP, "build", args.step)
    with open(os.path.join(TOP, "steps", args.step, args.source)) as f:
        source = f.read().split("\n")

    def line_of(m):
        for i, text in enumerate(source, 1):
            if m.group(1) in text:
                return str(i)
        sys.exit(f"gdb-session.py: no line of steps/{args.step}/{args.source} contains {m.group(1)!r}")

    commands = [re.sub(r"\{line:([^}]+)\}", line_of, c) for c in args.commands]
    with tempfile.TemporaryDirectory(prefix="gdb-session-") as tmp:
        with qemugdb.paused(os.path.join(build, "kernel8.img"), tmp, "gdb-session.py") as sock:
            gdb = [os.environ.get("GDB", "gdb-multiarch"), "-q", "-nx",
                   os.path.join(build, "kernel8.elf"), "-ex", "set confirm off",
                   "-ex", "set filename-display basename"]
            # What `make gdb` runs before the reader types anything: its output opens the block.
            for c in ("set pagination off", f"target remote {sock}", "break *kernel_main", "continue"):
                gdb += ["-ex", c]
            for c in commands:
                gdb += ["-ex", "echo (gdb) " + c.replace("\\", "\\\\") + "\\n", "-ex", c]
            gdb += ["-ex", "echo @@end\\n", "-ex", "quit"]
            r = subprocess.run(gdb, capture_output=True, text=True, timeout=60, cwd=tmp,
                               stdin=subprocess.DEVNULL)
    if r.returncode != 0 or r.stderr.strip():
        sys.exit(f"gdb-session.py: gdb failed ({r.returncode}):\n{r.stderr}")
    lines = [line.rstrip().expandtabs(8) for line in r.stdout.split("\n")]
    start = [i for i, line in enumerate(lines) if line.startswith("Remote debugging using ")]
    if not start or "@@end" not in lines:
        sys.exit(f"gdb-session.py: unexpected gdb output:\n{r.stdout}")
    lines = lines[start[0] + 1:lines.index("@@end")]
    text = "\n".join(lines)
    with open(args.out + ".tmp", "w") as f:
        f.write("```text\n" + text + "\n```\n")
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
