#!/usr/bin/env python3
"""Chapter 10's tables of measurements, from one boot of step 10 and its two ELF files.

    10-notify-bench.py FULL.md BENCH.md COMPARE.md SIZE.md

FULL.md     `make bench STEP=10`'s table, as chapter 11's rule writes it (one boot for both).

BENCH.md    `make bench STEP=10`'s table (common/bench.py: the console's `bench`, then the
            kernel's size), but for its call-replyrecv-slow row: chapter 9 shows that one, and
            it costs a second kernel and a second boot.
COMPARE.md  the rows seL4 has a figure for, beside seL4's, each in its own unit and machine.
SIZE.md     the kernel's size in step 09 and in step 10, with step 10's goals, and where the
            lines went: the kernel's files that left, those that came, and the user programs
            that do the work now (comments and blank lines aside, as kernel-lines counts).

seL4's figures are constants here. On the same emulator (QEMU raspi3b, -icount
shift=0,sleep=off; seL4 16.0.0-dev, non-MCS release build with its fastpath; the same stubs,
least of 1,000 samples): a Signal with nobody waiting 325 instructions, Yield 313, a Call +
ReplyRecv round trip in one address space 539. On silicon (sel4bench's results for a
Cortex-A53, non-MCS, mean cycles with hot caches): a Signal to a waiting thread of higher
priority 562 cycles, an interrupt to a user-level driver 656 cycles. seL4's AArch64 kernel
image: about 162 KiB of text and data.
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "common"))
import bench  # noqa: E402  (common/bench.py: make bench)

STEP, BEFORE = "10-notify", "09-ipc"
EMULATOR = "instructions, same emulator"
SILICON = "cycles, Cortex-A53 hardware"
SEL4 = [("signal", "Signal, nobody waiting", 325, EMULATOR),
        ("signal-wake", "Signal to a waiting thread of higher priority", 562, SILICON),
        ("irq-to-user", "an interrupt, to the driver's first instruction", 656, SILICON),
        ("yield-self", "Yield, the only thread at its priority", 313, EMULATOR),
        ("call-replyrecv", "Call + ReplyRecv, 1 word, one address space", 539, EMULATOR)]
SEL4_KERNEL_BYTES = 162 * 1024
GOALS = {"kernel-bytes": 48 * 1024, "kernel-lines": 4000}

# Where the lines went: the kernel files step 10 removed or added, and the user programs that
# took the work over (user/, compiled for EL0: not the kernel's lines).
MOVED_TO = ["user/serial.c", "user/serial.h", "user/shell.c", "user/system.c",
            "user/fbterm.c", "user/font.c", "user/loader.c", "user/archive.S"]


def write(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def compare(rows):
    mine = {k: (v, w) for k, v, _, w in rows}
    out = ["| operation | this kernel, instructions (QEMU) | seL4 | seL4's unit |",
           "|" + "-" * 36 + "|" + "-" * 20 + ":|" + "-" * 9 + ":|" + "-" * 24 + "|"]
    for key, label, theirs, unit in SEL4:
        ours = f"{mine[key][0]:,}" if key in mine else "not measured"
        out.append(f"| {label} (`{key}`) | {ours} | {theirs:,} | {unit} |")
    out += ["", "Table: This kernel's figures from the table above, beside seL4's. \"Same "
            "emulator\": seL4 16.0.0-dev, non-MCS, with its fastpath, on QEMU raspi3b under "
            "`-icount shift=0,sleep=off`, counted with the same stubs (least of 1,000 samples). "
            "\"Hardware\": sel4bench's results for a Cortex-A53 (mean cycles, hot caches), "
            "which no instruction count can be set against."]
    return out


def size_rows(step):
    return {k: v for k, v, _, _ in bench.kernel_rows(step)}


def kernel_files(step):
    src = os.path.join(TOP, "steps", step)
    return {f for f in os.listdir(src) if f.endswith((".c", ".h", ".S"))}


def lines_of(step, f):
    return bench.source_lines(os.path.join(TOP, "steps", step, f))


def size():
    before, after = size_rows(BEFORE), size_rows(STEP)
    out = ["| | step 09 | step 10 | change | step 10's goal |",
           "|" + "-" * 30 + "|" + "-" * 12 + ":|" + "-" * 12 + ":|" + "-" * 12 + ":|" +
           "-" * 14 + ":|"]
    for key, what in (("kernel-bytes", "text and data, bytes"),
                      ("kernel-lines", "C and assembly, lines")):
        a, b = before[key], after[key]
        goal = f"≤ {GOALS[key]:,}" + (" (48 KiB)" if key == "kernel-bytes" else "")
        out.append(f"| the kernel's {what} (`{key}`) | {a:,} | {b:,} | {b - a:+,} | {goal} |")
    out += ["", f"Table: The kernel's size, as `make bench` measures it (common/bench.py): "
            f"its text and data without the user programs it carries, and its C and assembly "
            f"without comments and blank lines. seL4's AArch64 kernel has about "
            f"{SEL4_KERNEL_BYTES // 1024} KiB of text and data.", ""]
    old, new = kernel_files(BEFORE), kernel_files(STEP)
    gone = sorted(old - new)
    came = sorted(new - old)
    out += ["| files | lines | |", "|" + "-" * 44 + "|" + "-" * 8 + ":|" + "-" * 30 + "|"]
    out.append(f"| {', '.join(f'`{f}`' for f in gone)} | {sum(lines_of(BEFORE, f) for f in gone):,}"
               f" | left the kernel |")
    out.append(f"| {', '.join(f'`{f}`' for f in came)} | {sum(lines_of(STEP, f) for f in came):,}"
               f" | new in the kernel |")
    moved = [f for f in MOVED_TO if os.path.exists(os.path.join(TOP, "steps", STEP, f))]
    out.append(f"| {', '.join(f'`{f}`' for f in moved)} | {sum(lines_of(STEP, f) for f in moved):,}"
               f" | the user programs that do the work now |")
    out += ["", "Table: Where the lines went between step 09 and step 10, counted as "
            "`kernel-lines` counts them. The rest of the change is spread over the files both "
            "steps have."]
    return out


def read_table(path):
    """The rows of a table common/bench.py wrote with --markdown (`make bench STEP=10`'s, which
    chapter 11's rule makes): (key, value, unit, what), the slowpath's row left out."""
    rows = []
    with open(path) as f:
        for line in f:
            found = re.match(r"^\| `([a-z0-9-]+)` \| (.*) \| ([0-9,]+) (\w+) \|$", line)
            if found and found.group(1) != "call-replyrecv-slow":
                key, what, value, unit = found.groups()
                rows.append((key, int(value.replace(",", "")), unit, what))
    if not rows:
        sys.exit(f"10-notify-bench.py: no figures in {path}")
    return rows


def main():
    full_md, bench_md, compare_md, size_md = sys.argv[1:5]
    rows = read_table(full_md)
    write(bench_md, bench.markdown_table(STEP, rows).rstrip("\n").split("\n"))
    write(compare_md, compare(rows))
    write(size_md, size())


if __name__ == "__main__":
    main()
