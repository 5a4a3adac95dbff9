"""Step 07 checks: user programs. init prints through DebugPutChar before the first prompt;
each kind of user fault gives its one line and the console still answers; two programs at one
virtual address each see their own memory; a program cannot read the kernel; an unknown
system call stops only the thread that made it; damaged ELF images are refused with the right
reason (host/test_elf.c on the build machine, and one here in QEMU); a million random system
calls and 500 run/kill cycles leave every TCB, frame and ASID where they were. Steps 01-06's
checks are inherited (common/test/user.py holds the helpers later steps use too).

QEMU 7.2 does not check the stack pointer's alignment (SCTLR_EL1.SA0), so `run faults
sp-align` runs on there; a real Cortex-A53 faults, and the kernel decodes it like the rest.
"""
import os
import re
import sys

from boot import start
from console import command, console, output_of
from harness import PROMPT, TOP, check, exercise, expect_eq, expect_true, extends, facts
from threads import spinner_above
from user import FAULT, Fault, resources, run_program, user_rows, wait_fault

sys.path.insert(0, os.path.join(TOP, "common"))
import bench as bench_harness  # noqa: E402  (common/bench.py: make bench)

parent = extends("06-threads")
facts(
    title="user programs, each in an address space of its own",
    commands=parent.commands + ("run",),
    run_priority=("process.h", "PRIO_USER"),   # (file, define): the priority `run` gives
    info_lines=parent.info_lines + (r"user      \d+ of \d+ frames free, \d+ of 255 ASIDs free, "
                                    r"\d+ programs",),
    # What init prints before the first prompt (regexes, one per line): its greeting, then the
    # fault that ends it (no system call ends a thread before step 08).
    init_lines=(r"init: running at EL0, in an address space of its own",
                r"fault: init\[2\] brk #0 pc=0x[0-9a-f]{16} far=0x0{16} esr=0xf2000000"),
)

EC_DABT_LOWER, EC_IABT_LOWER, EC_UNKNOWN, EC_FP, EC_PC_ALIGN, EC_BRK, EC_SVC = (
    0x24, 0x20, 0x00, 0x07, 0x22, 0x3C, 0x15)


@check("ps-columns", override="ps gains an ASID column and a line of free frames and ASIDs; init is TCB 2")
def ps_columns(step):
    """ps: the header with ASID, the idle thread and the console (no ASID: kernel threads),
    init Inactive in ASID 1, the pool's size, the free frames and ASIDs; a hello started
    with `run` in a new ASID, and after `kill` everything it held is free again."""
    size = step.define("tcb.h", "TCB_POOL_SIZE")
    with console(step) as m:
        out = command(m, "ps").replace("\r", "")
        expect_true("  ID NAME             STATE         PRIO      TICKS  ASID\n" in out,
                    f"ps's header: {out!r}")
        expect_true(re.search(r"^   0 idle +idle +- +\d+$", out, re.M) and
                    re.search(r"^   1 console +running +128 +\d+$", out, re.M),
                    f"the idle thread and the console, without an ASID: {out!r}")
        rows = user_rows(m)
        expect_eq(rows[2], ("init", "inactive", str(step.define("process.h", "PRIO_INIT")), 1),
                  "init (name, state, priority, ASID)")
        tcbs, frames, asids = resources(m)
        expect_eq((tcbs, asids), (size - 3, 254), "free TCBs and ASIDs with init")
        ident = run_program(m, "hello", "ps")
        m.expect(b"hello, ps: my name at")
        wait_fault(m, ident)
        rows = user_rows(m)
        expect_eq(rows[ident], ("hello", "inactive", "100", 2), "an ended hello")
        expect_eq(resources(m)[2], 253, "free ASIDs with hello")
        command(m, f"kill {ident}")
        after = resources(m)
    expect_eq(after, (tcbs, frames, asids), "free TCBs, frames, ASIDs after kill")


@check("bench-figures", override="step 07 adds null-syscall, measured at EL0 by the user program bench")
def bench(step):
    """bench's figures: step 06's and null-syscall, whose goal is 120 instructions for the
    round trip EL0 -> kernel -> EL0 (seL4's cheapest call, Yield, costs 313 in the same
    set-up); Yield stays within 250 and a tick within 40 of step 05's."""
    with console(step) as m:
        out = command(m, "bench", timeout=60)
    rows = {k: v for k, v, _, _ in bench_harness.parse(step.name, out.replace("\r", ""))}
    expect_eq(sorted(rows), sorted(["boot", "irq", "svc", "null-syscall", "yield", "yield-self",
                                    "switch-tick", "char", "glyph", "scroll"]),
              f"the figures of bench ({out!r})")
    expect_true(all(v > 0 for v in rows.values()), f"a figure is 0: {rows}")
    if "violated" in step.symbols:
        return                         # a debug build (DEBUG=1): its checks cost thousands
    expect_true(rows["null-syscall"] <= 120, f"null-syscall costs {rows['null-syscall']} "
                                             f"instructions (goal: 120)")
    expect_true(rows["yield"] <= 250, f"yield costs {rows['yield']} instructions (goal: 250)")
    missed = bench_harness.irq_goal_missed(rows["irq"])
    expect_true(missed is None, missed)


