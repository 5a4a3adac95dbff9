"""Checks for the real-hardware tools (group "tools"): the SD-card image, the serial
chainloader with its sender, and the OpenOCD configuration.

What can be checked without a Pi is checked here: the card's filesystem and files (and the
refusal of a FIRMWARE folder that cannot boot a Pi 3), the whole chainloading exchange against
QEMU's mini UART (including refusals and the hand-over of x0-x3), the loader's pull-up wait in
its machine code, the sender's serial-device path on a pseudo-terminal, make jtagboot's gdb
session against QEMU's gdbstub (hardware breakpoints), and that OpenOCD accepts the
configuration. The rest (real clocks, real wiring, a real probe) is the appendix's business.
"""

import os
import pty
import random
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import zlib

from harness import CROSS, TOP, CheckFailed, Machine, Step, check, expect_eq, expect_true

sys.path.insert(0, os.path.join(TOP, "tools", "chainboot"))
import send  # noqa: E402  (tools/chainboot/send.py: the framing and the exchange)

B = os.path.join(TOP, "build", "chainboot")
LOADER = os.path.join(B, "kernel8.img")
PAYLOAD = os.path.join(B, "payload.img")          # tools/chainboot/payload/payload.S
PAYLOAD_BANNER = "payload: hello from the chainloaded kernel"
PAYLOAD_SIZE = 16 * 1024                           # padded: a realistic transfer
SD_STEP = "01-boot"                                # any step will do for the card
PART_OFFSET = 2048 * 512                           # tools/sdimage/mksd.py: PART_START


def run(cmd, timeout=120, **kw):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=TOP, **kw)
    except subprocess.TimeoutExpired as e:
        out = ((e.stdout or b"") + (e.stderr or b"")).decode(errors="replace") \
            if isinstance(e.stdout, bytes) or isinstance(e.stderr, bytes) \
            else (e.stdout or "") + (e.stderr or "")
        raise CheckFailed(f"{' '.join(cmd)} did not finish within {timeout} s:\n{out[-1500:]}")
    if r.returncode != 0:
        raise CheckFailed(f"{' '.join(cmd)} exited with {r.returncode}:\n"
                          f"{(r.stdout + r.stderr)[-1500:]}")
    return r.stdout + r.stderr


# --------------------------------------------------------------------------------------------
# Building, once for all checks of the group (they run in parallel; make must not race).

_built = {}
_build_lock = threading.Lock()


def built():
    """Build the chainloader, the test payload and the steps used here; returns the padded
    payload image. A failure is remembered and reported by every check that needs it."""
    with _build_lock:
        if not _built:
            try:
                run(["make", "-s", "-C", "tools/chainboot", "all"])
                for step in (SD_STEP, "02-uart", "04-mmu"):
                    if os.path.isfile(os.path.join(TOP, "steps", step, "Makefile")):
                        run(["make", "-s", "-C", f"steps/{step}", "all"])
                obj = os.path.join(B, "payload.o")
                run([CROSS + "gcc", "-c", "tools/chainboot/payload/payload.S", "-o", obj])
                run([CROSS + "ld", "-Ttext=0x80000", "-o", os.path.join(B, "payload.elf"), obj])
                run([CROSS + "objcopy", "-O", "binary", os.path.join(B, "payload.elf"), PAYLOAD])
                with open(PAYLOAD, "rb") as f:
                    code = f.read()
                rnd = random.Random(9)             # the same bytes every run
                _built["payload"] = code + bytes(rnd.randrange(256)
                                                 for _ in range(PAYLOAD_SIZE - len(code)))
            except CheckFailed as e:
                _built["error"] = str(e)
        if "error" in _built:
            raise CheckFailed("build failed: " + _built["error"])
        return _built["payload"]


def banner_of(step):
    """A step's image and the first line it prints when QEMU boots it directly (the banner
    a chainloaded or JTAG-loaded copy must print too), or None while the step does not
    exist."""
    d = os.path.join(TOP, "steps", step)
    if not os.path.isfile(os.path.join(d, "Makefile")):
        return None
    img = os.path.join(TOP, "build", step, "kernel8.img")
    with Machine(img, serial=True, timeout=30) as m:
        banner = m.expect(re.compile(rb"[^\r\n]+(?=\r?\n)"), timeout=20).group(0)
    with open(img, "rb") as f:
        return f.read(), banner


