"""Step 04 checks: the vector table and its decoded fault reports, the page tables (read
back through the `pt` walk, the MMU's own AT instruction and guest memory), W^X, and the
position-independent early C; steps 01-03's checks are inherited, now against a kernel that runs
at EL1t in the upper half (facts c_mode, and step.kbase from the ELF).
"""
import os
import re
import subprocess

from boot import start as boot_start
from console import command, console, field, hex_field
from harness import (OBJDUMP, READELF, CheckFailed, check, exercise, expect_eq, expect_true,
                     extends, facts)
from mmu import PANIC, fault, pt

parent = extends("03-framebuffer")
facts(
    title="exceptions, page tables and caches",
    c_mode="el1t",                # C runs at EL1 on SP_EL0 from here on
    commands=parent.commands + ("pt", "fault", "svc"),
)



@check("mmu-and-caches-on")
def mmu_on(step):
    """`info` shows SCTLR_EL1; the test decodes M, C and I itself."""
    with console(step) as m:
        out = command(m, "info")
    sctlr = hex_field(out, "SCTLR_EL1")
    for bit, name in ((0, "M (MMU)"), (2, "C (data cache)"), (12, "I (instruction cache)")):
        expect_true(sctlr >> bit & 1, f"SCTLR_EL1.{name} is 0 (SCTLR_EL1={sctlr:#x})")
    expect_true("MMU on, data cache on, instruction cache on" in out, f"info's decoding: {out!r}")


@check("pt-text-rodata-data")
def pt_kernel(step):
    """The kernel's own pages: .text r-x, .rodata r--, .bss rw-, Normal write-back, at
    VA - KBASE; and the MMU's own answer agrees."""
    main, ro, rw = step.sym("kernel_main"), step.sym("__rodata_start"), step.sym("boot_frame")
    with console(step) as m:
        for va, el1 in ((main, "r-x"), (ro, "r--"), (rw, "rw-")):
            out, got = pt(m, va)
            expect_eq(got, ("4 KiB page", step.pa(va), "Normal write-back", 1, el1, "---"),
                      f"pt {va:#x}: (size, PA, type, AttrIndx, EL1, EL0)")
            expect_true(re.search(rf"AT S1E1R: PA {step.pa(va):#x}(\r|$)", out),
                        f"the MMU's own answer for {va:#x}: {out!r}")


@check("pt-device-and-framebuffer")
def pt_device(step):
    """The mini UART and the local controller are Device-nGnRnE blocks; the framebuffer is
    Normal non-cacheable (what fb_init asked for)."""
    with console(step) as m:
        _, uart = pt(m, step.kbase + 0x3F215040)
        _, local = pt(m, step.kbase + 0x40000040)
        _, screen = pt(m, step.kbase + 0x3C100000)
    expect_eq(uart, ("2 MiB block", 0x3F215040, "Device-nGnRnE", 0, "rw-", "---"),
              "pt of the mini UART's IO register")
    expect_eq(local, ("2 MiB block", 0x40000040, "Device-nGnRnE", 0, "rw-", "---"),
              "pt of the local controller")
    expect_eq(screen, ("2 MiB block", 0x3C100000, "Normal non-cacheable", 2, "rw-", "---"),
              "pt of the framebuffer")


@check("pt-unmapped")
def pt_unmapped(step):
    """Holes stop the walk at level 1, 2 and 3 (a guard page); the lower half has no tables
    after boot. The MMU agrees each time."""
    with console(step) as m:
        outs = [(pt(m, step.kbase + 0xC0000000)[0], 1), (pt(m, step.kbase + 0x40200000)[0], 2),
                (pt(m, step.sym("__boot_stack_guard"))[0], 3)]
        low = pt(m, 0x80000)[0]
    for out, level in outs:
        field(out, rf"L{level}\[ *\d+\] = 0x0{{16}}  invalid: translation fault, level {level}",
              f"the walk stopping at level {level}")
        field(out, r"AT S1E1R: fault", f"the MMU's answer for a level-{level} hole")
    field(low, r"TCR_EL1.EPD0 = 1", "the lower half after boot (identity map removed)")
    field(low, r"AT S1E1R: fault", "the MMU's answer for 0x80000 in the lower half")


