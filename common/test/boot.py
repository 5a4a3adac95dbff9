"""Helpers for checks that watch a kernel boot through QEMU's gdbstub (common/test/harness.py).

A kernel linked in the upper half (step 04 on) runs at physical addresses until its MMU is on;
`step.pa(va)` turns a symbol into the address QEMU's loader, monitor and early gdb see.
"""

import os

from harness import CheckFailed, expect_true

SPIN_TABLE = {2: 0xE0, 3: 0xE8, 4: 0xF0}  # gdb thread (core + 1) -> its firmware spin-table slot
GARBAGE = 0xA5                           # what .bss is filled with before boot
LOAD_ADDRESS = 0x80000                   # where the firmware loads kernel8.img

# The PSTATE mode a step's C code runs in (step.facts.c_mode): (EL, PSTATE.M[3:0] or None).
C_MODES = {"el2": (2, None), "el1t": (1, 0x4)}


def el_of(cpsr):
    return (cpsr >> 2) & 3  # PSTATE.EL, as SPSR/CPSR.M[3:2]


def start(step, prefill_bss=False, serial=False):
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
        extra = ["-device", f"loader,file={path},addr={step.pa(start_):#x},force-raw=on"]
    m = step.boot(serial=serial, paused=True, timeout=60, extra=extra)
    for slot in SPIN_TABLE.values():
        m.gdb.write_mem(slot, LOAD_ADDRESS.to_bytes(8, "little"))
    return m


def pcs(m):
    """Core number -> PC, for cores 1-3 (all cores must be stopped)."""
    return {t - 1: m.gdb.reg(t, m.gdb.PC) for t in SPIN_TABLE}


def function_at(step, pc):
    """The name of the kernel function `pc` is in (a physical PC is looked up as kernel
    address), "firmware stub" below the load address."""
    if pc < LOAD_ADDRESS:
        return "firmware stub"
    va = pc + step.kbase if pc < step.kbase else pc
    best = max((a for n, a in step.symbols.items() if a <= va and not n.startswith("$")),
               default=None)
    if best is None:
        return "?"
    return min(n for n, a in step.symbols.items() if a == best and not n.startswith("$"))


def first_byte(step, profile=False, limit=200_000):
    """Single-step core 0 from the reset vector (QEMU's firmware stub at 0) until the first
    byte appears on the mini UART; returns (instructions, byte, {function: instructions}).
    The other cores are held, so the count is core 0's alone and the same on every run."""
    counts = {}
    with step.boot(paused=True, timeout=120) as m:
        n = 0
        while not m.transcript:
            if n >= limit:
                raise CheckFailed(f"no byte on the mini UART after {limit} instructions")
            if profile:
                name = function_at(step, m.gdb.reg(1, m.gdb.PC))
                counts[name] = counts.get(name, 0) + 1
            m.gdb.step(1)
            n += 1
            m.poll()
        return n, m.transcript[:1], counts


def to_kernel_main(step):
    """Single-step core 0 from the reset vector to kernel_main; returns (instructions,
    {function: instructions}). Before the MMU is on the PC is physical: function_at looks it
    up at PC + KBASE."""
    main, counts, n = step.sym("kernel_main"), {}, 0
    with step.boot(paused=True, serial=False, timeout=300) as m:
        while True:
            pc = m.gdb.reg(1, m.gdb.PC)
            if pc == main:
                return n, counts
            name = function_at(step, pc)
            counts[name] = counts.get(name, 0) + 1
            m.gdb.step(1)
            n += 1
