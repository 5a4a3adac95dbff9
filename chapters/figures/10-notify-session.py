#!/usr/bin/env python3
"""Chapter 10's sessions, from real boots of step 10: several transcripts from one boot.

    10-notify-session.py KERNEL8_IMG (--out OUT.md (--boot | --wait REGEX | --type COMMAND
                         [--until REGEX] [--raw]) [--only REGEX] ...)...

Boots the image headless as the tests do (common/test/harness.py: -icount, so every run prints
the same bytes; outside a check the guest's clock warps, so an idle console costs no time)
and works through the options in order, on the one boot. Each --out starts a Markdown file of
its own; what follows it goes there, as one `text` block, until the next --out. Every boot
costs CPU in `make test` (the book is built there), so the chapter's transcripts share boots.

  --boot           the serial text from the first byte to the first prompt (the banner, init's
                   lines, the console's greeting)
  --wait REGEX     the serial text from where the last item ended up to the end of REGEX: for
                   a kernel whose init is a test program (INIT=) and prints without a console
  --type COMMAND   type COMMAND and Enter at the console (after its first prompt), and wait
                   for the next prompt, or for --until's REGEX. It shows as `> COMMAND`, then
                   its output without the echo; a program's line that follows the console's
                   prompt on the serial line ("> ntfntest: ...") shows without the prompt
  --raw            (after --type) show the serial text as it came instead, from the prompt
                   before the command: for input the console reads later (`hold`)
  --only REGEX     (after any item) keep only the lines of its text that match

In a COMMAND, {id} is the thread number of the program the console started last (its
`started thread N: ...` line), so that `kill {id}` kills what `run` started.

An item that waits for REGEX ends at the end of the match; one that waits for the prompt ends
where the prompt starts, so that the next --raw item shows it.
"""

import argparse
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "common", "test"))
import harness  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
STARTED = re.compile(r"^started thread (\d+): ", re.M)


def text(raw):
    return ANSI.sub("", bytes(raw).decode(errors="replace")).replace("\r", "")


class Item(argparse.Action):
    """Options in order: --out starts a file; --boot, --wait and --type add an item to it;
    --until, --raw and --only qualify the item before them."""

    def __call__(self, parser, ns, value, option):
        outs = getattr(ns, "outs", None) or []
        name = option[2:]
        if name == "out":
            outs.append({"path": value, "items": []})
        elif not outs:
            parser.error(f"{option} must follow an --out")
        elif name in ("boot", "wait", "type"):
            outs[-1]["items"].append({"kind": name, "arg": value, "until": None, "raw": False,
                                      "only": None})
        elif not outs[-1]["items"]:
            parser.error(f"{option} must follow an item")
        else:
            item = outs[-1]["items"][-1]
            if name in ("until", "raw") and item["kind"] != "type":
                parser.error(f"{option} must follow a --type")
            item[name] = True if name == "raw" else value
        ns.outs = outs


def run(img, outs):
    """{path: [lines]}: every item of every file, on one boot, in order."""
    got = {}
    with harness.Machine(img, timeout=300) as m:
        pos, prompted, ident = 0, False, None
        for out in outs:
            lines = got.setdefault(out["path"], [])
            for it in out["items"]:
                if it["kind"] == "boot":
                    end = m.expect(harness.PROMPT, timeout=60, start=0).start()
                    part, pos, prompted = text(m.transcript[:end]).split("\n"), end, True
                elif it["kind"] == "wait":
                    end = m.expect(re.compile(it["arg"].encode()), timeout=120, start=pos).end()
                    part, pos = text(m.transcript[pos:end]).split("\n"), end
                else:
                    if not prompted:
                        pos = m.expect(harness.PROMPT, timeout=60, start=0).start()
                        prompted = True
                    command = it["arg"]
                    if "{id}" in command:
                        if ident is None:
                            sys.exit(f"10-notify-session.py: `{command}`: no program started")
                        command = command.replace("{id}", ident)
                    sent = len(m.transcript)
                    m.send((command + "\r").encode())
                    if it["until"]:
                        end = m.expect(re.compile(it["until"].encode()), timeout=280,
                                       start=sent).end()
                    else:
                        end = m.expect(harness.PROMPT, timeout=60, start=sent).start()
                    if it["raw"]:
                        part = text(m.transcript[pos:end]).lstrip("\n").split("\n")
                    else:
                        # The echo of the command is its first line; the block shows it once.
                        part = text(m.transcript[sent:end]).split("\n")[1:]
                        part = [ln[2:] if ln.startswith("> ") else ln for ln in part]
                        part.insert(0, "> " + command)
                    started = STARTED.search(text(m.transcript[sent:end]))
                    ident = started.group(1) if started else ident
                    pos = end
                part = [ln.rstrip() for ln in part]
                while part and not part[-1]:
                    part.pop()
                if it["only"]:
                    keep = re.compile(it["only"])
                    part = [ln for ln in part if keep.search(ln)]
                lines += part
    return got


def markdown(lines, path):
    body = "\n".join(lines)
    if "```" in body:
        sys.exit(f"10-notify-session.py: {path}: the output contains ``` and cannot go in a "
                 f"code block")
    return "```text\n" + body + "\n```\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("img")
    for opt in ("out", "wait", "type", "until", "only"):
        ap.add_argument("--" + opt, action=Item, metavar="ARG")
    ap.add_argument("--boot", action=Item, nargs=0)
    ap.add_argument("--raw", action=Item, nargs=0)
    args = ap.parse_args()
    outs = getattr(args, "outs", None)
    if not outs or not all(o["items"] for o in outs):
        ap.error("every --out needs something to show")
    try:
        got = run(args.img, outs)
    except harness.CheckFailed as e:
        sys.exit(f"10-notify-session.py: {e}")
    for path, lines in got.items():
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(markdown(lines, path))
        os.replace(tmp, path)


if __name__ == "__main__":
    main()