@check("w-xor-x-in-the-tables")
def w_xor_x(step):
    """Every descriptor reachable from l1_kernel, read from guest memory: nothing writable is
    executable at EL1, nothing is reachable from EL0 (neither AP[1], EL0 access, nor UXN clear:
    EL0 may execute a page it cannot read, Arm ARM D5, "Memory access control"), .text is
    read-only and executable, and the two guard pages are not mapped."""
    leaves = []
    with console(step) as m:
        def walk(table, level, va):
            data = m.read_phys(table, 4096)
            for i in range(512):
                d = int.from_bytes(data[8 * i:8 * i + 8], "little")
                shift = 12 + 9 * (3 - level)
                if not d & 1 or (level == 3 and not d & 2):
                    continue
                if level < 3 and d & 2:
                    walk(d & 0xFFFFFFFFF000, level + 1, va + (i << shift))
                else:
                    leaves.append((va + (i << shift), d))
        walk(step.pa(step.sym("l1_kernel")), 1, step.kbase)
    text, rodata = step.sym("__text_start"), step.sym("__rodata_start")
    bad = []
    for va, d in leaves:
        writable, pxn, el0, uxn = not d >> 7 & 1, d >> 53 & 1, d >> 6 & 1, d >> 54 & 1
        if writable and not pxn:
            bad.append(f"{va:#x} is writable and executable ({d:#x})")
        if el0:
            bad.append(f"{va:#x} is reachable from EL0 ({d:#x})")
        elif not uxn:
            bad.append(f"{va:#x} is executable at EL0: UXN is clear ({d:#x})")
        if text <= va < rodata and (writable or pxn):
            bad.append(f"{va:#x} (.text) is not read-only and executable ({d:#x})")
    mapped = {va for va, _ in leaves}
    for guard in ("__kstack_guard", "__boot_stack_guard"):
        if step.sym(guard) in mapped:
            bad.append(f"the guard page {guard} is mapped")
    expect_true(len(leaves) > 500, f"only {len(leaves)} mappings reachable from l1_kernel")
    expect_eq(bad, [], "mappings that break the rules")


@check("fault-write-text")
def fault_write_text(step):
    main = step.sym("kernel_main")
    out = fault(step, f"fault write {main:#x}")
    field(out, r"class   data abort, same EL \(EC 0x25\)", "exception class")
    field(out, r"permission fault, level 3 \(DFSC 0x0f\), write \(WnR=1\)", "fault status")
    expect_eq(hex_field(out, "FAR_EL1"), main, "FAR_EL1")


@check("fault-exec-data")
def fault_exec_data(step):
    code = step.sym("code_in_data")
    out = fault(step, "fault exec")
    field(out, r"class   instruction abort, same EL \(EC 0x21\)", "exception class")
    field(out, r"permission fault, level 3 \(IFSC 0x0f\)", "fault status")
    expect_eq(hex_field(out, "FAR_EL1"), code, "FAR_EL1")
    expect_eq(hex_field(out, "ELR_EL1"), code, "ELR_EL1")


@check("fault-read-unmapped")
def fault_read_unmapped(step):
    """A hole in the upper half stops at level 2; NULL, in the empty lower half, at level 0."""
    for addr, level in ((step.kbase + 0x40200000, 2), (0, 0)):
        out = fault(step, f"fault read {addr:#x}")
        field(out, r"class   data abort, same EL \(EC 0x25\)", f"exception class reading {addr:#x}")
        field(out, rf"translation fault, level {level} \(DFSC 0x0{4 + level}\), read \(WnR=0\)",
              f"fault status reading {addr:#x}")
        expect_eq(hex_field(out, "FAR_EL1"), addr, "FAR_EL1")


@check("fault-undef")
def fault_undef(step):
    out = fault(step, "fault undef")
    field(out, r"class   undefined instruction \(unknown reason\) \(EC 0x00\)", "exception class")
    elr = hex_field(out, "ELR_EL1")
    dis = subprocess.run([OBJDUMP, "-d", f"--start-address={elr:#x}",
                          f"--stop-address={elr + 4:#x}", step.elf],
                         capture_output=True, text=True).stdout
    expect_true(re.search(r"\budf\b", dis), f"ELR_EL1 {elr:#x} is not a udf:\n{dis[-300:]}")


@check("fault-align")
def fault_align(step):
    code = step.sym("code_in_data")
    out = fault(step, "fault align")
    field(out, r"class   data abort, same EL \(EC 0x25\)", "exception class")
    field(out, r"alignment fault \(DFSC 0x21\)", "fault status")
    expect_eq(hex_field(out, "FAR_EL1"), code + 1, "FAR_EL1")


