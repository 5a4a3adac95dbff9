#!/usr/bin/env python3
"""Chapter 11's tables: step 10's `make bench` figures (common/bench.py's Markdown, which the
build has just written) set beside seL4's.

    11-beside-sel4.py same   BENCH.md OUT.md   this kernel and seL4, same emulator, same unit
    11-beside-sel4.py ratios BENCH.md OUT.md   ratios inside each unit, and a sentence on them
    11-beside-sel4.py size   BENCH.md OUT.md   kernel-bytes and kernel-lines beside seL4's size

seL4's figures are constants here, each in its own unit:
- instructions: seL4 16.0.0-dev, the non-MCS release build with its fastpath (bcm2837), on
  QEMU raspi3b under -icount shift=0,sleep=off, counted with the same client and server stubs
  as step 10's ping (11 user instructions a round trip), both threads in one address space,
  the least of 1,000 samples: the figures chapter 09 compares with (09-ipc-compare.py);
- cycles: sel4bench's published means on a Cortex-A53 (Odroid-C2, non-MCS, hot caches);
- bytes: seL4's AArch64 kernel image, about 162 KiB.
No figure of one unit is ever divided by a figure of another.
"""
import os
import re
import sys

# seL4 on the same emulator, in instructions.
SEL4_INSN = {"call-replyrecv": 539, "call-replyrecv-10": 1577, "call-replyrecv-slow": 1457,
             "yield-self": 313, "signal": 325}
SEL4_INSN_KERNEL = {"call-replyrecv": 528}
# seL4 on a Cortex-A53, in cycles (sel4bench): one way, two address spaces.
SEL4_CYC = {"call": 260, "replyrecv": 278, "call-slow": 722, "replyrecv-slow": 734,
            "yield": 506, "signal-wake": 562, "irq-to-user": 656}
SEL4_KIB = 162

SAME_ROWS = [("call-replyrecv", "Call + ReplyRecv, 1 word each way, one address space"),
             ("call-replyrecv-10", "the same, 10 words each way"),
             ("call-replyrecv-slow", "1 word, each kernel built without its fastpath"),
             ("yield-self", "Yield, the only thread at its priority"),
             ("signal", "Signal, nobody waiting")]
REQUIRED = [k for k, _ in SAME_ROWS] + ["call-replyrecv-2as", "signal-wake", "kernel-bytes",
                                        "kernel-lines"]
ROW = re.compile(r"^\| `([a-z0-9-]+)` \| (.*) \| ([0-9,]+) (\w+) \|$")


def read(src):
    """{key: (value, unit, what)} of bench.py's Markdown table."""
    rows = {}
    with open(src, encoding="utf-8") as f:
        for line in f:
            m = ROW.match(line.strip())
            if m:
                rows[m.group(1)] = (int(m.group(3).replace(",", "")), m.group(4), m.group(2))
    missing = [k for k in REQUIRED if k not in rows]
    if missing:
        sys.exit(f"11-beside-sel4.py: {src} has no row {', '.join(missing)}")
    return rows


def kernel_part(rows, key):
    m = re.search(r"the kernel's part (\d+)", rows[key][2])
    return int(m.group(1)) if m else None


def times(a, b):
    return f"{a / b:.1f}×"


def same(rows):
    out = ["| operation | this kernel | seL4 | this kernel ÷ seL4 |",
           "|" + "-" * 30 + "|" + "-" * 20 + ":|" + "-" * 20 + ":|" + "-" * 14 + ":|"]
    for key, label in SAME_ROWS:
        mine, theirs = f"{rows[key][0]:,}", f"{SEL4_INSN[key]:,}"
        part = kernel_part(rows, key)
        if part is not None:
            mine += f" ({part:,} in the kernel)"
        if key in SEL4_INSN_KERNEL:
            theirs += f" ({SEL4_INSN_KERNEL[key]:,} in the kernel)"
        out.append(f"| {label} (`{key}`) | {mine} | {theirs} | "
                   f"{rows[key][0] / SEL4_INSN[key]:.2f} |")
    out += ["", "Table: Step 10 beside seL4 on the same emulator, in instructions (QEMU raspi3b, "
                "`-icount shift=0,sleep=off`), counted the same way: the same user stubs, each "
                "figure the least of many samples (1,000, but 64 for this kernel's Yield). This "
                "kernel's figures are those of the table above; seL4's are seL4 16.0.0-dev, "
                "non-MCS, release build."]
    return out


