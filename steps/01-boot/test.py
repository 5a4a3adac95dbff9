"""Step 01 checks: core 0 reaches C at EL2, .bss is zeroed, the other cores stay parked.

There is no UART yet, so everything is read through QEMU's gdbstub and monitor.
"""
import os
import time

from harness import CheckFailed, check, expect_eq, expect_true

BOOT_MAGIC = int.from_bytes(b"BOOTED!!", "little")
SPIN_TABLE = {2: 0xE0, 3: 0xE8, 4: 0xF0}  # gdb thread (core + 1) -> its firmware spin-table slot
GARBAGE = 0xA5


def el_of(cpsr):
    return (cpsr >> 2) & 3  # PSTATE.EL, as SPSR/CPSR.M[3:2]


def start(step, prefill_bss=False):
    """QEMU paused before the first instruction, gdb attached. With prefill_bss, the .bss range
    is filled with 0xA5 bytes before boot (QEMU's generic loader device), so a kernel that
    forgot to clear it would be caught. Cores 1-3 are released towards 0x80000 through the
    spin table, as the real firmware would if something woke them: parking must hold anyway."""
    extra = []
    if prefill_bss:
        start_, end = step.sym("__bss_start"), step.sym("__bss_end")
        expect_true(end > start_, ".bss is empty, so the zeroing cannot be tested")
        path = os.path.join(step.build, "bss-garbage.bin")
        with open(path, "wb") as f:
            f.write(bytes([GARBAGE]) * (end - start_))
        extra = ["-device", f"loader,file={path},addr={start_:#x},force-raw=on"]
    m = step.boot(serial=False, paused=True, timeout=60, extra=extra)
    for slot in SPIN_TABLE.values():
        m.gdb.write_mem(slot, (0x80000).to_bytes(8, "little"))
    return m


@check("c-entry-on-core0-at-el2")
def c_entry(step):
    with start(step) as m:
        m.gdb.break_at(step.sym("kernel_main"))
        thread = m.gdb.cont()
        expect_eq(thread, 1, "thread (core + 1) that reached kernel_main first")
        cpsr = m.gdb.reg(thread, m.gdb.CPSR)
        expect_eq(el_of(cpsr), 2, f"exception level at kernel_main (CPSR={cpsr:#x})")
        expect_eq(m.gdb.reg(thread, m.gdb.PC), step.sym("kernel_main"), "PC at the breakpoint")


@check("bss-zeroed-before-c")
def bss_zeroed(step):
    start_, end = step.sym("__bss_start"), step.sym("__bss_end")
    with start(step, prefill_bss=True) as m:
        before = m.gdb.read_mem(start_, end - start_)
        expect_eq(set(before), {GARBAGE}, ".bss before boot (the prefill must be there, "
                                          "or this check proves nothing)")
        m.gdb.break_at(step.sym("kernel_main"))
        m.gdb.cont()
        after = m.gdb.read_mem(start_, end - start_)
        nonzero = sum(1 for b in after if b)
        expect_eq(nonzero, 0, f"non-zero bytes in .bss [{start_:#x}, {end:#x}) at kernel_main")


@check("cores-1-3-parked")
def cores_parked(step):
    """Cores 1-3 are released at 0x80000 but must end in park, and none may reach C.
    The kernel runs in slices of 100,000 heartbeats; after each, every core is stopped and
    looked at. A core may still be in QEMU's firmware stub or on its way through boot.S, so
    the check repeats until all three are parked (or the time runs out)."""
    park, park_end = step.sym("park"), step.sym("park_end")
    main, hb = step.sym("kernel_main"), step.sym("heartbeat")
    with start(step) as m:
        expect_eq(m.gdb.threads(), [1, 2, 3, 4], "gdb threads (one per core)")
        m.gdb.break_at(main)  # stays in place: any core entering C stops there
        expect_eq(m.gdb.cont(), 1, "thread that reached kernel_main")
        end = time.monotonic() + 20
        while True:
            target = m.read_u64(hb) + 100_000
            m.gdb.resume()
            while m.read_u64(hb) < target:
                if time.monotonic() > end:
                    m.gdb.interrupt()
                    raise CheckFailed("the heartbeat stopped advancing (did a core stop at "
                                      f"kernel_main? PCs: {pcs(m)})")
                time.sleep(0.005)
            m.gdb.interrupt()
            where = pcs(m)
            for core, pc in where.items():
                expect_true(pc != main, f"core {core} reached kernel_main")
                expect_true(pc < 0x1000 or step.sym("_start") <= pc < park_end,
                            f"core {core} is outside boot.S and park: PC {pc:#x}")
            if all(park <= pc < park_end for pc in where.values()):
                return
            if time.monotonic() > end:
                raise CheckFailed(f"cores not parked after 20 s: PCs {where} "
                                  f"(park is [{park:#x}, {park_end:#x}))")


def pcs(m):
    """Core number -> PC, for cores 1-3 (all cores must be stopped)."""
    return {t - 1: m.gdb.reg(t, m.gdb.PC) for t in SPIN_TABLE}


@check("boot-record")
def boot_record(step):
    """What kernel_main recorded, read through the QEMU monitor while the kernel runs."""
    boot = step.sym("boot")
    with step.boot(serial=False, timeout=30) as m:
        end = time.monotonic() + 10
        while m.read_u64(boot) != BOOT_MAGIC:
            if time.monotonic() > end:
                raise CheckFailed(f"boot.magic at {boot:#x}: expected {BOOT_MAGIC:#x}, "
                                  f"got {m.read_u64(boot):#x}")
            time.sleep(0.01)
        words = [m.read_u64(boot + 8 * i) for i in range(4)]
        expect_eq(words[1:], [2, 0, 0], "boot record {el, core, bss_nonzero}")
        hb = step.sym("heartbeat")
        first = m.read_u64(hb)
        while m.read_u64(hb) == first:
            if time.monotonic() > end:
                raise CheckFailed(f"heartbeat stuck at {first}")
            time.sleep(0.01)
