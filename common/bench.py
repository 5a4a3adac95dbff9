#!/usr/bin/env python3
"""The measuring harness: boot a step under -icount, ask its kernel for its figures, print a table.

    bench.py STEP                    the table on the terminal (`make bench STEP=05`)
    bench.py STEP --markdown OUT.md  also as a Markdown table, for the book (chapters/figures/*.mk)
    bench.py STEP --runs 2           boot twice and fail unless both runs agree figure for figure

STEP is a step directory name (05-interrupts); its kernel must be built. The kernel's side is its
`bench` console command, which prints one line per figure and an end marker:

    bench: KEY VALUE UNIT DESCRIPTION
    bench: end

QEMU runs as the tests run it (common/test/harness.py): `-icount shift=0,sleep=off`, where one
instruction is one nanosecond of guest time, so the PMU's cycle counter counts instructions, the
same on every run and on every host. Exit status: 0 with a table, 1 when the step has no bench
command, the kernel does not answer, or two runs disagree.
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "test"))
import harness  # noqa: E402

PROMPT = harness.PROMPT
ROW = re.compile(r"^bench: (\S+) (\d+) (\S+) (.+)$")
END = "bench: end"
FIRST_STEP = "05-interrupts"          # the first step whose kernel speaks this protocol


class NoBench(Exception):
    """The step cannot be measured; the message says why, for a person."""


def measure(step_name, timeout=120, variant=None):
    """Boot the step once and return its figures: a list of (key, value, unit, description)."""
    # `make bench STEP=NN INIT=program.elf` measures the kernel built with that init.
    if variant is None:
        variant = os.environ.get("BOOTBOOK_VARIANT", "")
    step = harness.Step(step_name, variant)
    if not os.path.exists(step.img):
        raise NoBench(f"{step.img} does not exist: build the step first (make build STEP=...)")
    try:
        with step.boot(timeout=timeout, warp=True) as m:
            try:
                m.expect(PROMPT, timeout=15)
            except harness.CheckFailed:
                raise NoBench(f"{step_name} has no console (no prompt within 15 s), so no bench "
                              f"command: the harness measures steps from {FIRST_STEP} on")
            m.mark()
            start = len(m.transcript)
            m.send(b"bench\r")
            end = m.expect(PROMPT, timeout=timeout).start()
            out = m.transcript[start:end].decode(errors="replace").replace("\r", "")
    except harness.CheckFailed as e:
        raise NoBench(f"{step_name}: the kernel did not answer `bench`: {e}")
    return parse(step_name, out)


def parse(step_name, out):
    """The figures in `bench`'s output (what came after the echoed command)."""
    lines = out.split("\n")[1:]
    if any(line.startswith("unknown command") for line in lines):
        raise NoBench(f"{step_name} has no bench command: the harness measures steps from "
                      f"{FIRST_STEP} on")
    if END not in lines:
        raise NoBench(f"{step_name}'s bench command does not print the harness's format "
                      f"('bench: KEY VALUE UNIT DESCRIPTION' lines, then '{END}'); steps from "
                      f"{FIRST_STEP} on do. It printed:\n" + "\n".join(lines))
    rows = []
    for line in lines[:lines.index(END)]:
        found = ROW.match(line)
        if found:
            key, value, unit, what = found.groups()
            rows.append((key, int(value), unit, what))
    if not rows:
        raise NoBench(f"{step_name}'s bench printed no figures")
    return rows