# --------------------------------------------------------------------------------------------
# SD card


def sd_files(img):
    """Names in the card's root directory (mdir -b: one path per line)."""
    out = run(["mdir", "-b", "-i", f"{img}@@{PART_OFFSET}", "::"])
    return sorted(os.path.basename(line.strip()).lower() for line in out.splitlines()
                  if line.strip())


def sd_read(img, name, tmp):
    dst = os.path.join(tmp, name)
    run(["mcopy", "-n", "-i", f"{img}@@{PART_OFFSET}", "::" + name, dst])
    with open(dst, "rb") as f:
        return f.read()


FW_FILES = ("bootcode.bin", "start.elf", "fixup.dat")
DTB_FILES = ("bcm2710-rpi-3-b.dtb", "bcm2710-rpi-3-b-plus.dtb")


def fake_firmware(folder, names):
    """Stand-ins for the Pi's files, random bytes under their names; returns name -> bytes."""
    os.makedirs(folder, exist_ok=True)
    blobs = {}
    for name in names:
        blobs[name] = random.Random(name).randbytes(3000)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(blobs[name])
    return blobs


def make_fails(args):
    """Run make, expecting it to fail; returns its stderr."""
    r = subprocess.run(["make", "-s"] + args, capture_output=True, text=True, timeout=120,
                       cwd=TOP)
    expect_true(r.returncode != 0, f"make {' '.join(args)} should fail, it said {r.stdout!r}")
    return r.stderr


def check_card(img, tmp, kernel, firmware):
    with open(img, "rb") as f:
        disk = f.read()
    # The MBR: signature, one bootable partition of type FAT32-LBA at sector 2048.
    expect_eq(disk[510:512], b"\x55\xaa", "MBR signature")
    status, ptype, start, count = (disk[446], disk[450],
                                   *struct.unpack("<II", disk[454:462]))
    expect_eq((status, ptype, start), (0x80, 0x0C, 2048), "partition 1 (active, type, start)")
    expect_eq(len(disk), (start + count) * 512, "image size = end of the partition")
    # The filesystem passes fsck (read-only) ...
    part = os.path.join(tmp, "partition.fat")
    with open(part, "wb") as f:
        f.write(disk[PART_OFFSET:])
    out = run(["fsck.vfat", "-n", part], timeout=60)
    expect_true("FAT32" in run(["file", "-b", part]) or "FAT (32 bit)" in
                run(["file", "-b", part]), f"partition is FAT32: {run(['file', '-b', part])}")
    expect_true(re.search(r"\d+ files?, \d+/\d+ clusters", out), f"fsck.vfat: {out!r}")
    # ... and holds the files, kernel8.img and config.txt byte for byte.
    want = ["config.txt", "kernel8.img", "readme.txt"] + [f.lower() for f in firmware]
    expect_eq(sd_files(img), sorted(want), "files on the card")
    expect_true(sd_read(img, "kernel8.img", tmp) == kernel,
                "kernel8.img on the card differs from the build")
    with open(os.path.join(TOP, "tools", "sdimage", "config.txt"), "rb") as f:
        config = b"".join(line for line in f if b"ANCHOR" not in line)
    expect_eq(sd_read(img, "config.txt", tmp), config,
              "config.txt on the card (tools/sdimage/config.txt without the book's markers)")
    config = sd_read(img, "config.txt", tmp).decode()
    for line in ("arm_64bit=1", "enable_uart=1", "core_freq=250", "kernel=kernel8.img",
                 "enable_jtag_gpio=1"):
        expect_true(re.search(rf"^{line}$", config, re.M), f"config.txt lacks {line}")
    return sd_read(img, "README.txt", tmp).decode()


@check("sdimage-without-firmware", alone=True)
def sdimage_without_firmware(_):
    built()
    with tempfile.TemporaryDirectory() as tmp:
        out = run(["make", "-s", "sdimage", f"STEP={SD_STEP}", f"SD_DIR={tmp}"])
        expect_true("bootcode.bin, start.elf, fixup.dat" in out and "raspberrypi/firmware" in out,
                    f"a note on the missing firmware in make's output, got {out!r}")
        with open(os.path.join(TOP, "build", SD_STEP, "kernel8.img"), "rb") as f:
            kernel = f.read()
        readme = check_card(os.path.join(tmp, f"{SD_STEP}.img"), tmp, kernel, firmware=())
        expect_true("MISSING" in readme and "raspberrypi/firmware" in readme,
                    f"README.txt says what is missing and where it comes from: {readme[:300]!r}")