@check("init-prints-through-debugputchar")
def init_prints(step):
    """init's line comes from EL0: its text is in no kernel code, only in the embedded
    init.elf, and ps shows init as a user thread (ASID 1) that has ended."""
    with open(step.img, "rb") as f:
        img = f.read()
    greeting = b"init: running at EL0"
    with open(os.path.join(step.build, "user", "init.elf"), "rb") as f:
        init = f.read()
    at = img.find(init)
    expect_true(at >= 0 and img.count(greeting) == 1 and at <= img.find(greeting) < at + len(init),
                "the greeting is in the kernel image once, inside the embedded init.elf")
    with console(step) as m:
        expect_true(greeting in bytes(m.transcript), f"init's line: {m.tail(300)!r}")
        expect_eq(user_rows(m)[2][:2], ("init", "inactive"), "init in ps")


# Each kind of fault `run faults KIND` makes: (regex of the kind, EC, what FAR must be).
FAULT_KINDS = {
    "null": (r"data abort \(read\), translation fault, level 2", EC_DABT_LOWER, lambda s: 0),
    "kernel-read": (r"data abort \(read\), permission fault, level 3", EC_DABT_LOWER,
                    lambda s: s.sym("__kernel_start")),
    "write-code": (r"data abort \(write\), permission fault, level 3", EC_DABT_LOWER, None),
    "exec-data": (r"instruction abort, permission fault, level 3", EC_IABT_LOWER, None),
    "exec-null": (r"instruction abort, translation fault, level 2", EC_IABT_LOWER, lambda s: 0),
    "exec-kernel": (r"instruction abort, permission fault, level 3", EC_IABT_LOWER,
                    lambda s: s.sym("__kernel_start")),
    "undef": (r"undefined instruction", EC_UNKNOWN, lambda s: 0),
    "fp": (r"FP/SIMD instruction \(FP is off: CPACR_EL1.FPEN\)", EC_FP, lambda s: 0),
    "pc-align": (r"PC alignment fault", EC_PC_ALIGN, None),
    "brk": (r"brk #7", EC_BRK, lambda s: 0),
    "syscall": (r"unknown syscall 1234", EC_SVC, lambda s: 0),
}


def fault_check(kind, rx, ec, far):
    def run(step):
        """`run faults KIND`: one line naming the thread and the kind, with the ESR's class,
        the PC and the FAR; the thread is Inactive, its address space still there until
        kill; the console answers; no line says the program went on."""
        with console(step) as m:
            since = len(m.transcript)
            ident = run_program(m, "faults", kind)
            f = wait_fault(m, ident, since)
            expect_eq(f.name, "faults", f"the thread named in {f}")
            expect_true(re.fullmatch(rx, f.kind), f"the kind in {f}: want /{rx}/")
            expect_eq(f.ec, ec, f"the ESR's class in {f}")
            if far is not None:
                expect_eq(f.far, far(step), f"FAR in {f}")
            if kind in ("exec-null", "exec-kernel", "exec-data", "pc-align"):
                expect_eq(f.pc, f.far, f"an instruction fault's PC and FAR ({f})")
            expect_eq(output_of(m, "echo alive"), b"alive\r\n", "the console afterwards")
            rows = user_rows(m)
            said = bytes(m.transcript[since:])
        expect_eq(rows[ident][:2], ("faults", "inactive"), "the faulting thread in ps")
        expect_true(b"still running" not in said and b"the kernel let me" not in said,
                    f"the program went on after its fault: {said!r}")
    run.__doc__ = f"`run faults {kind}`: " + run.__doc__.split(":", 1)[1]
    return run


for _kind, (_rx, _ec, _far) in FAULT_KINDS.items():
    check(f"user-fault-{_kind}")(fault_check(_kind, _rx, _ec, _far))


@check("same-address-private-memory")
def private_memory(step):
    """Two hellos started together each write their name at the same virtual address,
    yield to each other, and each then finds its own name there. A spinner above them holds
    both until they are made (the console's echo never falls inside a hello's line, and
    neither can finish before the other starts); killing it lets them run."""
    with console(step) as m:
        since = len(m.transcript)
        spinner = spinner_above(m, step, step.define(*step.facts.run_priority) + 10)
        command(m, "run hello alice")
        command(m, "run hello bob")
        command(m, f"kill {spinner}")
        for who in (b"alice", b"bob"):
            m.expect(re.compile(rb"hello, " + who + rb": my name at (0x[0-9a-f]+) is '(\w+)'"),
                     timeout=20, start=since)
        said = bytes(m.transcript[since:])
    found = dict((n.decode(), (a, v.decode())) for n, a, v in
                 re.findall(rb"hello, (\w+): my name at (0x[0-9a-f]+) is '(\w+)'", said))
    expect_eq(found["alice"][1], "alice", "what alice found at her address")
    expect_eq(found["bob"][1], "bob", "what bob found at his address")
    expect_eq(found["alice"][0], found["bob"][0], "the two addresses")
    started = re.findall(rb"started thread \d+: hello in ASID (\d+)", said)
    expect_true(len(set(started)) == 2, f"two different ASIDs: {started}")


