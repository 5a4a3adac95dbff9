"""Step 10 checks: notifications. ntfntest's cases (two badged Signals then one Wait, Poll with
nothing pending, FIFO waiters woken one per Signal, Signal without Write, suspended waiters,
TCB_BindNotification and a bound thread's Recv, a notification deleted under a waiter) answer
as seL4 does. Steps 01-09's checks are inherited (they run against this step's kernel).
"""
import re

from console import console
from harness import check, expect_eq, extends, facts
from user import run_program, wait_fault

parent = extends("09-ipc")
facts(title="Notifications: Signal, Wait and Poll")


def run_to_end(m, name, arg="", timeout=60):
    """`run NAME ARG` until its root thread ends (its brk's fault line): the lines it and its
    threads printed (as 09-ipc's test.py)."""
    since = len(m.transcript)
    ident = run_program(m, name, arg)
    wait_fault(m, ident, since, timeout=timeout)
    out = bytes(m.transcript[since:]).decode(errors="replace").replace("\r", "")
    return [ln[2:] if ln.startswith("> ") else ln for ln in out.split("\n")[1:]], ident


# What seL4 answers each case of user/ntfntest.c; a fault line is a regex.
NTFNTEST = [
    "ntfntest: three notifications and an endpoint; this thread runs at 50",
    "ntfntest: Signal with badges 0x1 and 0x2, then Wait: the word 0x3",
    "ntfntest: Poll with nothing pending: the word 0x0, message info 0x0",
    "ntfntest: two Signals with badge 0x4 (Write only), then Poll: the word 0x4",
    "ntfntest: two threads wait (priorities 90, 80): received 0 and 0 times",
    "ntfntest: Signal with badge 0x2: the first waiter got 0x2 (1), the second 0 signals",
    "ntfntest: Signal with badge 0x1: the second waiter got 0x1 (1)",
    "ntfntest: Signal and Call on a cap without Write: the waiters got 1 and 1 signals; Call "
    "answers InvalidCapability 0",
    "ntfntest: both waiters suspended, Signal 0x1 then Poll: the word 0x1, the waiters got 1 "
    "and 1 signals",
    "ntfntest: BindNotification NoError, again IllegalOperation; the bound thread waits on an "
    "endpoint",
    "ntfntest: Signal of its notification (0x10): it got badge 0x10, label 0, length 0 (1)",
    "ntfntest: a message on the endpoint: badge 0x0, label 3, length 1 (2)",
    "ntfntest: UnbindNotification NoError, again IllegalOperation; a Signal then stays "
    "pending: Poll 0x10 (2)",
    "ntfntest: this thread bound (NoError), signalled, NBRecv on the endpoint: badge 0x10, "
    "label 0, length 0; unbound (NoError)",
    "ntfntest: a thread (priority 61) waits on a notification; its cap and ours are deleted",
    re.compile(r"fault: ntfntest\[\d+\] cap fault on cptr 0x2, missing capability "
               r"pc=0x[0-9a-f]{16} "),
    "ntfntest: the notification is gone: the waiter ran its Wait again and never returned",
    "ntfntest: done",
    re.compile(r"fault: ntfntest\[\d+\] brk #0 "),
]


def expected_for(lines, expected):
    """The expected lines, with each regex replaced by the line it matches (so a mismatch
    shows both transcripts whole)."""
    return [ln if isinstance(exp, re.Pattern) and exp.match(ln) else exp
            for ln, exp in zip(lines, expected)]


@check("ntfntest-signal-wait-poll")
def ntfntest(step):
    """`run ntfntest`: every case prints what seL4 would (the notification word ORs badges,
    Poll takes it or 0, waiters wake in FIFO order with the signalling cap's badge, Signal
    needs Write, a bound thread's Recv returns a signal, a deleted notification restarts its
    waiter into a cap fault)."""
    with console(step) as m:
        out, _ = run_to_end(m, "ntfntest")
    lines = [ln for ln in out if ln.startswith("ntfntest: ") or ln.startswith("fault: ntfntest")]
    expect_eq(lines, expected_for(lines, NTFNTEST), "ntfntest's transcript")
    expect_eq(len(lines), len(NTFNTEST), "ntfntest's number of lines")


# ---- The user-level loader (user/loader.c), through `run launch` (user/launch.c) ----