@check("sdimage-with-firmware", alone=True)
def sdimage_with_firmware(_):
    """FIRMWARE holds what a Pi 3 needs, both Pi 3 device trees and a file the card does not
    need (start4.elf, a Pi 4's): the card gets the first five, byte for byte."""
    built()
    with tempfile.TemporaryDirectory() as tmp:
        fw = os.path.join(tmp, "fw")
        blobs = fake_firmware(fw, FW_FILES + DTB_FILES)
        fake_firmware(fw, ["start4.elf"])
        run(["make", "-s", "sdimage-chainboot", f"FIRMWARE={fw}", f"SD_DIR={tmp}"])
        img = os.path.join(tmp, "chainboot.img")
        with open(LOADER, "rb") as f:
            readme = check_card(img, tmp, f.read(), firmware=FW_FILES + DTB_FILES)
        for name, data in blobs.items():
            expect_true(sd_read(img, name, tmp) == data, f"{name} on the card differs")
        expect_true("bcm2710-rpi-3-b-plus.dtb" in readme and " x0" in readme,
                    f"README.txt says what the device trees are for: {readme[:600]!r}")
        # A firmware folder without the files is an error, not a card that cannot boot.
        os.remove(os.path.join(fw, "start.elf"))
        err = make_fails(["sdimage-chainboot", f"FIRMWARE={fw}", f"SD_DIR={tmp}/x"])
        expect_true("lacks start.elf" in err and re.search(r"holds: bootcode.bin, .*start4.elf", err),
                    f"make names start.elf and lists what the folder holds: {err[-400:]!r}")


@check("sdimage-refuses-firmware-of-another-pi", alone=True)
def sdimage_other_pi(_):
    """A Pi 4's boot folder (start4.elf, fixup4.dat, its own device tree, no bootcode.bin) is
    the usual wrong download: make fails, lists what it found and says whose files they are."""
    built()
    with tempfile.TemporaryDirectory() as tmp:
        fw = os.path.join(tmp, "fw")
        fake_firmware(fw, ["start4.elf", "fixup4.dat", "bcm2711-rpi-4-b.dtb"])
        err = make_fails(["sdimage", f"STEP={SD_STEP}", f"FIRMWARE={fw}", f"SD_DIR={tmp}"])
        for want in ("bootcode.bin, start.elf, fixup.dat", "fixup4.dat, start4.elf, 1 .dtb file",
                     "Raspberry Pi 4", "raspberrypi/firmware"):
            expect_true(want in err, f"make's error says {want!r}: {err[-500:]!r}")
        expect_true(not os.path.exists(os.path.join(tmp, f"{SD_STEP}.img")),
                    "no card image is left behind")


@check("sdimage-without-device-trees-x0-is-0", alone=True)
def sdimage_without_dtbs(_):
    """The device trees are optional: without them the card is made, and make says that the
    firmware will then pass x0 = 0."""
    built()
    with tempfile.TemporaryDirectory() as tmp:
        fw = os.path.join(tmp, "fw")
        fake_firmware(fw, FW_FILES)
        out = run(["make", "-s", "sdimage", f"STEP={SD_STEP}", f"FIRMWARE={fw}", f"SD_DIR={tmp}"])
        expect_true("bcm2710-rpi-3-b.dtb or bcm2710-rpi-3-b-plus.dtb" in out and "x0 is 0" in out,
                    f"make says the card has no device tree and what x0 will be: {out!r}")
        with open(os.path.join(TOP, "build", SD_STEP, "kernel8.img"), "rb") as f:
            check_card(os.path.join(tmp, f"{SD_STEP}.img"), tmp, f.read(), firmware=FW_FILES)


# --------------------------------------------------------------------------------------------
# The chainloader's code


def disassembly(elf):
    """Function name -> its instructions as (address, mnemonic, operands), from objdump."""
    out = run([CROSS + "objdump", "-d", "--no-show-raw-insn", elf])
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <([^>]+)>:$", line)
        if m:
            cur = funcs.setdefault(m.group(2), [])
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if m and cur is not None:
            cur.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return funcs


