#!/usr/bin/env python3
"""Chapter 09's comparison with seL4: this kernel's round trips, read from the bench table the
build just wrote (common/bench.py's Markdown), beside seL4's, measured the same way on the same
emulator, and the goals test.py holds.

    09-ipc-compare.py BENCH.md OUT.md

seL4's figures are constants here: seL4 16.0.0-dev, non-MCS release build with its fastpath, on
QEMU raspi3b under -icount shift=0,sleep=off, with the same client and server stubs as
steps/09-ipc/user/ping.c (11 user instructions a round trip), min of 1000 after 16 warm-ups.
"""
import os
import re
import sys

SEL4 = {"call-replyrecv": 539, "call-replyrecv-10": 1577, "call-replyrecv-slow": 1457,
        "yield-self": 313}
SEL4_KERNEL_PART = 528
GOALS = {"call-replyrecv": 400, "call-replyrecv-10": 1200, "call-replyrecv-slow": 1100}
ROWS = [("call-replyrecv", "Call + ReplyRecv, 1 word each way"),
        ("call-replyrecv-10", "the same, 10 words each way"),
        ("call-replyrecv-slow", "1 word, the kernel built without its fastpath"),
        ("yield-self", "Yield, the only thread at its priority")]
ROW = re.compile(r"^\| `([a-z0-9-]+)` \| (.*) \| ([0-9,]+) instructions \|$")


def main():
    src, out = sys.argv[1:3]
    ours, what = {}, {}
    with open(src, encoding="utf-8") as f:
        for line in f:
            m = ROW.match(line.strip())
            if m:
                ours[m.group(1)] = int(m.group(3).replace(",", ""))
                what[m.group(1)] = m.group(2)
    missing = [k for k, _ in ROWS if k not in ours] + []
    if missing:
        sys.exit(f"09-ipc-compare.py: {src} has no row {', '.join(missing)}")
    part = re.search(r"the kernel's part (\d+)", what["call-replyrecv"])
    lines = ["| round trip or call | this kernel | seL4, same emulator | goal |",
             "|" + "-" * 30 + "|" + "-" * 21 + ":|" + "-" * 21 + ":|" + "-" * 7 + ":|"]
    for key, label in ROWS:
        mine = f"{ours[key]:,}"
        theirs = f"{SEL4[key]:,}"
        if key == "call-replyrecv" and part:
            mine += f" ({int(part.group(1)):,} in the kernel)"
            theirs += f" ({SEL4_KERNEL_PART:,} in the kernel)"
        goal = f"≤ {GOALS[key]:,}" if key in GOALS else ""
        lines.append(f"| {label} (`{key}`) | {mine} | {theirs} | {goal} |")
    ratio = lambda a, b: f"{a / b:.1f}×"  # noqa: E731
    lines.append(f"| slowpath ÷ fastpath, 1 word | "
                 f"{ratio(ours['call-replyrecv-slow'], ours['call-replyrecv'])} | "
                 f"{ratio(SEL4['call-replyrecv-slow'], SEL4['call-replyrecv'])} | |")
    lines.append(f"| Yield ÷ one way (half a round trip), 1 word | "
                 f"{ratio(ours['yield-self'], ours['call-replyrecv'] / 2)} | "
                 f"{ratio(SEL4['yield-self'], SEL4['call-replyrecv'] / 2)} | |")
    lines += ["", "Table: Round trips through an endpoint, in instructions (QEMU raspi3b, `-icount "
              "shift=0,sleep=off`), counted the same way for both kernels: the client's counter "
              "around one Call, the server answering with ReplyRecv, the least of 1,000 samples. "
              "This kernel's figures come from the table above; seL4's from seL4 16.0.0-dev, "
              "non-MCS, with its fastpath (but for the third row)."]
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
