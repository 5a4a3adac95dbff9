#!/usr/bin/env python3
"""Build an SD-card image for a Raspberry Pi 3 without root: an MBR with one FAT32 partition
holding config.txt, kernel8.img, README.txt and, when given, the Pi's firmware files and the
Pi 3's device trees.

    mksd.py --kernel build/02-uart/kernel8.img --what "step 02-uart" \\
            --rebuild "make sdimage STEP=02" [--firmware DIR] build/sd/02-uart.img

The filesystem is made by mkfs.vfat and filled by mtools (mcopy) directly inside the image
file, at the partition's offset: no loop device, no mount. Every tool runs with a time-out.
"""

import argparse
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# ANCHOR: layout
SECTOR = 512
PART_START = 2048                 # first sector of the partition: 1 MiB, as SD cards like
PART_SECTORS = 64 * 2048          # 64 MiB: comfortably above FAT32's minimum of 65525 clusters
FAT32_LBA = 0x0C                  # partition type "FAT32, LBA-addressed", which the Pi reads
FIRMWARE = ("bootcode.bin", "start.elf", "fixup.dat")   # a Pi 3 boots with nothing less
DEVICE_TREES = ("bcm2710-rpi-3-b.dtb", "bcm2710-rpi-3-b-plus.dtb")  # x0 points at one, or is 0
# ANCHOR_END: layout


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit(f"mksd.py: {' '.join(cmd)} failed:\n{r.stdout}{r.stderr}")


# ANCHOR: mbr
def mbr():
    """A master boot record with one bootable FAT32 partition, as a 512-byte sector.
    Addresses are LBA (sector numbers); the CHS fields get the "too large" value 1023/254/63,
    which every reader of a disk this size ignores."""
    chs_max = bytes([0xFE, 0xFF, 0xFF])
    entry = struct.pack("<B3sB3sII", 0x80, chs_max, FAT32_LBA, chs_max,
                        PART_START, PART_SECTORS)
    return bytes(446) + entry + bytes(16 * 3) + b"\x55\xaa"
# ANCHOR_END: mbr


# ANCHOR: check_firmware
def check_firmware(folder):
    """The Pi 3's boot files in `folder`, or exit naming what is missing and listing what is
    there: a folder meant for another Pi (start4.elf, no bootcode.bin) is the usual mistake,
    and a card made from it would boot nothing, without a word."""
    if not os.path.isdir(folder):
        sys.exit(f"mksd.py: FIRMWARE={folder} is not a directory")
    names = sorted(os.listdir(folder))
    missing = [f for f in FIRMWARE if f not in names]
    if not missing:
        return FIRMWARE
    boot = [n for n in names if n.endswith((".bin", ".elf", ".dat"))]
    dtbs = [n for n in names if n.endswith(".dtb")]
    found = ", ".join(boot) or "no .bin, .elf or .dat file"
    if dtbs:
        found += f", {len(dtbs)} .dtb file" + ("s" if len(dtbs) > 1 else "")
    hint = ""
    if any(n.startswith(("start4", "fixup4")) for n in names):
        hint = ("\n         start4*.elf and fixup4*.dat are a Raspberry Pi 4's firmware; a Pi 3 "
                "needs start.elf and fixup.dat")
    sys.exit(f"mksd.py: error: FIRMWARE={folder} lacks {', '.join(missing)}, which a "
             f"Raspberry Pi 3 needs to boot.\n         It holds: {found}.{hint}\n"
             f"         All of them are in the raspberrypi/firmware repository, folder boot/.")
# ANCHOR_END: check_firmware


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kernel", required=True, help="kernel8.img to put on the card")
    ap.add_argument("--what", required=True, help="what the kernel is, for README.txt")
    ap.add_argument("--rebuild", required=True, help="the make command that built this card")
    ap.add_argument("--firmware", help="directory with bootcode.bin, start.elf, fixup.dat "
                    "and (optional) the Pi 3's .dtb files")
    ap.add_argument("out", help="image file to write")
    args = ap.parse_args()

    firmware = []
    trees = []
    if args.firmware:
        firmware = [os.path.join(args.firmware, f) for f in check_firmware(args.firmware)]
        trees = [f for f in DEVICE_TREES if os.path.isfile(os.path.join(args.firmware, f))]
        firmware += [os.path.join(args.firmware, f) for f in trees]

    note = ("bootcode.bin, start.elf, fixup.dat"
            + "".join(", " + t for t in trees) + " from " + os.path.abspath(args.firmware)
            if firmware else "MISSING (bootcode.bin, start.elf, fixup.dat): see below")
    with open(os.path.join(HERE, "README.txt")) as f:
        readme = (f.read().replace("@WHAT@", args.what).replace("@FIRMWARE@", note)
                  .replace("@REBUILD@", args.rebuild))

    with open(os.path.join(HERE, "config.txt")) as f:   # the book's ANCHOR markers stay home
        config = "".join(line for line in f if "ANCHOR" not in line)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    staged = {"config.txt": args.out + ".config.txt", "README.txt": args.out + ".README.txt"}
    with open(staged["config.txt"], "w") as f:
        f.write(config)
    with open(staged["README.txt"], "w", newline="\r\n") as f:  # CR LF: readable anywhere
        f.write(readme)
    files = [(staged["config.txt"], "config.txt"), (staged["README.txt"], "README.txt"),
             (args.kernel, "kernel8.img")] + [(p, os.path.basename(p)) for p in firmware]

    # ANCHOR: build
    with open(tmp, "wb") as f:                    # the whole card, as a sparse file
        f.write(mbr())
        f.truncate((PART_START + PART_SECTORS) * SECTOR)
    # FAT32 inside the partition; -h: the sectors before it, recorded in the boot sector.
    run(["mkfs.vfat", "-F", "32", "-n", "BOOTBOOK", "--offset", str(PART_START),
         "-h", str(PART_START), tmp, str(PART_SECTORS * SECTOR // 1024)])
    # mtools reaches a filesystem inside a file as FILE@@BYTE-OFFSET; ::NAME is a file on it.
    for src, name in files:
        run(["mcopy", "-i", f"{tmp}@@{PART_START * SECTOR}", src, "::" + name])
    # ANCHOR_END: build
    for path in staged.values():
        os.remove(path)
    os.replace(tmp, args.out)

    print(f"sdimage: {args.out} ({(PART_START + PART_SECTORS) * SECTOR // 2**20} MiB): "
          f"config.txt, README.txt, kernel8.img ({args.what})"
          + "".join(", " + os.path.basename(p) for p in firmware))
    if firmware and len(trees) < len(DEVICE_TREES):
        print("sdimage: note: no " + " or ".join(t for t in DEVICE_TREES if t not in trees)
              + " in " + args.firmware + ":\n         on a Pi that needs it, the firmware "
              "passes no device tree and x0 is 0 (the book's kernels do not need one)")
    if not firmware:
        print("sdimage: note: the Pi's firmware (bootcode.bin, start.elf, fixup.dat) is not on "
              "the card.\n         Get them from the raspberrypi/firmware repository, folder "
              "boot/, and run\n         " + args.rebuild + " FIRMWARE=that-folder")
    print(f"sdimage: write it with: dd if={args.out} of=/dev/sdX bs=4M conv=fsync "
          "(sdX: the card, check with lsblk)")


if __name__ == "__main__":
    main()