@check("chainboot-pullup-wait-reads-the-timer", alone=True)
def chainboot_pullup_wait(_):
    """The GPIO pull-up sequence waits on the generic timer, not by counting instructions: a
    counted loop is as short as the core is fast, and with the instruction cache on the
    Pi's core is many times faster than with it off. Read from the disassembly of uart_init
    and what it calls: every loop in it reads CNTPCT_EL0, and there are two of them (set-up
    and hold); CNTFRQ_EL0 gives the ticks per microsecond."""
    built()
    funcs = disassembly(os.path.join(B, "kernel8.elf"))
    expect_true("uart_init" in funcs, f"uart_init in the loader's ELF: {sorted(funcs)[:20]}")
    code = {}

    def collect(name):
        if name in code or name not in funcs:
            return
        code[name] = funcs[name]
        for _, op, args in funcs[name]:
            m = re.search(r"<([^>+]+)>", args)
            if op == "bl" and m:
                collect(m.group(1))

    collect("uart_init")
    loops = {}                                         # function -> its loops, all timed
    for name, insns in code.items():
        loops[name] = 0
        for addr, op, args in insns:
            m = re.match(r"([0-9a-f]+)\b", args)
            if not (op == "b" or op.startswith(("b.", "cb", "tb"))) or not m:
                continue
            target = int(m.group(1), 16)
            if target > addr:
                continue                               # forward: not a loop
            body = [(o, a) for (x, o, a) in insns if target <= x <= addr]
            listing = "; ".join(f"{o} {a}".strip() for o, a in body)
            expect_true(any(o == "mrs" and "cntpct_el0" in a for o, a in body),
                        f"a loop in {name} that counts instead of reading the timer: {listing}")
            loops[name] += 1
    calls = [re.search(r"<([^>+]+)>", a).group(1) for _, o, a in code["uart_init"]
             if o == "bl" and re.search(r"<([^>+]+)>", a)]
    waits = loops["uart_init"] + sum(1 for c in calls if loops.get(c))
    reads = " ".join(a for insns in code.values() for _, o, a in insns if o == "mrs")
    expect_true("cntfrq_el0" in reads and "cntpct_el0" in reads,
                f"uart_init reads CNTFRQ_EL0 and CNTPCT_EL0, it reads: {reads or 'nothing'}")
    expect_eq(waits, 2, "waits on the timer in uart_init (set-up and hold)")


# --------------------------------------------------------------------------------------------
# Chainloading in QEMU


class MachineLine:
    """send.py's line interface (read/write) over a harness Machine's mini UART, so that what
    the sender reads also lands in the transcript the runner shows on a failure."""

    def __init__(self, m):
        self.m = m
        self.pos = len(m.transcript)

    def write(self, data):
        self.m.send(data)

    def read(self, timeout):
        self.m.poll(timeout)
        data = bytes(self.m.transcript[self.pos:])
        self.pos += len(data)
        return data


# How long a chainloader check waits for one answer. Without icount the loader runs at the speed
# the host gives it, and under `make test` every core is busy with other checks: a 2 s exchange
# alone can take over 20 s then. The bound only limits how long a real failure takes to show.
WAIT = 60


def loader_machine(**kw):
    """QEMU running the chainloader, its mini UART on the harness's socket.

    Without -icount, unlike the steps' checks: the loader's time-outs ("ready" again after a
    second of silence, a frame given up after two) are wall-clock time by nature, and under
    icount a loop that polls a device register advances guest time some thirty times slower
    than the clock on the wall, so a two-second time-out would take a minute."""
    return Machine(LOADER, serial=True, timeout=4 * WAIT, icount=False, **kw)


@check("chainboot-loads-16k-intact", alone=True)
def chainboot_loads(_):
    image = built()
    with loader_machine() as m:
        loader = send.Loader(MachineLine(m))
        loader.upload(image, ready_timeout=WAIT, answer_timeout=WAIT)
        m.expect(PAYLOAD_BANNER, timeout=WAIT)
        # QEMU's x0 points at an ATAG list, not a device tree (a Pi's card without .dtb
        # files gives 0): the loader says so rather than call it a device tree.
        expect_true(b"no device tree (x0 = 0x100)" in m.transcript,
                    "the loader says x0 holds no device tree")
        got = m.read_phys(0x80000, len(image))
        if got != image:
            first = next(i for i in range(len(image)) if got[i:i + 1] != image[i:i + 1])
            raise CheckFailed(f"memory at 0x80000 differs from the image sent, first at byte "
                              f"{first}: {got[first:first + 8].hex()} instead of "
                              f"{image[first:first + 8].hex()}")


