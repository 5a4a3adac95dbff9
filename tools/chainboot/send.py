#!/usr/bin/env python3
"""Send a kernel to the chainloader (tools/chainboot), then be a terminal for it.

    send.py --dev /dev/ttyUSB0 build/02-uart/kernel8.img      a Pi 3 on a USB serial adapter
    send.py --socket build/chainboot/serial.sock IMAGE        QEMU's mini UART on a unix socket
    send.py --dev /dev/ttyUSB0                                only a terminal, nothing sent

It waits for the loader's "ready", sends the frame described in README.md beside this file,
prints the loader's answers, and retries when the loader refuses. Then it connects this
terminal to the serial line (quit with Ctrl-]) unless --no-term is given.
Python 3 standard library only: termios for the serial device, socket for QEMU.
"""

import argparse
import os
import select
import socket
import struct
import sys
import termios
import time
import tty
import zlib

# ANCHOR: frame
MAGIC = b"BOOT"                         # starts every frame

# What the loader says, one line each; the sender only looks for these prefixes.
READY = b"chainboot: ready"             # waiting for a frame
SIZE_OK = b"chainboot: size ok"         # the header was accepted: send the body
STARTING = b"chainboot: checksum ok"    # the kernel arrived intact and is starting
ERROR = b"chainboot: error:"            # refused; the loader says "ready" again next


def frame_header(size):
    """"BOOT" and the image size as a little-endian 32-bit number."""
    return MAGIC + struct.pack("<I", size)


def frame_body(image):
    """The image, then its CRC-32 (zlib's, the one the loader computes), little-endian."""
    return image + struct.pack("<I", zlib.crc32(image))
# ANCHOR_END: frame


class Refused(Exception):
    """The loader answered "chainboot: error: ..."."""


class TimedOut(Exception):
    """The loader did not say what was expected in time."""


# --------------------------------------------------------------------------------------------
# The two kinds of line: a serial device and a unix socket. Both offer fileno(), read(timeout)
# (whatever arrived within `timeout` seconds, b"" if nothing) and write(data).

# ANCHOR: serial_port
class SerialPort:
    """A serial device in raw mode, 8N1 with no flow control, like the mini UART."""

    def __init__(self, path, baud=115200):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        iflag, oflag, cflag, lflag, _ispeed, _ospeed, cc = termios.tcgetattr(self.fd)
        # No translation of any byte in either direction: the frame is binary.
        iflag &= ~(termios.IGNBRK | termios.BRKINT | termios.PARMRK | termios.ISTRIP
                   | termios.INLCR | termios.IGNCR | termios.ICRNL
                   | termios.IXON | termios.IXOFF | termios.IXANY)
        oflag &= ~termios.OPOST
        lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
        # 8 data bits, no parity, one stop bit, receiver on, modem lines ignored.
        cflag &= ~(termios.CSIZE | termios.PARENB | termios.CSTOPB | termios.CRTSCTS)
        cflag |= termios.CS8 | termios.CREAD | termios.CLOCAL
        cc[termios.VMIN], cc[termios.VTIME] = 0, 0  # reads return what is there
        speed = getattr(termios, f"B{baud}")
        termios.tcsetattr(self.fd, termios.TCSANOW, [iflag, oflag, cflag, lflag, speed, speed, cc])
        termios.tcflush(self.fd, termios.TCIOFLUSH)  # nothing stale from an earlier session
# ANCHOR_END: serial_port

    def fileno(self):
        return self.fd

    def read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not r:
            return b""
        try:
            data = os.read(self.fd, 4096)
        except BlockingIOError:
            return b""
        if not data:
            raise EOFError("the serial device went away")
        return data

    def write(self, data):
        view = memoryview(data)
        while view:
            select.select([], [self.fd], [], 1)
            try:
                view = view[os.write(self.fd, view):]
            except BlockingIOError:
                pass
        termios.tcdrain(self.fd)  # return once the bytes are on the wire

    def close(self):
        os.close(self.fd)


