#!/usr/bin/env python3
"""Chapter 09's sessions, from real boots of step 09.

    09-ipc-session.py KERNEL8_IMG OUT.md (--type COMMAND [--until REGEX] [--only REGEX])...
    09-ipc-session.py KERNEL8_IMG OUT.md --same-as SLOW_KERNEL8_IMG --type COMMAND --until REGEX

Boots the image headless as the tests do (common/test/harness.py: -icount, so every run prints
the same bytes), waits for the console's prompt, and types each COMMAND. After a command the
script waits for the prompt again, or, when --until follows it, for that regular expression:
`run kv` returns to the prompt at once, and its threads print afterwards, up to the fault line
of the root thread's final brk. --only keeps just the lines of that command's output that
match (`ps`: the rows of one program's threads).

OUT.md: `> COMMAND` and its output for each command, as a Markdown `text` block for a chapter
to include with {.markdown include=...}. A program's first line follows the console's prompt
on the serial line ("> kv: ..."); the block shows it without the prompt.

--same-as: also boot SLOW_KERNEL8_IMG (the FASTPATH=0 build), type the same command, and stop
with an error unless both print the same lines; OUT.md is then one sentence saying how many
lines the two kernels printed alike.
"""

import argparse
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "common", "test"))
import harness  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def text(raw):
    return ANSI.sub("", raw.decode(errors="replace")).replace("\r", "")


class Typed(argparse.Action):
    """--type appends a command; --until and --only attach to the last one."""

    def __call__(self, parser, ns, value, option):
        steps = getattr(ns, "steps", None) or []
        if option == "--type":
            steps.append({"command": value, "until": None, "only": None})
        elif not steps:
            parser.error(f"{option} must follow a --type")
        else:
            steps[-1][option[2:]] = value
        ns.steps = steps


def session(img, steps):
    """[(command, [output lines])] for each step, typed in order on one boot."""
    out = []
    with harness.Machine(img, timeout=300) as m:
        m.expect(harness.PROMPT, timeout=60)
        for st in steps:
            start = len(m.transcript)
            m.send((st["command"] + "\r").encode())
            if st["until"]:
                end = m.expect(re.compile(st["until"].encode()), timeout=280).end()
            else:
                end = m.expect(harness.PROMPT, timeout=60).start()
            got = text(m.transcript[start:end])
            # The console echoes the command; the block shows it once, after the prompt.
            lines = got.split("\n")[1:]
            lines = [ln[2:] if ln.startswith("> ") else ln.rstrip() for ln in lines]
            while lines and not lines[-1]:
                lines.pop()
            if st["only"]:
                keep = re.compile(st["only"])
                lines = [ln for ln in lines if keep.search(ln)]
            out.append((st["command"], lines))
    return out


def markdown(parts):
    lines = []
    for command, output in parts:
        lines.append("> " + command)
        lines += output
    body = "\n".join(lines)
    if "```" in body:
        sys.exit("09-ipc-session.py: the output contains ``` and cannot go in a code block")
    return "```text\n" + body + "\n```\n"


PS_ROW = re.compile(r"^( *\d+ \S+ +\S+ +\S+) +\d+(.*)$")


def without_ticks(lines):
    """`ps` rows without their TICKS column: how long a thread ran may differ between the two
    kernels (that is the fastpath's point); its state and priority may not."""
    return [PS_ROW.sub(r"\1\2", ln) for ln in lines]


def same_as(img, slow_img, steps):
    """Both kernels' transcripts of the steps, which must be equal (but for `ps`'s tick
    counts): a sentence saying so."""
    fast, slow = session(img, steps), session(slow_img, steps)
    exact = fast == slow
    for (command, a), (_, b) in zip(fast, slow):
        a, b = without_ticks(a), without_ticks(b)
        if a != b:
            diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            sys.exit(f"09-ipc-session.py: `{command}` differs without the fastpath at line "
                     f"{diff + 1}: {a[diff:diff + 1]!r} against {b[diff:diff + 1]!r}")
    n = sum(len(a) for _, a in fast)
    commands = ", ".join(f"`{c}`" for c, _ in fast)
    how = "byte for byte" if exact else "but for the tick counts of `ps`"
    return (f"On the book's build, {commands} printed the same {n} lines, {how}, on the kernel "
            f"with the fastpath and on the one built with `FASTPATH=0`.\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("img")
    ap.add_argument("out")
    ap.add_argument("--type", action=Typed, metavar="COMMAND")
    ap.add_argument("--until", action=Typed, metavar="REGEX",
                    help="after the command before, wait for this regex, not the prompt")
    ap.add_argument("--only", action=Typed, metavar="REGEX",
                    help="keep only the lines of the command before's output that match")
    ap.add_argument("--same-as", metavar="SLOW_IMG",
                    help="compare with this kernel's transcript; write a sentence")
    args = ap.parse_args()
    steps = getattr(args, "steps", None)
    if not steps:
        ap.error("nothing to type")
    try:
        if args.same_as:
            result = same_as(args.img, args.same_as, steps)
        else:
            result = markdown(session(args.img, steps))
    except harness.CheckFailed as e:
        sys.exit(f"09-ipc-session.py: {e}")
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(result)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
