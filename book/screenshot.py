#!/usr/bin/env python3
"""book/screenshot.py: boot a kernel in QEMU and save its screen as a PNG, for the book's figures.

    python3 book/screenshot.py build/03-framebuffer/kernel8.img build/book/figures/03-screen.png \\
        [--wait TEXT] [--send TEXT] [--settle SECONDS] [--timeout SECONDS]

--wait TEXT     wait until the mini UART has printed TEXT (repeatable, in order) before the shot
--send TEXT     then type TEXT on the serial line ("\\r" for Enter; repeatable, each after the waits
                written before it)
--settle S      wait S more seconds of guest time before the shot (default 0.2)

QEMU runs as the tests run it (common/test/harness.py: raspi3b, -icount, no display window), so a
figure shows exactly what the checks see. The PNG is written with the standard library only.
"""

import argparse
import os
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common", "test"))
import harness  # noqa: E402


def write_png(path, width, height, rgb):
    """An 8-bit RGB PNG, every row with filter 0."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    stride = width * 3
    raw = b"".join(b"\0" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9))
           + chunk(b"IEND", b""))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(png)
    os.replace(tmp, path)


class Action(argparse.Action):
    def __call__(self, parser, ns, value, option):
        ns.actions.append((self.dest, value.encode().decode("unicode_escape")))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image")
    ap.add_argument("png")
    ap.add_argument("--wait", action=Action, default=None)
    ap.add_argument("--send", action=Action, default=None)
    ap.add_argument("--settle", type=float, default=0.2)
    ap.add_argument("--timeout", type=float, default=60)
    ap.set_defaults(actions=[])
    args = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.png)), exist_ok=True)
    try:
        with harness.Machine(args.image, timeout=args.timeout) as m:
            for kind, text in args.actions:
                if kind == "wait":
                    m.expect(text, timeout=args.timeout)
                else:
                    m.send(text)
            time.sleep(args.settle)
            w, h, rgb = m.screendump()
    except harness.CheckFailed as e:
        sys.exit(f"screenshot: {args.image}: {e}")
    write_png(args.png, w, h, rgb)
    print(f"screenshot: {args.png} ({w}x{h})")


if __name__ == "__main__":
    main()