@check("chainboot-step02-banner", alone=True)
def chainboot_step02(_):
    built()
    s = banner_of("02-uart")
    if s is None:
        raise CheckFailed("steps/02-uart does not exist yet: nothing to chainload")
    image, banner = s
    with loader_machine() as m:
        send.Loader(MachineLine(m)).upload(image, ready_timeout=WAIT, answer_timeout=WAIT)
        m.expect(banner, timeout=WAIT)


@check("chainboot-refuses-bad-checksum-then-retry", alone=True)
def chainboot_bad_checksum(_):
    image = built()
    with loader_machine() as m:
        loader = send.Loader(MachineLine(m))
        loader.wait_for([send.READY], WAIT)
        m.send(send.frame_header(len(image)))
        expect_true(loader.wait_for([send.SIZE_OK, send.ERROR], WAIT).startswith(send.SIZE_OK),
                    "the loader accepts the header")
        body = bytearray(send.frame_body(image))
        body[5000] ^= 0x40                         # one bit flipped on the way
        m.send(bytes(body))
        answer = loader.wait_for([send.STARTING, send.ERROR], WAIT)
        expect_true(answer.startswith(b"chainboot: error: checksum"),
                    f"a corrupted transfer is refused, got {answer!r}")
        expect_true(PAYLOAD_BANNER.encode() not in m.transcript, "the corrupted kernel ran")
        loader.upload(image, ready_timeout=WAIT, answer_timeout=WAIT)   # the retry
        m.expect(PAYLOAD_BANNER, timeout=WAIT)


@check("chainboot-refuses-bad-size-then-retry", alone=True)
def chainboot_bad_size(_):
    image = built()
    with loader_machine() as m:
        loader = send.Loader(MachineLine(m))
        ready = loader.wait_for([send.READY], WAIT)
        limit = int(re.search(rb"at most (\d+) bytes", ready).group(1))
        expect_eq(limit, 0x2000000 - 0x80000, "the largest kernel (0x80000 up to the loader)")
        for size in (limit + 1, 0xFFFFFFFF, 0):
            loader.wait_for([send.READY], WAIT)
            m.send(b"noise" + send.frame_header(size))   # garbage before the magic is skipped
            answer = loader.wait_for([send.SIZE_OK, send.ERROR], WAIT)
            expect_true(answer.startswith(b"chainboot: error:") and b"does not fit" in answer,
                        f"size {size} is refused, got {answer!r}")
        loader.upload(image, ready_timeout=WAIT, answer_timeout=WAIT)
        m.expect(PAYLOAD_BANNER, timeout=WAIT)


@check("chainboot-gives-up-a-stalled-frame", alone=True)
def chainboot_stalled(_):
    image = built()
    with loader_machine() as m:
        loader = send.Loader(MachineLine(m))
        loader.wait_for([send.READY], WAIT)
        m.send(send.frame_header(len(image)))
        loader.wait_for([send.SIZE_OK], WAIT)
        m.send(image[:1000])                       # then the sender "dies"
        answer = loader.wait_for([send.STARTING, send.ERROR], 30)
        expect_true(answer.startswith(b"chainboot: error: timed out after 1000 of"),
                    f"a stalled transfer is given up, got {answer!r}")
        loader.upload(image, ready_timeout=WAIT, answer_timeout=WAIT)
        m.expect(PAYLOAD_BANNER, timeout=WAIT)


