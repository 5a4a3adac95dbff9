#!/usr/bin/env python3
"""Chapter 08's sessions and its derivation-tree figure, from a real boot of step 08.

    08-caps-session.py KERNEL8_IMG OUT.md [--boot] [--type COMMAND]... [--until REGEX]
    08-caps-session.py KERNEL8_IMG OUT.dot --cdt

Boots the image headless as the tests do (common/test/harness.py: -icount, so every run prints
the same bytes), waits for the console's prompt, types each COMMAND and waits for the prompt
again (after the last one, for --until instead when given: `run captest` returns to the prompt
at once and prints afterwards).

OUT.md: the serial text as a Markdown `text` block, for a chapter to include with
{.markdown include=...}: with --boot, first what init and its worker print before the first
prompt; then `> COMMAND` and its output for each command.

OUT.dot (--cdt): types `cdt` and turns its indented output (each line `<2 spaces a level>WHERE:
TYPE OBJECT DETAILS`, WHERE being `kernel`, `slot N` or `cte 0x...`) into a Graphviz drawing of
the tree the kernel keeps for init: its 2 MiB block, the untyped init made its world from, and
every cap made from that. The block's other children (what the kernel made for init at boot) are
one node that counts them. A `cte 0x...` line is a slot outside init's CNode: the drawing names
the object it lies in (a TCB's slots, the worker's CNode) from the tree's own lines.
"""

import argparse
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "common", "test"))
import harness  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
LINE = re.compile(r"^( *)(kernel|slot \d+|cte 0x[0-9a-f]+): (\S+)\s+(0x[0-9a-f]+)\s*(.*)$")


def text(raw):
    return ANSI.sub("", raw.decode(errors="replace")).replace("\r", "")


def session(img, commands, until=None, boot=False):
    """[(command or None, output)]: the boot's lines before the first prompt (None), then each
    command's output."""
    out = []
    with harness.Machine(img, timeout=300) as m:
        first = m.expect(harness.PROMPT, timeout=60)
        if boot:
            before = text(m.transcript[:first.start()])
            at = before.find("Type 'help'")
            out.append((None, before[at:] if at >= 0 else before))
        for i, command in enumerate(commands):
            start = len(m.transcript)
            m.send((command + "\r").encode())
            last = i == len(commands) - 1
            if last and until:
                end = m.expect(re.compile(until.encode()), timeout=280).end()
            else:
                end = m.expect(harness.PROMPT, timeout=60).start()
            got = text(m.transcript[start:end])
            # The console echoes the command; the block shows it once, after the prompt.
            got = got.split("\n", 1)[1] if "\n" in got else ""
            out.append((command, got))
    return out


def markdown(parts):
    lines = []
    for command, output in parts:
        if command is not None:
            lines.append("> " + command)
        lines += [ln.rstrip() for ln in output.rstrip("\n").split("\n")]
    body = "\n".join(lines)
    if "```" in body:
        sys.exit("08-caps-session.py: the output contains ``` and cannot go in a code block")
    return "```text\n" + body + "\n```\n"


# ---------------------------------------------------------------------------------------------
# The derivation tree


class Node:
    def __init__(self, depth, where, kind, pa, details):
        self.depth, self.where, self.kind, self.details = depth, where, kind, details
        self.pa = int(pa, 16)
        self.children = []


def parse_cdt(out):
    """The first tree of `cdt` (the one under the kernel's block), as Nodes."""
    root, chain = None, []
    for line in out.split("\n"):
        m = LINE.match(line)
        if not m:
            continue
        depth = len(m.group(1)) // 2
        node = Node(depth, m.group(2), m.group(3), m.group(4), m.group(5).strip())
        if depth == 0:
            if root is not None:
                break                      # the next tree: an untyped's, already in this one
            root = node
        else:
            if depth > len(chain):
                sys.exit(f"08-caps-session.py: cdt line deeper than its parent: {line!r}")
            chain[depth - 1].children.append(node)
        del chain[depth:]
        chain.append(node)
    if root is None or root.where != "kernel":
        sys.exit("08-caps-session.py: cdt printed no tree under the kernel's block")
    return root


def walk(node):
    yield node
    for c in node.children:
        yield from walk(c)


def containers(root):
    """[(first byte, end, name, slot bytes)] of the objects that hold slots: TCBs (8 slots of
    32 bytes at the start of the 1 KiB object) and CNodes (2^radix slots)."""
    out, seen = [], set()
    for n in walk(root):
        if n.pa in seen and n.kind != "thread":
            continue
        if n.kind == "thread":
            out.append((n.pa, n.pa + 8 * 32, f"TCB {n.pa:#x}"))
        elif n.kind == "cnode":
            m = re.match(r"(\d+) slots", n.details)
            if m:
                out.append((n.pa, n.pa + int(m.group(1)) * 32, f"CNode {n.pa:#x}"))
        seen.add(n.pa)
    return out


