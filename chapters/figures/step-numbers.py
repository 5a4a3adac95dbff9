#!/usr/bin/env python3
"""A step's closing figures, measured (the chapters quote them; chapters/figures/02-uart.mk
draws chapter 02's chart with it). It belongs to the book's build, not to the checks: it uses
the test harness (common/test/) only to boot and single-step the step.

    step-numbers.py STEP               image size, the kernel's extent, its checks
    step-numbers.py STEP --first-byte [--svg OUT]
                                       instructions from reset to the first banner byte, by
                                       function (single-stepped), also drawn as an SVG
    step-numbers.py STEP --to-main     instructions from reset to kernel_main, by function
    step-numbers.py STEP --bench       the `make bench` table (steps that have `bench`)

STEP is a step directory name; the step must be built.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "common", "test"))
import boot  # noqa: E402
import harness  # noqa: E402


def numbers_svg(lines, rows, total):
    """A bar chart in plain SVG: the summary lines, then one bar per function."""
    from xml.sax.saxutils import escape
    w, row, left, bar_w = 660, 20, 170, 400
    h = 20 + row * (len(lines) + 1) + row * len(rows) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-family="monospace" font-size="13">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    y = 24
    for line in lines:
        out.append(f'<text x="10" y="{y}">{escape(line)}</text>')
        y += row
    y += row // 2
    for name, c in rows:
        bw = max(1, round(bar_w * c / total))
        out.append(f'<text x="{left - 8}" y="{y}" text-anchor="end">{escape(name)}</text>')
        out.append(f'<rect x="{left}" y="{y - 12}" width="{bw}" height="14" fill="#4a7ab5"/>')
        out.append(f'<text x="{left + bw + 6}" y="{y}">{c}</text>')
        y += row
    out.append("</svg>")
    return "\n".join(out) + "\n"


def checks_line(step):
    """How many checks hold the step, and where they were written."""
    group = harness.load_group(step.name)
    live = [r for r in harness.resolve(group, step) if r.kind != "retired"]
    own = sum(r.origin == step.name for r in live)
    return f"checks: {len(live)} ({own} written for this step, {len(live) - own} inherited), plus the build"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("step")
    ap.add_argument("--first-byte", action="store_true")
    ap.add_argument("--svg")
    ap.add_argument("--to-main", action="store_true")
    ap.add_argument("--bench", action="store_true")
    args = ap.parse_args()
    step = harness.Step(args.step)
    lines = [f"kernel8.img: {os.path.getsize(step.img)} bytes",
             f"kernel: {step.sym('__kernel_end') - step.sym('__kernel_start')} bytes from "
             f"__kernel_start to __kernel_end (with .bss, tables and stacks)",
             checks_line(step)]
    rows, total = [], 0
    if args.first_byte:
        total, byte, counts = boot.first_byte(step, profile=True)
        lines.append(f"instructions on core 0 from reset to the first banner byte "
                     f"({chr(byte[0])!r}): {total}")
        rows = sorted(counts.items(), key=lambda kv: -kv[1])
    if args.to_main:
        total, counts = boot.to_kernel_main(step)
        lines.append(f"instructions on core 0 from reset to kernel_main: {total}")
        rows = sorted(counts.items(), key=lambda kv: -kv[1])
    print(f"{step.name}: " + f"\n{step.name}: ".join(lines))
    for name, c in rows:
        print(f"  {c:7d}  {name}")
    if args.bench:
        sys.path.insert(0, os.path.join(harness.TOP, "common"))
        import bench
        print(bench.text_table(step.name, bench.measure(step.name)))
    if args.svg:
        with open(args.svg, "w") as f:
            f.write(numbers_svg(lines, rows, total))


if __name__ == "__main__":
    main()