@check("chainboot-hands-over-x0-x3-core0-el2", alone=True)
def chainboot_handover(_):
    """The loaded kernel must start as if the firmware had started it: core 0, the same
    exception level, the firmware's x0-x3. gdb stops the loader at its first instruction,
    gives x0-x3 recognisable values, and the breakpoint at 0x80000 catches the second arrival
    there, the payload's."""
    image = built()
    values = [0x2EFF2A00, 0x1111, 0x2222, 0x3333]
    with loader_machine(paused=True) as m:
        g = m.gdb
        g.break_at(0x80000)
        expect_eq(g.cont(), 1, "thread (core + 1) that reached the loader")
        for reg, v in enumerate(values):
            g.set_reg(1, reg, v)
        g.ok(f"M{values[0]:x},4:d00dfeed")         # a device tree's magic number where x0 points
        g.resume()
        send.Loader(MachineLine(m)).upload(image, ready_timeout=WAIT, answer_timeout=WAIT)
        thread = g.wait_stop(WAIT)
        expect_eq(thread, 1, "thread (core + 1) that entered the loaded kernel")
        expect_eq(g.reg(1, g.PC), 0x80000, "PC of the loaded kernel's first instruction")
        expect_eq([g.reg(1, r) for r in range(4)], values, "x0-x3 at the kernel's entry")
        expect_eq((g.reg(1, g.CPSR) >> 2) & 3, 2, "exception level at the kernel's entry")
        expect_true(b"device tree at 0x2eff2a00\r\n" in m.transcript,
                    "the loader reports the device tree address it was given")


def jtagboot_rehearsal(step, el):
    """make jtagboot's gdb session, with QEMU's gdbstub standing in for OpenOCD: the board
    runs the chainloader (as it would with the chainboot card), gdb loads the step's ELF,
    starts it at 0x80000 and stops at kernel_main; after gdb detaches, the step prints its
    banner. QEMU's monitor halts the board where OpenOCD's 'monitor halt' would (it is
    OpenOCD's command, so gdb sends QEMU a harmless one). QEMU logs every packet gdb sends
    (-trace gdbstub_io_command): the breakpoint must be a hardware one, Z1, since a software
    breakpoint (Z0) at an upper-half kernel_main cannot be written on a Pi with the MMU off."""
    built()
    s = banner_of(step)
    if s is None:
        raise CheckFailed(f"steps/{step} does not exist yet: nothing to load")
    _, banner = s
    tmp = tempfile.mkdtemp(prefix="jtagboot-")
    sock = os.path.join(tmp, "gdb.sock")
    try:
        with loader_machine(extra=["-gdb", f"unix:{sock},server=on,wait=off",
                                   "-trace", "gdbstub_io_command"]) as m:
            m.expect(send.READY, timeout=WAIT)
            # Halted before gdb connects: a loader polling the UART keeps QEMU's vCPU busy with
            # device accesses, and on a loaded host gdb's first packets then wait too long.
            m.qmp.command("stop")
            out = run(["make", "-s", "jtagboot", f"STEP={step[:2]}", f"JTAG_GDB={sock}",
                       "JTAG_HALT=monitor info status",
                       "GDB_ARGS=-batch -ex 'info registers pc x0 cpsr'"], timeout=4 * WAIT)
            kmain = Step(step).sym("kernel_main")
            expect_true(re.search(r"Breakpoint 1, kernel_main \(\)", out),
                        f"gdb stops at kernel_main: {out[-600:]!r}")
            expect_true(re.search(rf"^pc\s+{kmain:#x}\s", out, re.M),
                        f"pc at kernel_main ({kmain:#x}): {out[-300:]!r}")
            packets = re.findall(r"Received: ([zZ][0-4]),([0-9a-f]+)", m.qemu_output())
            expect_eq(sorted(set(packets)), [("Z1", f"{kmain:x}"), ("z1", f"{kmain:x}")],
                      "breakpoint packets gdb sent (Z1: hardware, inserted and removed)")
            expect_true(re.search(r"^x0\s+0x0\s", out, re.M), f"x0 cleared: {out[-300:]!r}")
            cpsr = int(re.search(r"^cpsr\s+(0x[0-9a-f]+)", out, re.M).group(1), 16)
            expect_eq((cpsr >> 2) & 3, el, "exception level at kernel_main")
            m.expect(banner, timeout=WAIT)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@check("jtagboot-loads-step02-through-gdb", alone=True)
def jtagboot_in_qemu(_):
    """Step 02 runs where it is loaded, at EL2 with the MMU off."""
    jtagboot_rehearsal("02-uart", el=2)


@check("jtagboot-hbreak-upper-half-step04", alone=True)
def jtagboot_upper_half(_):
    """Step 04's kernel_main is at 0xffffff80...: a hardware breakpoint set while the MMU is
    off matches once the kernel has turned it on, at EL1."""
    jtagboot_rehearsal("04-mmu", el=1)