@check("fault-stack-hits-guard-page")
def fault_stack(step):
    """The boot stack runs into its guard page; the report comes anyway, because the handler
    runs on another stack."""
    guard = step.sym("__boot_stack_guard")
    out = fault(step, "fault stack")
    field(out, r"synchronous exception from current EL with SP_EL0", "the vector taken")
    field(out, r"translation fault, level 3 \(DFSC 0x07\), write \(WnR=1\)", "fault status")
    far = hex_field(out, "FAR_EL1")
    expect_true(guard <= far < guard + 4096, f"FAR_EL1 {far:#x} is not in the guard page "
                                             f"{guard:#x}")
    expect_true(guard <= hex_field(out, "sp_el0") < guard + 4096 + 512,
                "SP_EL0 at the fault is not at the bottom of the boot stack")
    field(out, r"guard page below the boot stack: stack overflow", "the report's diagnosis")


@check("panic-halts")
def panic_halts(step):
    """The report names all 31 registers, and after it the console answers nothing."""
    with console(step) as m:
        m.send("fault undef\r")
        m.expect(PANIC, timeout=20)
        report = m.transcript.decode(errors="replace")
        for i in range(31):
            field(report, rf"x{i} +0x[0-9a-f]{{16}}", f"x{i} in the report")
        field(report, r"sp_el0 0x[0-9a-f]{16}", "SP_EL0 in the report")
        m.mark()
        m.send("echo alive\r")
        try:
            # A live console answers in well under a millisecond; the halted core spins in wfe
            # (QEMU runs it as a yield), so each second of waiting is a second of CPU.
            m.expect("alive", timeout=0.2)
        except CheckFailed:
            return
        raise CheckFailed("the console still answers after a panic")


@check("svc-returns")
def svc_returns(step):
    """svc from EL1t goes through the vector table and comes back, twice."""
    with console(step) as m:
        first, second = command(m, "svc"), command(m, "svc")
    expect_true("svc #0x42 returned x0 = 0x42, 1 so far" in first, f"first svc: {first!r}")
    expect_true("svc #0x42 returned x0 = 0x42, 2 so far" in second, f"second svc: {second!r}")


@check("early-c-is-position-independent")
def early_c(step):
    """mmu_build_tables and mmu_enable run at the physical load address, so mmu.c may refer
    to addresses only relative to the PC: an absolute relocation would be a link-time
    (upper-half) address. Debug information does not count."""
    obj = os.path.join(step.build, "mmu.c.o")
    out = subprocess.run([READELF, "-rW", obj], capture_output=True, text=True,
                         check=True).stdout
    section, bad, pcrel = None, [], 0
    for line in out.splitlines():
        found = re.match(r"Relocation section '([^']+)'", line)
        if found:
            section = found.group(1)
        elif section and not section.startswith(".rela.debug") and "R_AARCH64_" in line:
            if "R_AARCH64_ABS" in line:
                bad.append(f"{section}: {' '.join(line.split()[2:])}")
            pcrel += "ADR_PREL_PG_HI21" in line
    expect_true(pcrel > 0, f"no adrp relocations in {obj}: not the object expected")
    expect_eq(bad, [], "absolute relocations in mmu.c.o")


TLBI_BY_VA = re.compile(r"^\s*([0-9a-f]+):\s+[0-9a-f]{8}\s+tlbi\s+(v\w*a\w*e1\w*),\s*x(\d+)", re.M)


@check("tlbi-operands-have-no-ttl-bits")
def tlbi_operands(step):
    """Every TLBI by address the kernel executes while booting has 0 in bits 63:44 of its
    operand: VA[55:12] goes in bits 43:0, and from Armv8.4 bits 47:44 are a TTL hint that a
    kernel address shifted right by 12 would fill with 1s (QEMU 7.2 ignores them; a newer
    core would take them as a wrong level). A breakpoint on each such tlbi in the
    disassembly reads the register as it executes, until the console starts."""
    dis = subprocess.run([OBJDUMP, "-d", step.elf], capture_output=True, text=True,
                         check=True).stdout
    sites = {int(a, 16): (op, int(r)) for a, op, r in TLBI_BY_VA.findall(dis)}
    expect_true(sites, "no TLBI by address in the kernel: not the code this check expects")
    seen = []
    with boot_start(step, serial=True) as m:
        for addr in sites:
            m.gdb.break_at(addr)
        stop = step.sym(step.facts.ready_symbol)
        m.gdb.break_at(stop)
        while True:
            m.gdb.cont()
            pc = m.gdb.reg(1, m.gdb.PC)
            if pc == stop:
                break
            op, reg = sites[pc]
            value = m.gdb.reg(1, reg)
            seen.append(f"{op} {value:#x}")
            expect_eq(value >> 44, 0, f"bits 63:44 of the operand of tlbi {op} at {pc:#x} "
                                      f"(x{reg} = {value:#x})")
    expect_true(seen, f"no TLBI by address ran before the console started ({len(sites)} in "
                      f"the code)")


