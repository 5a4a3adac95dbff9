#!/usr/bin/env python3
"""Print a compile_commands.json fragment for one step (used by `make compile_commands.json`).

usage: compdb.py STEP_DIR BUILD_DIR CC CFLAGS ASFLAGS
clangd reads the real cross-compiler flags from it, so it understands -ffreestanding, the
include paths and the target."""
import json
import os
import shlex
import sys

step, build, cc, cflags, asflags = sys.argv[1:6]
entries = []
for name in sorted(os.listdir(step)):
    if not name.endswith((".c", ".S")):
        continue
    flags = cflags if name.endswith(".c") else asflags
    src = os.path.join(step, name)
    obj = os.path.join(build, name + ".o")
    entries.append({"directory": step, "file": src,
                    "arguments": [cc] + shlex.split(flags) + ["-c", src, "-o", obj]})
print(json.dumps(entries, indent=1))