# --------------------------------------------------------------------------------------------
# The sender's serial-device path, against a fake loader on a pseudo-terminal


@check("send-py-serial-device-and-retry", alone=True)
def send_py_pty(_):
    """send.py --dev on a pty: the termios set-up works, the frame is what README.md says, and
    a refusal makes it try again."""
    image = bytes(range(256)) * 8
    master, slave = pty.openpty()
    name = os.ttyname(slave)
    os.close(slave)
    img = tempfile.NamedTemporaryFile(suffix=".img", delete=False)
    img.write(image)
    img.close()
    proc = subprocess.Popen([sys.executable, os.path.join(TOP, "tools/chainboot/send.py"),
                             "--dev", name, "--no-term", "--wait", str(WAIT), "--retries", "2",
                             img.name], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    buf = bytearray()

    def read_exact(n, timeout=WAIT):
        end = time.monotonic() + timeout
        while len(buf) < n:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([master], [], [], left)
            if r:
                buf.extend(os.read(master, 65536))
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def announce_until_header():
        """Say "ready" every half second, as the loader does, until the header comes."""
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            os.write(master, b"chainboot: ready for a BOOT frame of at most 1000000 bytes\r\n")
            header = read_exact(8, timeout=0.5)
            if header is not None:
                return header
        raise CheckFailed(f"no frame header from send.py within {WAIT} s, got {bytes(buf[:64])!r}")

    try:
        # Until send.py has put the line in raw mode, the pty would echo what we write.
        end = time.monotonic() + WAIT
        while termios.tcgetattr(master)[3] & termios.ECHO:
            expect_true(time.monotonic() < end and proc.poll() is None,
                        "send.py did not set the serial line up")
            time.sleep(0.01)
        for attempt in (1, 2):
            expect_eq(announce_until_header(), b"BOOT" + struct.pack("<I", len(image)),
                      "frame header")
            os.write(master, b"chainboot: size ok, send 2048 bytes and the CRC-32\r\n")
            body = read_exact(len(image) + 4) or b""
            expect_eq(body[:-4], image, "frame body: the image, unchanged by the tty")
            expect_eq(struct.unpack("<I", body[-4:])[0], zlib.crc32(image), "CRC-32 trailer")
            if attempt == 1:
                os.write(master, b"chainboot: error: checksum 0x1 but the frame says 0x2\r\n")
            else:
                os.write(master, b"chainboot: checksum ok, starting the kernel\r\n")
        out, err = proc.communicate(timeout=WAIT)
        expect_eq(proc.returncode, 0, f"send.py's exit status (stderr: {err[-300:]!r})")
        expect_true(b"refused (attempt 1 of 2)" in err, f"send.py reports the refusal: {err!r}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.unlink(img.name)


# --------------------------------------------------------------------------------------------
# JTAG


@check("openocd-config-parses", alone=True)
def openocd_config(_):
    """No probe here: the dummy adapter stands in, OpenOCD reads the configuration and lists
    what it made, then shuts down before touching the (absent) JTAG chain."""
    script = ('foreach t [target names] { echo "target $t [$t cget -type] '
              '[$t cget -gdb-port] [format 0x%x [$t cget -dbgbase]]" }; '
              'echo "ctis [cti names]"; shutdown')
    r = subprocess.run(["openocd", "-f", "interface/dummy.cfg", "-f", "tools/openocd/rpi3.cfg",
                        "-c", script], capture_output=True, text=True, timeout=30, cwd=TOP)
    out = r.stdout + r.stderr
    expect_eq(r.returncode, 0, f"openocd's exit status ({out[-500:]!r})")
    expect_true("Error" not in out, f"openocd reported an error: {out[-500:]!r}")
    got = re.findall(r"^target (\S+) (\S+) (\d+) (0x[0-9a-f]+)$", out, re.M)
    want = [(f"rpi3.cpu{n}", "aarch64", str(3333 + n), hex(0x80010000 + 0x2000 * n))
            for n in range(4)]
    expect_eq(got, want, "targets (name, type, gdb port, debug base)")
    expect_true("ctis rpi3.cti0 rpi3.cti1 rpi3.cti2 rpi3.cti3" in out, f"CTIs: {out[-300:]!r}")
