"""qemugdb.py: QEMU stopped before the first instruction, under -icount, with its gdbstub on a
private socket, for the book's gdb transcripts (gdb-session.py, 04-mmu-hang.py), which run a
real gdb-multiarch against it in batch mode. Python standard library only."""

import contextlib
import os
import subprocess
import sys
import time


@contextlib.contextmanager
def paused(img, tmp, who, extra=()):
    """Start QEMU on kernel8.img `img`, stopped (-S), the gdbstub on tmp/gdb.sock, QEMU options
    `extra` added; yield the socket's path, and kill QEMU afterwards. `who` names the script
    in the one-line error when QEMU does not start within 30 s."""
    sock = os.path.join(tmp, "gdb.sock")
    qemu = subprocess.Popen(
        [os.environ.get("QEMU", "qemu-system-aarch64"), "-M", "raspi3b", "-kernel", img,
         "-serial", "null", "-serial", "null", "-display", "none", "-no-reboot", "-S",
         "-icount", "shift=0", *extra,
         "-chardev", f"socket,id=gdb0,path={sock},server=on,wait=off", "-gdb", "chardev:gdb0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(sock):
            if qemu.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{who}: QEMU did not start: {qemu.stderr.read().decode()}")
            time.sleep(0.02)
        yield sock
    finally:
        qemu.kill()
        qemu.wait()