@check("unknown-syscall-stops-only-that-thread")
def unknown_syscall(step):
    """A hello and `faults syscall` start together: faults stops at its svc with x7 = 1234,
    hello still finishes, and the console answers."""
    with console(step) as m:
        since = len(m.transcript)
        m.send(b"run hello carol\rrun faults syscall\r")
        m.expect(b"unknown syscall 1234", timeout=20, start=since)
        # hello's end, said by the kernel in one piece: hello's own line comes a character
        # per system call, and the console's echo of the second command may fall inside it
        m.expect(re.compile(rb"fault: hello\[\d+\] brk #0"), timeout=20, start=since)
        # The two commands' prompts may still be on their way: wait for the answer itself.
        m.mark()
        m.send(b"echo still alive\r")
        m.expect(b"\r\nstill alive\r\n", timeout=20)


@check("damaged-elf-refused-in-qemu")
def damaged_elf(step):
    """hello's embedded image with e_machine made 62 (x86-64) before boot: `run hello` is
    refused with that reason, and nothing is taken; the other programs still run. (The image
    is found by its bytes in kernel8.img, wherever the step keeps it: in the kernel's own
    program table, or from step 10 in init's archive, inside init's image.)"""
    with open(os.path.join(step.build, "user", "hello.elf"), "rb") as f:
        hello = f.read()
    with open(step.img, "rb") as f:
        img = f.read()
    expect_eq(img.count(hello), 1, "copies of user/hello.elf in kernel8.img")
    at = step.pa(step.sym("__kernel_start")) + img.index(hello) + 18  # e_machine (Elf64_Ehdr)
    with start(step, serial=True) as m:
        m.gdb.write_mem(at, (62).to_bytes(2, "little"))   # MMU off: virtual = physical
        m.gdb.resume()
        m.expect(PROMPT, timeout=20)
        before = resources(m)
        out = output_of(m, "run hello").decode()
        expect_eq(out, "run: hello: wrong machine: not AArch64\r\n", "run of the damaged hello")
        expect_eq(resources(m), before, "free TCBs, frames, ASIDs after the refusal")
        run_program(m, "faults", "brk")
        m.expect(b"brk #7", timeout=20)


@check("fuzz-1000000-syscalls-leak-nothing", cost=4, stress=True)
def fuzz(step):
    """`run fuzz`: a million system calls with random x0-x6 (and x7 one of the three), from a
    fixed seed it prints; the kernel survives, and once the program is killed every TCB,
    frame and ASID is free again."""
    with console(step, timeout=180) as m:
        before = resources(m)
        since = len(m.transcript)
        ident = run_program(m, "fuzz")
        m.expect(re.compile(rb"fuzz: seed 0x[0-9a-f]+, 1000000 system calls"), start=since)
        m.expect(b"fuzz: done, 1000000 system calls", timeout=120, start=since)
        f = wait_fault(m, ident, since)
        expect_eq(f.kind, "brk #0", f"how fuzz ended: {f}")
        command(m, f"kill {ident}")
        expect_eq(resources(m), before, "free TCBs, frames, ASIDs after fuzz")


@check("500-run-kill-cycles-leak-nothing", cost=4, stress=True)
def run_kill(step):
    """500 times `run hello` and `kill` it, 100 at a time (typed at once: some are killed
    before they run, others while they run or after they end, as the console's reading goes):
    every answer comes, and TCBs, frames and ASIDs are back where they started."""
    with console(step, timeout=300) as m:
        before = resources(m)
        ident = run_program(m, "hello")
        wait_fault(m, ident)
        command(m, f"kill {ident}")
        for n in range(5):
            since = len(m.transcript)
            batch = "".join(f"run hello\rkill {ident}\r" for _ in range(100))
            m.send(batch.encode() + b"echo done %d\r" % n)
            m.expect(b"\r\ndone %d\r\n" % n, timeout=120, start=since)
            got = bytes(m.transcript[since:])
            expect_eq((got.count(b"started thread %d: hello" % ident),
                       got.count(b"killed thread %d (hello)" % ident)), (100, 100),
                      f"answers to batch {n} (started, killed)")
        after = resources(m)
    expect_eq(after, before, "free TCBs, frames, ASIDs after 500 run/kill cycles")


# ---- The exercises of this step (workshop mode: `make exercise STEP=07`) ----------------------
# elf_segment: check_segment's rules. The programs the build embeds are all well formed, so the
# kernel boots and runs them with the stand-in (which accepts every segment); the host tests,
# which feed elf_check damaged copies of hello.elf, see each missing rule.
exercise("elf_segment", "host-elf-segment-refusals", "host-elf-truncated-files",
         "host-elf-random-damage")
# user_fault_kind: the abort cases of print_fault_kind and which classes have a FAR. Each
# `run faults KIND` check reads the fault line: its kind, and FAR for the aborts.
exercise("user_fault_kind", *(f"user-fault-{k}" for k in (
    "null", "kernel-read", "write-code", "exec-data", "exec-null", "exec-kernel", "pc-align")))