def ratios(rows):
    ours = {k: v for k, (v, _, _) in rows.items()}
    one_way_cyc = (SEL4_CYC["call"] + SEL4_CYC["replyrecv"]) / 2
    one_way_insn = SEL4_INSN["call-replyrecv"] / 2
    mine_one_way = ours["call-replyrecv"] / 2
    mine_one_way_2as = ours["call-replyrecv-2as"] / 2
    slow_cyc = (SEL4_CYC["call-slow"] + SEL4_CYC["replyrecv-slow"]) / (2 * one_way_cyc)
    out = ["| ratio, inside one column | seL4, cycles on a Cortex-A53 | seL4, instructions "
           "on QEMU | this kernel, instructions on QEMU |",
           "|" + "-" * 36 + "|" + "-" * 18 + ":|" + "-" * 18 + ":|" + "-" * 18 + ":|",
           f"| slowpath ÷ fastpath, a Call and its ReplyRecv | {slow_cyc:.1f}× | "
           f"{times(SEL4_INSN['call-replyrecv-slow'], SEL4_INSN['call-replyrecv'])} | "
           f"{times(ours['call-replyrecv-slow'], ours['call-replyrecv'])} |",
           f"| Yield ÷ one way of a fastpath IPC | {times(SEL4_CYC['yield'], one_way_cyc)} "
           f"(a switch to another thread) | "
           f"{times(SEL4_INSN['yield-self'], one_way_insn)} (no switch) | "
           f"{times(ours['yield-self'], mine_one_way)} (no switch) |",
           f"| Signal waking a thread of higher priority ÷ one way across address spaces | "
           f"{times(SEL4_CYC['signal-wake'], one_way_cyc)} | not measured | "
           f"{times(ours['signal-wake'], mine_one_way_2as)} |"]
    if "irq-to-user" in ours:
        out.append(f"| an interrupt to a driver in user space ÷ one way across address spaces | "
                   f"{times(SEL4_CYC['irq-to-user'], one_way_cyc)} | not measured | "
                   f"{times(ours['irq-to-user'], mine_one_way_2as)} |")
    out += ["", "Table: Ratios, each worked out inside one column, so that each divides two "
                "figures of the same unit. One way of an IPC is half a round trip: in cycles, "
                "half of seL4's fastpath Call and ReplyRecv across two address spaces (260 and "
                "278); in instructions, half of the round trip in one address space (seL4's "
                "539, `call-replyrecv` here) for Yield, and half of `call-replyrecv-2as` for "
                "the rows below it."]
    ours_slow = ours["call-replyrecv-slow"] / ours["call-replyrecv"]
    theirs_slow = SEL4_INSN["call-replyrecv-slow"] / SEL4_INSN["call-replyrecv"]
    if ours_slow < theirs_slow - 0.05:
        share = "a smaller share of the slowpath's work than seL4's does"
    elif ours_slow > theirs_slow + 0.05:
        share = "a larger share of the slowpath's work than seL4's does"
    else:
        share = "about the same share of the slowpath's work as seL4's does"
    out += ["", f"Counted in instructions, this kernel's slowpath round trip costs "
                f"{ours_slow:.1f} times its fastpath one, against {theirs_slow:.1f} times for "
                f"seL4: this kernel's fastpath saves {share}."]
    return out


def size(rows):
    nbytes, _, what = rows["kernel-bytes"]
    lines = rows["kernel-lines"][0]
    carried = re.search(r"\(([0-9,]+) bytes\)", what)
    carried = f"; the {int(carried.group(1).replace(',', '')) / 1024:,.0f} KiB of programs the " \
              f"image carries are not counted" if carried else ""
    out = ["| | this kernel (step 10) | seL4 for AArch64 |",
           "|" + "-" * 30 + "|" + "-" * 30 + ":|" + "-" * 20 + ":|",
           f"| the kernel's code and data | {nbytes / 1024:.1f} KiB ({nbytes:,} bytes{carried}) "
           f"| about {SEL4_KIB} KiB |",
           f"| this kernel ÷ seL4 | {nbytes / (SEL4_KIB * 1024):.2f} | |",
           f"| lines of C and assembly, comments and blank lines aside | {lines:,} | |",
           "", "Table: The kernel's size: `kernel-bytes` and `kernel-lines` of the table above "
               "(`common/bench.py`), beside the size of seL4's kernel image for AArch64."]
    return out


def main():
    kind, src, out = sys.argv[1:4]
    make = {"same": same, "ratios": ratios, "size": size}.get(kind)
    if not make:
        sys.exit(f"11-beside-sel4.py: no table {kind!r} (same, ratios or size)")
    lines = make(read(src))
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