from console import command  # noqa: E402  (the loader's checks, appended to this file)
from harness import expect_true  # noqa: E402
from user import resources  # noqa: E402


def step09():
    """Step 09's test module (extends() loaded it): its expected ipctest and kv lines."""
    from harness import load_group
    return load_group("09-ipc").module


def same_ids(lines):
    """Lines with every thread id in a fault line (`NAME[12]`) made `NAME[N]`: two runs of one
    program get other ids, and nothing else may differ."""
    return [re.sub(r"^fault: (\S+)\[\d+\]", r"fault: \1[N]", ln) for ln in lines]


def program_lines(out, name):
    """The lines program `name` (and its threads) printed (`NAME: ...`, or hello's `hello,
    NAME: ...`), and the kernel's fault lines about them."""
    return [ln for ln in out if ln.startswith((f"{name}: ", f"{name}, ", f"fault: {name}["))]


LAUNCH_STARTING = re.compile(r"^launch: starting (\S+)(?: (.*))?$")
LAUNCH_MADE = re.compile(r"^launch: (\S+) \(badge (\d+)\) had (\d+) pages, (\d+) bytes of objects "
                         r"and an untyped of (\d+) KiB, made in (\d+) instructions$")
LAUNCH_KILLED = re.compile(r"^launch: killed (\S+): free bytes (\d+) before, (\d+) after; "
                           r"empty slots (\d+) before, (\d+) after: (.*)$")
LAUNCH_CYCLES = re.compile(r"^launch: (\d+) start/kill cycles of hello: free bytes (\d+) "
                           r"before, different after (\d+) kills; empty slots (\d+) before, "
                           r"(\d+) after; (\d+) instructions to start, on average$")
FAULT_LINE = re.compile(r"^fault: (\S+)\[\d+\] (.*?) pc=0x([0-9a-f]{16}) far=0x([0-9a-f]{16}) "
                        r"esr=0x([0-9a-f]{8})$", re.M)


class Child:
    """One child of `run launch`, from its `starting` line to its `killed` line: its name and
    argument, the lines between, and the matches of its `had` and `killed` lines."""

    def __init__(self, starting):
        self.name, self.arg = starting.group(1), starting.group(2) or ""
        self.lines, self.made, self.killed = [], None, None


def launch_children(out):
    """`run launch`'s transcript cut into one Child per program it started and killed."""
    children, cur = [], None
    for ln in out:
        starting, made, killed = (rx.match(ln) for rx in (LAUNCH_STARTING, LAUNCH_MADE,
                                                           LAUNCH_KILLED))
        if starting and not starting.group(1).endswith(":"):
            cur = Child(starting)
        elif cur and killed:
            cur.killed = killed
            children.append(cur)
            cur = None
        elif cur:
            cur.made = cur.made or made
            cur.lines.append(ln)
    return children


def run_launch(m, arg="", timeout=180):
    """`run launch ARG` to its end (its own brk), then `kill` it: its lines and its children's."""
    out, ident = run_to_end(m, "launch", arg, timeout=timeout)
    command(m, f"kill {ident}")
    return out


@check("launch-runs-programs-as-the-kernel-does", cost=4)
def launch_programs(step):
    """`run launch`: the loader starts hello alice, ipctest and kv (each from a block of the
    loader's memory, as the kernel's process.c did). hello says what the kernel-started hello
    says; ipctest's transcript is the kernel-started ipctest's of the same boot, line for line
    (thread ids aside), and seL4's (step 09's IPCTEST); kv's lines are step 09's KV; each ends
    with the kernel's brk line, and the loader learns of that end from a fault message that
    names the same pc."""
    with console(step) as m:
        hello, ident = run_to_end(m, "hello", "alice")
        command(m, f"kill {ident}")
        ipctest, ident = run_to_end(m, "ipctest")
        command(m, f"kill {ident}")
        out = run_launch(m)
    parts = {c.name: c.lines for c in launch_children(out)}
    expect_true({"hello", "ipctest", "kv"} <= set(parts),
                f"the loader's children: {sorted(parts)}; its transcript: {out[:12]!r}")
    expect_eq(same_ids(program_lines(parts["hello"], "hello")),
              same_ids(program_lines(hello, "hello")),
              "hello alice, started by the loader, against the kernel's")
    expect_eq(program_lines(hello, "hello")[0], "hello, alice: my name at 0x404010 is 'alice'",
              "hello alice's line")
    got = program_lines(parts["ipctest"], "ipctest")
    expect_eq(same_ids(got), same_ids(program_lines(ipctest, "ipctest")),
              "ipctest started by the loader, against the kernel's (same boot)")
    want = step09().IPCTEST
    expect_eq(got, expected_for(got, want), "ipctest started by the loader, against seL4's")
    expect_eq(len(got), len(want), "ipctest's number of lines")
    kv = [ln for ln in parts["kv"] if ln.startswith("kv: ")]
    expect_eq(kv, step09().KV, "kv started by the loader")
    for name in ("hello", "ipctest", "kv"):
        lines = parts[name]
        brk = [f for f in FAULT_LINE.finditer("\n".join(lines) + "\n") if f.group(1) == name]
        ended = [ln for ln in lines if ln.startswith(f"launch: {name} (badge ")]
        expect_true(brk and ended, f"{name}: the kernel's fault line and the loader's: {lines!r}")
        expect_eq(ended[0], f"launch: {name} (badge 1) ended: brk #0 at pc 0x"
                            f"{int(brk[-1].group(3), 16):x}", f"{name}: the loader's line")