EARLY = re.compile(r"\*\*\* exception before the kernel vectors were installed \(vector (0x\w+)\)\n"
                   r"  ESR_EL1  (0x\w{8}) \(EC (0x\w\w)\)\n  ELR_EL1  (0x\w{16})\n"
                   r"  FAR_EL1  (0x\w{16})\n  SPSR_EL1 (0x\w{8})\n\*\*\* kernel panic")
STR_XZR_X0 = 0xF900001F          # str xzr, [x0]


@check("early-exception-report")
def early_exception_report(step):
    """An exception before high_entry installs exception.S's vectors is reported, not a silent
    hang, both with the MMU off and with it on but the kernel not yet in the upper half. gdb
    plants the two classic mistakes: a store through a link-time address in the table code
    (with the MMU off that is beyond the physical address range: an address size fault,
    level 0), and an empty l1_kernel[0] (the jump to high_entry faults, level 1)."""
    def report(stop, plant):
        with boot_start(step, serial=True) as m:
            m.gdb.break_at(step.pa(step.sym(stop)))
            m.gdb.cont()
            plant(m)
            m.gdb.resume()
            m.expect(PANIC, timeout=10)
            out = m.transcript.decode(errors="replace").replace("\r", "")
        found = EARLY.search(out)
        expect_true(found, f"no early exception report in {out[-500:]!r}")
        return [int(g, 16) for g in found.groups()]

    def store_high(m):                  # mmu_build_tables starts with `str xzr, [&l1_kernel]`
        m.gdb.write_mem(step.pa(step.sym("mmu_build_tables")), STR_XZR_X0.to_bytes(4, "little"))
        m.gdb.set_reg(1, 0, step.sym("l1_kernel"))
    vector, esr, ec, elr, far, spsr = report("mmu_build_tables", store_high)
    expect_eq((vector, ec, esr & 0x3F), (4, 0x25, 0x00),
              "MMU off: (vector, EC, DFSC): current EL with SP_EL1, data abort, address size L0")
    expect_eq((elr, far), (step.pa(step.sym("mmu_build_tables")), step.sym("l1_kernel")),
              "MMU off: (ELR_EL1, FAR_EL1): the physical PC, the link-time address")

    def no_upper_half(m):               # l1_kernel[0] = 0 before the MMU goes on
        m.gdb.write_mem(step.pa(step.sym("l1_kernel")), bytes(8))
    vector, esr, ec, elr, far, spsr = report("mmu_enable", no_upper_half)
    high = step.sym("high_entry")
    expect_eq((vector, ec, esr & 0x3F), (4, 0x21, 0x05),
              "MMU on: (vector, EC, IFSC): instruction abort, translation fault level 1")
    expect_eq((elr, far), (high, high), "MMU on: (ELR_EL1, FAR_EL1): high_entry")


# ---- The exercises of this step (workshop mode: `make exercise STEP=04`) ----------------------
# prot: the stand-in maps everything alike, Normal write-back, read-write and executable at
# EL1. QEMU runs the kernel happily so (it models no caches, and Device memory's rules matter
# only to real peripherals), so the checks that tell are those that read the tables: `pt`, the
# W^X walk, and the two faults that W^X exists for (a write to .text and a jump into .data
# now succeed, and the check waits 20 s for a panic that never comes). esr_decode: the stand-in
# names no class and no fault status, so every `fault` report misses its decoded lines.
exercise("prot", "pt-text-rodata-data", "pt-device-and-framebuffer", "w-xor-x-in-the-tables",
         "fault-write-text", "fault-exec-data")
exercise("esr_decode", "fault-write-text", "fault-exec-data", "fault-read-unmapped",
         "fault-undef", "fault-align", "fault-stack-hits-guard-page")