class UnixSocket:
    """QEMU's serial chardev as a unix-socket server (-chardev socket,path=...,server=on)."""

    def __init__(self, path, timeout=10):
        end = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.05)

    def fileno(self):
        return self.sock.fileno()

    def read(self, timeout):
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not r:
            return b""
        data = self.sock.recv(4096)
        if not data:
            raise EOFError("the other end closed the socket")
        return data

    def write(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()


# --------------------------------------------------------------------------------------------
# The exchange with the loader


class Loader:
    """The conversation with the chainloader over `line` (anything with read/write as above).
    Everything the loader prints is passed to `echo` as it arrives."""

    def __init__(self, line, echo=None):
        self.line = line
        self.echo = echo or (lambda data: None)
        self.buf = b""      # received, not yet looked at

    def wait_for(self, tokens, timeout):
        """Read lines until one starts with one of `tokens`; returns that line (bytes).
        `timeout` None waits for ever. Lines that match nothing are skipped."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                line = line.rstrip(b"\r")
                for token in tokens:
                    if token in line:
                        return line[line.index(token):]
            left = 0.5 if end is None else end - time.monotonic()
            if left <= 0:
                raise TimedOut(f"expected {' or '.join(t.decode() for t in tokens)!r} "
                               f"within {timeout} s")
            data = self.line.read(min(left, 0.5))
            self.echo(data)
            self.buf += data

    # ANCHOR: upload
    def upload(self, image, ready_timeout=None, answer_timeout=10, progress=None):
        """Send `image` in one frame. Returns when the loader starts it; raises Refused
        (with the loader's reason) or TimedOut."""
        self.wait_for([READY], ready_timeout)   # anything sent earlier would be lost
        self.line.write(frame_header(len(image)))
        answer = self.wait_for([SIZE_OK, ERROR], answer_timeout)
        if answer.startswith(ERROR):
            raise Refused(answer.decode(errors="replace"))

        body = frame_body(image)
        for i in range(0, len(body), 1024):     # in pieces, to show progress
            self.line.write(body[i:i + 1024])
            if progress:
                progress(min(i + 1024, len(body)), len(body))
        answer = self.wait_for([STARTING, ERROR], answer_timeout)
        if answer.startswith(ERROR):
            raise Refused(answer.decode(errors="replace"))
    # ANCHOR_END: upload


# --------------------------------------------------------------------------------------------
# The terminal

QUIT = 0x1D  # Ctrl-]


def terminal(line):
    """Copy the serial line to stdout and stdin to the serial line until Ctrl-] (or the line
    closes). A terminal on stdin is put in raw mode so every key goes to the Pi as typed."""
    out = sys.stdout.buffer
    stdin = sys.stdin.fileno()
    saved = termios.tcgetattr(stdin) if os.isatty(stdin) else None
    if saved:
        tty.setraw(stdin)
    sources = [line.fileno(), stdin]
    try:
        while True:
            r, _, _ = select.select(sources, [], [])
            if line.fileno() in r:
                try:
                    data = line.read(0)
                except EOFError:
                    return
                out.write(data)
                out.flush()
            if stdin in r:
                keys = os.read(stdin, 1024)
                if not keys:                    # stdin ended (not a terminal): only listen
                    sources.remove(stdin)
                    continue
                if QUIT in keys:
                    return
                line.write(keys)
    finally:
        if saved:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
            print()


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--dev", help="serial device, e.g. /dev/ttyUSB0")
    where.add_argument("--socket", help="unix socket of QEMU's mini UART")
    ap.add_argument("--baud", type=int, default=115200, help="default 115200, as the loader")
    ap.add_argument("--retries", type=int, default=3, help="attempts when refused (default 3)")
    ap.add_argument("--wait", type=float, default=None,
                    help="seconds to wait for the loader's 'ready' (default: for ever)")
    ap.add_argument("--no-term", action="store_true", help="exit once the kernel has started")
    ap.add_argument("image", nargs="?", help="the kernel8.img to send (none: only a terminal)")
    args = ap.parse_args()

    def say(msg):
        print(f"send.py: {msg}", file=sys.stderr, flush=True)

    image = None
    if args.image:
        with open(args.image, "rb") as f:
            image = f.read()
    try:
        line = SerialPort(args.dev, args.baud) if args.dev else UnixSocket(args.socket)
    except (OSError, AttributeError) as e:
        sys.exit(f"send.py: cannot open {args.dev or args.socket}: {e}")

    def echo(data):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()

    def progress(done, total):
        if total > 4096:
            print(f"\rsend.py: {done * 100 // total:3d}% of {total} bytes",
                  end="" if done < total else "\n", file=sys.stderr, flush=True)

    loader = Loader(line, echo)
    try:
        if image is None:
            say("terminal only; Ctrl-] quits")
            terminal(line)
            return
        say(f"{args.image}: {len(image)} bytes, CRC-32 {zlib.crc32(image):#010x}; "
            f"waiting for the loader (reset the Pi if it does not answer)")
        for attempt in range(1, args.retries + 1):
            try:
                loader.upload(image, ready_timeout=args.wait, progress=progress)
                break
            except Refused as e:
                say(f"refused (attempt {attempt} of {args.retries}): {e}")
        else:
            sys.exit(1)
        say("the kernel is running" + ("" if args.no_term else "; Ctrl-] quits"))
        if not args.no_term:
            terminal(line)
    except TimedOut as e:
        sys.exit(f"send.py: {e}")
    except EOFError as e:
        sys.exit(f"send.py: {e}")
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        line.close()


if __name__ == "__main__":
    main()