@check("launch-learns-of-faults-from-fault-messages", cost=3)
def launch_faults(step):
    """The loader gives each child's TCB a fault endpoint (a badged endpoint cap in the
    child's own CNode, slot 4095) and extra caps at slots 4088 on: hello alice, given one,
    has a cap in 4088 and 4095 and none in 4089. faults write-code's data abort comes to the
    loader as seL4's VM fault message, with the address, pc and ESR the kernel's fault line
    prints; faults syscall's as an unknown-syscall message with its number, 1234, and pc;
    faults brk's `brk #7` as a user exception, which the loader answers (ReplyRecv, past the
    fastpath) with the next pc: the program goes on to its end."""
    with console(step) as m:
        out = run_launch(m)
    children = launch_children(out)
    hello = [ln for c in children if c.name == "hello" for ln in c.lines]
    expect_true("launch: hello's slot 4088 held a cap (the extra cap), slot 4089 nothing, "
                "slot 4095 a cap (its fault endpoint)" in hello, f"hello's slots: {hello!r}")
    faults = {c.arg: c.lines for c in children if c.name == "faults"}
    expect_eq(sorted(faults), ["brk", "syscall", "write-code"], "the faults the loader started")
    for kind, lines in sorted(faults.items()):
        kernel = [f for f in FAULT_LINE.finditer("\n".join(lines) + "\n")]
        expect_eq(len(kernel), 2 if kind == "brk" else 1,
                  f"faults {kind}: the kernel's fault lines in {lines!r}")
        pc, far, esr = (int(kernel[0].group(i), 16) for i in (3, 4, 5))
        mine = [ln for ln in lines if ln.startswith("launch: faults (badge 1) ")][:-1]
        if kind == "write-code":
            expect_true(kernel[0].group(2).startswith("data abort (write), permission fault"),
                        f"faults write-code: the kernel's line {kernel[0].group(0)!r}")
            want = [f"launch: faults (badge 1) faulted: VM fault, data at 0x{far:x}, "
                    f"pc 0x{pc:x}, ESR 0x{esr:x}"]
        elif kind == "syscall":
            want = [f"launch: faults (badge 1) faulted: unknown system call 1234 at pc 0x{pc:x}"]
        else:                           # brk: answered, then the end
            pc0 = int(kernel[1].group(3), 16)
            expect_eq([k.group(2) for k in kernel], ["brk #7", "brk #0"],
                      f"faults brk: the kernel's fault lines {lines!r}")
            want = ["faults: brk #7", kernel[0].group(0),
                    f"launch: faults (badge 1) faulted: brk #7 at pc 0x{pc:x}",
                    f"launch: answered faults (badge 1): go on at pc 0x{pc + 4:x}",
                    "faults: still running: no fault!", kernel[1].group(0),
                    f"launch: faults (badge 1) ended: brk #0 at pc 0x{pc0:x}"]
            mine = lines[:len(want)]
        expect_eq(mine, want, f"faults {kind}: the loader's lines, from the fault messages")