def where_label(n, boxes):
    """Where the slot is, as one or two lines."""
    if not n.where.startswith("cte "):
        return [n.where]
    a = int(n.where.split()[1], 16)
    for lo, hi, name in boxes:
        if lo <= a < hi:
            return [name, f"slot {(a - lo) // 32}"]
    return [n.where]


def detail_label(n):
    """What the cap says besides its type, as short lines."""
    d = n.details
    if n.kind in ("endpoint", "notification"):
        m = re.search(r"rights (\S+) badge (\S+)", d)
        return [f"badge {m.group(2)}", f"rights {m.group(1)}"] if m else []
    if n.kind == "cnode":
        m = re.search(r"(\d+) slots, guard \S+ \((\d+) bits\)", d)
        return [f"{m.group(1)} slots", f"guard: {m.group(2)} bits"] if m else []
    if n.kind == "frame":
        m = re.search(r" at (0x[0-9a-f]+)", d)
        return [f"at {m.group(1)}" if m else "not mapped"]
    if n.kind == "page-table":
        m = re.search(r"(L\d) for (0x[0-9a-f]+)", d)
        return [f"{m.group(1)}, {m.group(2)}"] if m else ["not mapped"]
    if n.kind == "untyped":
        m = re.search(r"2\^(\d+) bytes, (\d+) used", d)
        return [f"2^{m.group(1)} bytes", f"{m.group(2)} used"] if m else []
    if n.kind == "thread":
        m = re.search(r"thread (\d+) ", d)
        return [f"thread {m.group(1)}"] if m else []
    return []


def esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def dot(root):
    boxes = containers(root)
    ids = {}

    def nid(n):
        return ids.setdefault(id(n), f"n{len(ids)}")

    lines = [
        "// Made by chapters/figures/08-caps-session.py from `cdt` on a boot of step 08: do not edit.",
        "digraph cdt {",
        "    rankdir=LR; ranksep=0.22; nodesep=0.1;",
        '    node [shape=box, style=rounded, fontname="DejaVu Sans", fontsize=10, margin="0.06,0.03"];',
        "    edge [arrowsize=0.6];",
    ]
    # The untyped(s) the program made objects from, in full; the rest of the block's children,
    # what the kernel made at boot, counted in one node.
    grown = [c for c in root.children if c.kind == "untyped" and c.children]
    rest = [c for c in root.children if c not in grown]
    label = "\\n".join(["kernel's block", "untyped"] + [esc(x) for x in detail_label(root)])
    lines.append(f'    {nid(root)} [label="{label}", style="rounded,filled", fillcolor="#eeeeee"];')

    def emit(n):
        parts = where_label(n, boxes) + [n.kind] + detail_label(n)
        label = "\\n".join(esc(x) for x in parts)
        style = "rounded" if n.where.startswith("slot ") else "rounded,dashed"
        lines.append(f'    {nid(n)} [label="{label}", style="{style}"];')
        for c in n.children:
            emit(c)
            lines.append(f"    {nid(n)} -> {nid(c)};")

    for g in grown:
        emit(g)
        lines.append(f"    {nid(root)} -> {nid(g)};")
    if rest:
        kinds = {}
        copies = 0
        for c in rest:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
            copies += sum(1 for _ in walk(c)) - 1
        label = f"{len(rest)} more caps\\nmade at boot:\\n" + "\\n".join(
            f"{k} \u00d7{v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        if copies:
            label += f"\\n+ {copies} copies\\nin TCB slots"
        lines.append(f'    rest [label="{label}", style="rounded,dashed"];')
        lines.append(f"    {nid(root)} -> rest [style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("img")
    ap.add_argument("out")
    ap.add_argument("--boot", action="store_true", help="start with init's lines before the prompt")
    ap.add_argument("--type", action="append", default=[], metavar="COMMAND")
    ap.add_argument("--until", help="after the last command, wait for this regex, not the prompt")
    ap.add_argument("--cdt", action="store_true", help="type cdt and write the tree as .dot")
    args = ap.parse_args()
    try:
        if args.cdt:
            (_, out), = session(args.img, ["cdt"])
            result = dot(parse_cdt(out))
        else:
            result = markdown(session(args.img, args.type, args.until, args.boot))
    except harness.CheckFailed as e:
        sys.exit(f"08-caps-session.py: {e}")
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(result)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
