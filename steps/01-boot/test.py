"""Step 01 checks: core 0 reaches C at EL2, .bss is zeroed, the other cores stay parked.

There is no UART yet, so everything is read through QEMU's gdbstub and monitor. Every later
step inherits these checks (common/test/README.md); the facts below are what they assume.
"""
import time

from boot import C_MODES, GARBAGE, el_of, pcs, start
from harness import CheckFailed, check, expect_eq, expect_true, facts

facts(c_mode="el2")      # C runs at EL2 (boot.py: C_MODES); step 04 moves it to EL1t

BOOT_MAGIC = int.from_bytes(b"BOOTED!!", "little")


@check("c-entry-on-core0-at-{c_mode}")
def c_entry(step):
    """kernel_main is entered on core 0 first, in the mode the step declares; from step 04
    at its upper-half address, which a breakpoint can only hit once the MMU is on."""
    el, mode = C_MODES[step.facts.c_mode]
    with start(step) as m:
        m.gdb.break_at(step.sym("kernel_main"))
        thread = m.gdb.cont()
        expect_eq(thread, 1, "thread (core + 1) that reached kernel_main first")
        cpsr = m.gdb.reg(thread, m.gdb.CPSR)
        expect_eq(el_of(cpsr), el, f"exception level at kernel_main (CPSR={cpsr:#x})")
        if mode is not None:
            expect_eq(cpsr & 0xF, mode, f"PSTATE.M at kernel_main (CPSR={cpsr:#x})")
        expect_eq(m.gdb.reg(thread, m.gdb.PC), step.sym("kernel_main"), "PC at the breakpoint")


@check("bss-zeroed-before-c")
def bss_zeroed(step):
    """.bss is zero at kernel_main. A step with translation tables at the start of .bss
    (__pgtables_start, step 04 on) has descriptors there by then: not one of their words may
    be left-over garbage."""
    start_, end = step.sym("__bss_start"), step.sym("__bss_end")
    zero_from = start_
    tables = step.symbols.get("__pgtables_start")
    if tables is not None:
        zero_from = step.sym("__pgtables_end")
        expect_eq(tables, start_, "the tables are at the start of .bss")
    with start(step, prefill_bss=True) as m:
        before = m.read_phys(step.pa(start_), end - start_)
        expect_eq(set(before), {GARBAGE}, ".bss before boot (the prefill must be there, "
                                          "or this check proves nothing)")
        m.gdb.break_at(step.sym("kernel_main"))
        m.gdb.cont()
        after = m.read_phys(step.pa(zero_from), end - zero_from)
        nonzero = sum(1 for b in after if b)
        expect_eq(nonzero, 0, f"non-zero bytes in .bss [{zero_from:#x}, {end:#x}) at kernel_main")
        if tables is not None:
            table_bytes = m.read_phys(step.pa(tables), zero_from - tables)
            words = {table_bytes[i:i + 8] for i in range(0, len(table_bytes), 8)}
            expect_true(bytes([GARBAGE]) * 8 not in words, "a garbage word left in the tables")


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
        end = time.monotonic() + 60
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
                raise CheckFailed(f"cores not parked after 60 s: PCs {where} "
                                  f"(park is [{park:#x}, {park_end:#x}))")


@check("boot-record")
def boot_record(step):
    """What kernel_main recorded, read through the QEMU monitor while the kernel runs."""
    magic, el, core, nonzero = step.addresses("boot.magic", "boot.el", "boot.core",
                                              "boot.bss_nonzero")
    with step.boot(serial=False, timeout=60) as m:
        end = time.monotonic() + 30
        while m.read_u64(magic) != BOOT_MAGIC:
            if time.monotonic() > end:
                raise CheckFailed(f"boot.magic at {magic:#x}: expected {BOOT_MAGIC:#x}, "
                                  f"got {m.read_u64(magic):#x}")
            time.sleep(0.01)
        words = [m.read_u64(a) for a in (el, core, nonzero)]
        expect_eq(words, [2, 0, 0], "boot record {el, core, bss_nonzero}")
        hb = step.sym("heartbeat")
        first = m.read_u64(hb)
        while m.read_u64(hb) == first:
            if time.monotonic() > end:
                raise CheckFailed(f"heartbeat stuck at {first}")
            time.sleep(0.01)