@check("launch-kill-gives-back-every-byte-and-slot", cost=4)
def launch_leaks(step):
    """Each child of `run launch` is made from one untyped the loader carves from its block,
    and killed by suspending it and revoking and deleting that untyped: the block's free
    bytes (Retype's NotEnoughMemory answer) and the loader's empty slots (Move onto itself)
    are the same before each start and after each kill, for each of the six programs and
    for 200 start/kill cycles of hello, each of which finds the same thread id free; and once
    launch is killed, `ps` counts as many free TCBs, frames and ASIDs as before it ran."""
    with console(step) as m:
        before = resources(m)
        out = run_launch(m)
        after = resources(m)
    children = launch_children(out)
    expect_eq([c.name for c in children], ["hello", "ipctest", "kv", "faults", "faults", "faults"],
              f"the children killed (each with a `killed` line): {out[-12:]!r}")
    for k in (c.killed for c in children):
        name, b0, b1, s0, s1, verdict = k.groups()
        expect_true(b0 == b1 and s0 == s1 and verdict == "all back",
                    f"{name}: free bytes and empty slots before and after: {k.group(0)!r}")
        expect_eq(int(b0), 512 * 1024, f"{name}: the block's free bytes before it started")
    cycles = [LAUNCH_CYCLES.match(ln) for ln in out if LAUNCH_CYCLES.match(ln)]
    expect_eq(len(cycles), 1, f"the cycles' line: {out[-6:]!r}")
    done, b0, differed, s0, s1, _ = cycles[0].groups()
    expect_eq((int(done), int(b0), int(differed), int(s1)), (200, 512 * 1024, 0, int(s0)),
              "cycles done, free bytes before, kills after which they differed, empty slots")
    expect_true("launch: done" in out, f"launch's end: {out[-4:]!r}")
    hellos = [int(f.group(1)) for f in re.finditer(r"^fault: hello\[(\d+)\] brk #0 ",
                                                   "\n".join(out), re.M)]
    expect_eq((len(hellos), len(set(hellos))), (201, 1),
              "hello's ends, and the thread ids they had (each kill gives the id back)")
    expect_eq(after, before, "free TCBs, frames, ASIDs after launch is killed")


# Every program the kernel can start, started by the loader instead (`run launch NAME ARG`).
LOADED = [("hello", "bob"), ("faults", "null"), ("faults", "write-code"),
          ("faults", "exec-data"), ("faults", "undef"), ("faults", "fp"), ("faults", "pc-align"),
          ("faults", "sp-align"), ("faults", "syscall"), ("fuzz", ""), ("captest", ""),
          ("kv", ""), ("ipctest", ""), ("ipcfuzz", ""), ("ping", ""), ("ntfntest", ""),
          ("bench", "")]
TOO_BIG = re.compile(r"^captest: retype too big: NotEnoughMemory (\d+)$")


@check("launch-loads-every-program-as-the-kernel-does", cost=20)
def launch_every_program(step):
    """Each program, started by the kernel (`run NAME ARG`) and then by the loader (`run
    launch NAME ARG`) in the same boot, prints the same lines and takes the same faults at the
    same addresses (thread ids aside): the loader builds the same CSpace, address space,
    BootInfo and registers. One number may differ, and by exactly what it should: the
    untyped a child gets is the upper half of the loader's block (256 KiB of launch's 1 MiB),
    not the kernel's 1 MiB, so captest's NotEnoughMemory reports that much less."""
    with console(step, timeout=400) as m:
        for name, arg in LOADED:
            kernel, ident = run_to_end(m, name, arg, timeout=200)
            command(m, f"kill {ident}")
            out = run_launch(m, f"{name} {arg}".strip(), timeout=200)
            want, got = same_ids(program_lines(kernel, name)), same_ids(program_lines(out, name))
            children = launch_children(out)
            expect_eq(len(children), 1, f"{name} {arg}: started and killed once: {out[-8:]!r}")
            child = children[0]
            expect_true(child.made, f"{name} {arg}: what the loader made: {child.lines!r}")
            expect_eq(child.killed.group(6), "all back",
                      f"{name} {arg}: {child.killed.group(0)!r}")
            less = (1 << 20) - int(child.made.group(5)) * 1024
            want = [f"captest: retype too big: NotEnoughMemory {int(t.group(1)) - less}"
                    if (t := TOO_BIG.match(ln)) else ln for ln in want]
            expect_true(want, f"{name} {arg}: the kernel-started program printed nothing")
            expect_eq(got, want, f"{name} {arg} started by the loader, against the kernel's")