def build_slow(step_name, timeout=300):
    """Build the step with FASTPATH=0 (build/NN-name-slow/); returns make's (status, output).
    The checks and the book's figure rules may want it at the same moment: flock (util-linux)
    on build/NN-name-slow.lock lets one make at a time into that directory."""
    lock = os.path.join(harness.TOP, "build", step_name + "-slow.lock")
    os.makedirs(os.path.dirname(lock), exist_ok=True)
    r = subprocess.run(["flock", lock, "make", "-s", "-C",
                        os.path.join(harness.TOP, "steps", step_name), "all", "FASTPATH=0"],
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def irq_goal_missed(irq, slack=40):
    """The tick's goal from step 06 on, which the bench checks of 06, 07 and 09 hold: a timer
    interrupt costs at most `slack` instructions more than step 05's (measured here). Returns
    what to say when `irq` misses it, else None; None too in a workshop tree (make exercise),
    which holds step 05's checks but not its code, so there is no step 05 kernel to measure."""
    if not os.path.isfile(os.path.join(harness.TOP, "steps", FIRST_STEP, "Makefile")):
        return None
    irq05 = {k: v for k, v, _, _ in measure(FIRST_STEP)}["irq"]
    if irq <= irq05 + slack:
        return None
    return f"a tick costs {irq} instructions, step 05's {irq05} (goal: at most {slack} more)"


def with_slowpath(step_name, rows, timeout=300):
    """A step with an IPC fastpath (09 on) also gets call-replyrecv-slow: the same round trip
    on the kernel built with FASTPATH=0 (build/NN-name-slow/), next to its fast figure."""
    keys = [k for k, _, _, _ in rows]
    if ("call-replyrecv" not in keys or os.environ.get("BOOTBOOK_VARIANT") or
            not os.path.exists(os.path.join(harness.TOP, "steps", step_name, "fastpath.c"))):
        return rows
    status, out = build_slow(step_name, timeout)
    if status:
        raise NoBench(f"the FASTPATH=0 build of {step_name} failed:\n{out[-1500:]}")
    slow = {k: (v, u) for k, v, u, _ in measure(step_name, variant="-slow")}
    value, unit = slow["call-replyrecv"]
    row = ("call-replyrecv-slow", value, unit,
           "the same as call-replyrecv on the kernel built with FASTPATH=0 (the slowpath)")
    at = keys.index("call-replyrecv-10") + 1 if "call-replyrecv-10" in keys else len(rows)
    return rows[:at] + [row] + rows[at:]


SIZE_STEP = "10-notify"               # the first step whose kernel's size has a goal


def source_lines(path):
    """Lines of C or assembly in `path`, comments (/* */ and //) and blank lines aside."""
    with open(path, errors="replace") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return sum(1 for line in text.split("\n") if re.sub(r"//.*", "", line).strip())


def kernel_rows(step_name):
    """kernel-bytes and kernel-lines (from step 10): the text and data of the kernel's ELF, less
    the user programs it carries (programs.S: user_NAME to user_NAME_end), and the lines of
    its own C and assembly (the step's directory itself: not user/, host/ or test.py)."""
    step = harness.Step(step_name)
    out = subprocess.run([harness.OBJDUMP, "-h", step.elf], capture_output=True, text=True,
                         check=True).stdout
    sizes = {p[1]: int(p[2], 16) for p in (line.split() for line in out.splitlines())
             if len(p) > 2 and p[1] in (".text", ".rodata", ".data")}
    sym = step.symbols
    programs = sum(sym[k + "_end"] - sym[k] for k in sym
                   if k.startswith("user_") and k + "_end" in sym)
    size = sum(sizes.values()) - programs
    src = os.path.join(harness.TOP, "steps", step_name)
    lines = sum(source_lines(os.path.join(src, f)) for f in sorted(os.listdir(src))
                if f.endswith((".c", ".h", ".S")))
    return [("kernel-bytes", size, "bytes",
             f"the kernel's text and data, without the programs it carries ({programs:,} bytes)"),
            ("kernel-lines", lines, "lines",
             "the kernel's C and assembly, comments and blank lines aside")]


def units(rows):
    """What the unit column says: the kernel's unit, read as what it is under -icount."""
    names = {unit for _, _, unit, _ in rows}
    return {u: ("instructions" if u == "cycles" else u) for u in names}


def text_table(step_name, rows):
    unit_of = units(rows)
    head = ("figure", "value", "unit", "what")
    body = [(k, f"{v:,}", unit_of[u], w) for k, v, u, w in rows]
    widths = [max(len(r[i]) for r in [head] + body) for i in range(3)]
    out = [f"{step_name}: `bench` under QEMU -icount shift=0,sleep=off "
           f"(the PMU cycle counter counts instructions)", ""]
    for k, v, u, w in [head] + body:
        out.append(f"  {k:<{widths[0]}}  {v:>{widths[1]}}  {u:<{widths[2]}}  {w}")
    return "\n".join(out)


def markdown_table(step_name, rows):
    """A pipe table with a caption; the dashes give the columns' relative widths."""
    unit_of = units(rows)
    out = ["| figure | what | value |", "|" + "-" * 8 + "|" + "-" * 46 + "|" + "-" * 19 + ":|"]
    for k, v, u, w in rows:
        out.append(f"| `{k}` | {w} | {v:,} {unit_of[u]} |")
    out += ["", f"Table: What step {step_name} costs, measured by `make bench` under QEMU "
                f"`-icount shift=0,sleep=off`, where the PMU's cycle counter counts instructions."]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", help="step directory name, e.g. 05-interrupts")
    ap.add_argument("--markdown", metavar="OUT.md", help="also write the table as Markdown")
    ap.add_argument("--runs", type=int, default=1, help="boots; all must give the same figures")
    args = ap.parse_args()
    try:
        runs = [measure(args.step) for _ in range(max(1, args.runs))]
        for i, other in enumerate(runs[1:], 2):
            if other != runs[0]:
                sys.exit(f"bench: run {i} differs from run 1:\n  {other}\n  {runs[0]}")
        runs[0] = with_slowpath(args.step, runs[0])
        if args.step >= SIZE_STEP:
            runs[0] += kernel_rows(args.step)
    except NoBench as e:
        sys.exit(f"bench: {e}")
    print(text_table(args.step, runs[0]))
    if args.markdown:
        os.makedirs(os.path.dirname(os.path.abspath(args.markdown)), exist_ok=True)
        with open(args.markdown, "w") as f:
            f.write(markdown_table(args.step, runs[0]))


if __name__ == "__main__":
    main()
