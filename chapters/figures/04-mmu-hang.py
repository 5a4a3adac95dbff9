#!/usr/bin/env python3
"""Chapter 04's "When it hangs": the three tools, run against a step 04 kernel that really hangs.

The bug is planted, not typed into the source: gdb stops the kernel at mmu_enable (the tables are
built, the MMU is still off), writes 0 over l1_identity[0], and lets it go on. That is the kernel a
reader gets by forgetting the identity map: the first instruction fetched with the MMU on faults,
and so does every fetch of the vector that should report it. Nothing reaches the serial line.

One QEMU run, as `make gdb` starts it (paused, gdbstub on a unix socket), under -icount shift=0,
with `-d int,mmu,guest_errors -D LOG`. gdb-multiarch, not interactive, plants the bug, then stops
the second time the core reaches the vector (where Ctrl-C would find it, but on the same
instruction on every build), and runs the chapter's commands; `monitor info registers` is the
QEMU monitor's own command, passed through the gdbstub. Three Markdown `text` blocks come out:

    04-mmu-hang.py STEP OUTDIR    writes OUTDIR/04-mmu-hang-{log,monitor,gdb}.md
                                  and OUTDIR/04-mmu-early-report.md

The log block is QEMU's log, whole (two exceptions: the run stops there); the monitor block is
`(qemu) info registers` and its answer; the gdb block is each command after a `(gdb) ` prompt.

The fourth block is what a mistake the early vectors can report prints: a second boot, through
the test harness (common/test/boot.py), where gdb empties l1_kernel[0] instead, so the jump to
high_entry faults with the identity map still in place; the block is the serial line's text.
"""

import os
import re
import subprocess
import sys
import tempfile

import qemugdb  # chapters/figures/qemugdb.py, beside this file

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "common", "test"))
from boot import start  # noqa: E402
from harness import Step  # noqa: E402

# {first}: where the first exception was taken (the log's first ELR), as a kernel address.
GDB_COMMANDS = ("p/x $ESR_EL1", "p/x $ELR_EL1", "x/i $pc", "bt", "info symbol $pc + {kbase:#x}",
                "info line *{first:#x}", "p/x l1_identity[0]", "p/x l1_kernel[0]")


def first_fault(step):
    """The instruction after mmu_enable's write to SCTLR_EL1: the first one fetched with the MMU
    on, so the one whose fetch faults (its physical address: the PC is still physical)."""
    dis = subprocess.run([os.environ.get("OBJDUMP", "aarch64-linux-gnu-objdump"), "-d",
                          "--disassemble=mmu_enable", step.elf],
                         capture_output=True, text=True, check=True).stdout
    rows = re.findall(r"^\s*([0-9a-f]+):\s+[0-9a-f]{8}\s+(.*)$", dis, re.M)
    for (addr, insn), (after, _) in zip(rows, rows[1:]):
        if re.match(r"msr\s+sctlr_el1,", insn):
            return step.pa(int(after, 16))
    sys.exit("04-mmu-hang.py: no msr sctlr_el1 in mmu_enable")


def block(lines):
    return "```text\n" + "\n".join(line.rstrip().expandtabs(8) for line in lines) + "\n```\n"


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def early_report(step):
    """The serial text of a boot whose l1_kernel[0] gdb empties before mmu_enable."""
    with start(step, serial=True) as m:
        m.gdb.break_at(step.pa(step.sym("mmu_enable")))
        m.gdb.cont()
        m.gdb.write_mem(step.pa(step.sym("l1_kernel")), bytes(8))
        m.gdb.resume()
        m.expect("*** kernel panic: core 0 halted\r\n", timeout=30)
        text = m.transcript.decode().replace("\r", "")
    return text.strip("\n").split("\n")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    name, outdir = sys.argv[1], sys.argv[2]
    step = Step(name)
    kbase = step.kbase
    enable = step.pa(step.sym("mmu_enable"))
    identity = step.pa(step.sym("l1_identity"))
    vector = step.pa(step.sym("early_vectors")) + 0x200   # current EL with SP_EL1, synchronous
    first = first_fault(step)
    with tempfile.TemporaryDirectory(prefix="04-mmu-hang-") as tmp:
        log = os.path.join(tmp, "qemu.log")
        with qemugdb.paused(step.img, tmp, "04-mmu-hang.py",
                            ("-d", "int,mmu,guest_errors", "-D", log)) as sock:
            gdb = [os.environ.get("GDB", "gdb-multiarch"), "-q", "-nx", step.elf]
            hidden = ("set confirm off", "set pagination off", "set filename-display basename",
                      f"target remote {sock}", f"break *{enable:#x}", "continue",
                      f"set {{unsigned long}}{identity:#x} = 0", "delete", f"break *{vector:#x}",
                      "continue", "continue", "echo @@gdb\\n")
            shown = [c.format(kbase=kbase, first=first + kbase) for c in GDB_COMMANDS]
            for c in hidden:
                gdb += ["-ex", c]
            for c in shown:
                gdb += ["-ex", "echo (gdb) " + c.replace("\\", "\\\\") + "\\n", "-ex", c]
            gdb += ["-ex", "echo @@monitor\\n", "-ex", "monitor info registers",
                    "-ex", "echo @@end\\n", "-ex", "kill", "-ex", "quit"]
            r = subprocess.run(gdb, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=60, cwd=tmp, stdin=subprocess.DEVNULL)
        with open(log) as f:
            logged = f.read().split("\n")
    out = r.stdout.split("\n")
    if r.returncode != 0 or "@@gdb" not in out or "@@end" not in out:
        sys.exit(f"04-mmu-hang.py: unexpected gdb output ({r.returncode}):\n{r.stdout}")
    session = out[out.index("@@gdb") + 1:out.index("@@monitor")]
    monitor = out[out.index("@@monitor") + 1:out.index("@@end")]
    while logged and not logged[-1].strip():
        logged.pop()
    elrs = [line for line in logged if line.startswith("...with ELR ")]
    if not elrs or elrs[0] != f"...with ELR {first:#x}":
        sys.exit(f"04-mmu-hang.py: the first exception is not at {first:#x}:\n" + "\n".join(logged))
    os.makedirs(outdir, exist_ok=True)
    write(os.path.join(outdir, "04-mmu-hang-log.md"), block(logged))
    write(os.path.join(outdir, "04-mmu-hang-monitor.md"), block(["(qemu) info registers"] + monitor))
    write(os.path.join(outdir, "04-mmu-hang-gdb.md"), block(session))
    write(os.path.join(outdir, "04-mmu-early-report.md"), block(early_report(step)))


if __name__ == "__main__":
    main()
