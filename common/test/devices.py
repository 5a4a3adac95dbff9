"""Helpers for checks that watch the kernel drive devices through gdb and the monitor (step 03
on): the devices' addresses, the baud divisor the datasheet's formula gives, the store a write
watchpoint stopped at, and whether the mailbox has anything left in it."""

# The devices' own addresses (BCM2835 ARM Peripherals §2.1 for the AUX block; the mailbox where
# the firmware and QEMU put it): what the hardware answers at, not constants of the kernel. A
# kernel with the MMU on reaches them at step.kbase + the address.
AUX_MU_BAUD = 0x3F215068
MBOX0_STATUS, MBOX1_WRITE = 0x3F00B898, 0x3F00B8A0
MBOX_STATUS_EMPTY = 1 << 30
QEMU_CORE_CLOCK = 700_000_000          # QEMU answers 700 MHz for the core clock (the banner)


def baud_divisor(clock_hz, baud):
    """BCM2835 ARM Peripherals §2.2.1, baud = clock / (8 × (divisor + 1)), rounded."""
    return (clock_hz + 4 * baud) // (8 * baud) - 1


def stopped_store(m, thread):
    """When a write watchpoint has stopped `thread` (QEMU stops an Arm core before the
    access, at the store): the store's address, the register it stores (Rt: bits 4:0 of every
    A64 store) and the 32-bit value in it."""
    pc = m.gdb.reg(thread, m.gdb.PC)
    rt = int.from_bytes(m.gdb.read_mem(pc, 4), "little") & 31
    if rt == 31:                       # a store's Rt 31 is the zero register (str wzr), not SP
        return pc, rt, 0
    return pc, rt, m.gdb.reg(thread, rt) & 0xFFFFFFFF


def mbox0_empty(m):
    """Whether mailbox 0 is empty, from its status register, read through the monitor."""
    out = m.hmp(f"xp /1wx {MBOX0_STATUS:#x}")
    return bool(int(out.split(":")[1].split()[0], 16) & MBOX_STATUS_EMPTY)
