"""Step 10 checks: notifications, interrupts delivered to user space, and drivers out of the
kernel. After boot the kernel drives no device but the timer and the interrupt controllers:
the console is init's (user/shell.c), reading and writing through a serial server that owns
the mini UART and its interrupt (user/serial.c), starting programs with a loader of its own
(user/loader.c), drawing on the screen through a terminal library (user/fbterm.c).

Steps 01-09's checks are inherited. Those that typed a command of the kernel's console now
talk to the user-level one, through the serial server: the line editor, `echo`, `help`,
`run`, `kill`, `ps` (the kernel's seL4_DebugDumpScheduler), `hold` and the receive counts
(the serial server's), `reboot` (a watchdog driven from user space). The checks of commands
that looked inside the kernel (`mem`, `pt`, `fault`, `svc`, `uptime`, `irq`, `spawn`, `caps`,
`untyped`, `cdt`, `mbox`, `fb`) are retired, each with its reason; what they held is held here
another way where it still matters (init's untypeds and BootInfo, read by a root task
itself; the scheduler's invariant in a debug build).

Own checks: ntfntest (Signal, Wait, Poll, binding) and irqtest (IRQControl_Get's refusals, an
interrupt once per Ack, Clear, a line freed with its last handler) answer as seL4 does; the
serial server counts the bytes a flood drops and comes back when init restarts it; the loader
(user/launch.c, booted as init) learns of faults from fault messages and gets every byte back
from a kill; a root task written against libsel4 alone runs as init and measures Call and
ReplyRecv, Yield and Signal; `make bench` adds signal, signal-wake, irq-to-user and the
kernel's size, each within its goal.
"""
import contextlib
import fcntl
import os
import re
import struct
import subprocess
import sys
import threading

import harness
from boot import start
from console import command, console, output_of
from harness import (PROMPT, TOP, CheckFailed, Step, check, expect_eq, expect_true, extends,
                     facts, retire)
from png import write_png
from screen import BG, FG, FONT_FILE, PALETTE, Font, expected_cell, grab  # noqa: F401
from ticks import rx_counts
from user import resources, run_program, user_rows, wait_fault

sys.path.insert(0, os.path.join(TOP, "common"))
import bench as bench_harness  # noqa: E402  (common/bench.py: make bench)

parent = extends("09-ipc")
WORKER_LINES = parent.init_lines[-2:]     # step 08's worker, which init still starts
facts(
    title="Notifications, interrupts in user space, and drivers out of the kernel",
    banner_board=parent.banner_board + "screen:   640x480, 32 bits per pixel, pitch 2560, "
                                       "1228800 bytes at 0x3c100000, for init\n",
    commands=("help", "info", "echo", "reboot", "lines", "hold", "ps", "run", "kill", "prio",
              "bench", "serial"),
    init_lines=parent.init_lines[:5] + WORKER_LINES,   # init no longer ends: it is the console
    ready_symbol="sched_start",   # the kernel's boot is over when the scheduler starts
    line_max=("user/shell.c", "LINE_MAX"),
    run_priority=("user/shell.c", "PRIO_RUN"),
    resident_threads=(1, 2, 3),   # init (the console), its worker, the serial server
    clock_cells=0,                # no clock in the corner: the kernel draws nothing
)

# ---- Retired: what the kernel's console could see and the user-level one cannot ----------------
_PEEK = "the console is a user program from step 10, and "
retire("mem-dumps-ram", _PEEK + "may read only memory it was given: `mem` is gone")
retire("mem-refuses-outside-ram", _PEEK + "may read only memory it was given: `mem` is gone")
retire("mbox-late-and-foreign-replies", "it made its late replies with the console's `mbox`, "
       "which is gone; the kernel asks the mailbox at boot only (the banner's board lines)")
retire("fb-command", "`fb` was the kernel console's; the banner's screen line and "
       "bootinfo-extra-holds-the-framebuffer say where the buffer is and whose")
retire("mbox-tag-errors", "`mbox` was the kernel console's; the kernel uses the mailbox at boot "
       "only (uart-divisor-from-core-clock and the banner's board lines hold that)")
retire("mmu-and-caches-on", _PEEK + "cannot read SCTLR_EL1; w-xor-x-in-the-tables reads the "
       "kernel's tables through gdb")
retire("pt-text-rodata-data", "`pt` walked the kernel's tables from its console; "
       "w-xor-x-in-the-tables walks them through gdb")
retire("pt-device-and-framebuffer", "`pt` walked the kernel's tables from its console; the "
       "kernel maps no device for a user any more: each driver maps its own frames")
retire("pt-unmapped", "`pt` walked the kernel's tables from its console")
for _kind in ("write-text", "exec-data", "read-unmapped", "undef", "align",
              "stack-hits-guard-page"):
    retire(f"fault-{_kind}", "the kernel's faults on purpose were the console's `fault`; "
           "early-exception-report still decodes one, and no user action reaches the panic")
retire("panic-halts", "it panicked the kernel through the console's `fault`; nothing a user "
       "program does can (the user-fault checks), and early-exception-report halts one")
retire("svc-returns", "`svc` made a system call from the kernel's console; every user program "
       "makes them now")
retire("tick-count-exact", "`uptime` read the kernel's tick count, which no user program can; "
       "tick-count-through-the-monitor still counts the ticks")
retire("uptime-advances", "`uptime` read the kernel's tick count, which no user program can")
retire("unhandled-irq-reported-once", "`irq test` was the kernel console's; irqtest shows what "
       "becomes of a line, claimed or not")
for _name in ("round-robin-in-exact-order", "spinner-cannot-starve-its-equals",
              "higher-priority-runs-within-a-tick", "priority-0-waits-for-the-spinner",
              "1000-spawn-kill-cycles-leak-nothing", "pool-runs-out-with-an-answer",
              "bad-input-changes-nothing", "prio-above-the-console-runs-at-once"):
    retire(_name, "`spawn` started the kernel's demo threads, which left with its console")
retire("worker-runs-in-the-cspace-init-made", "`caps` showed a CSpace from inside the kernel; "
       "the worker's own lines say what it holds")
retire("init-cspace-is-sel4s", "`caps` showed init's CSpace from inside the kernel; "
       "sel4-root-task-runs-as-init uses every slot seL4 gives a root task")
retire("cdt-shows-what-init-holds", "`cdt` showed the derivation tree from inside the kernel; "
       "launch-kill-gives-back-every-byte-and-slot revokes trees and counts what comes back")


# ---- Booting a kernel whose init is another program (INIT=) -------------------------------------

@contextlib.contextmanager
def as_init(step, program, slow=False, timeout=120, extra=None):
    """The step's kernel built with INIT=<program>.elf (common/step.mk: build/<step>-init/, or
    -init-slow/ with FASTPATH=0), booted. Every such build of the step shares its directory, so
    a lock is held from the build until QEMU has read the image (its banner has begun)."""
    variant = "-init" + ("-slow" if slow else "")
    if slow:
        slow_step(step)                # the FASTPATH=0 objects, built once under bench's lock
    os.makedirs(os.path.join(TOP, "build"), exist_ok=True)
    elf = os.path.join(step.build, "user", program + ".elf")
    with contextlib.ExitStack() as stack:
        with open(os.path.join(TOP, "build", step.name + variant + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            r = subprocess.run(["make", "-s", "build", f"STEP={step.name}", f"INIT={elf}"] +
                               (["FASTPATH=0"] if slow else []), cwd=TOP, capture_output=True,
                               text=True, timeout=300)
            expect_eq(r.returncode, 0, f"the INIT={program} build: {r.stdout[-500:]} "
                                       f"{r.stderr[-1500:]}")
            other = Step(step.name, variant)
            other.facts = step.facts
            m = stack.enter_context(other.boot(timeout=timeout, **({"extra": extra} if extra
                                                                   else {})))
            m.expect(f"{step.name}: ", timeout=30)
        m.step = other
        yield m


# From step 09's checks: `run NAME ARG` to its end, and the FASTPATH=0 kernel.
run_to_end = harness.load_group("09-ipc").module.run_to_end
slow_step = harness.load_group("09-ipc").module.slow_step


def lines_of(m, since=0):
    """The transcript from `since` on, as lines, without carriage returns."""
    return bytes(m.transcript[since:]).decode(errors="replace").replace("\r", "").split("\n")


# ---- The console, from user space ----------------------------------------------------------------

@check("banner", override="the console is init's: its greeting comes after init's lines")
def banner(step):
    """The kernel's banner names the step, the exception level, core 0, the timer and the
    kernel's extent, what the firmware says of the board and where the screen is; then init's
    lines (its worker's among them), then the console's greeting and prompt, now printed by
    init itself: the kernel prints nothing once init runs. Nothing comes before the banner."""
    start_, end = step.sym("__kernel_start"), step.sym("__kernel_end")
    with step.boot(timeout=30) as m:
        m.expect(PROMPT, timeout=20)
        got = bytes(m.transcript).decode(errors="replace")
    head = (f"{step.name}: {step.facts.title}\r\n"
            f"EL1 on core 0, timer 62500000 Hz, kernel 0x{start_:08x}-0x{end:08x}\r\n"
            + step.facts.banner_board.replace("\n", "\r\n"))
    expect_eq(got[:len(head)], head, "the banner, byte for byte")
    want = ("".join(line + r"\r\n" for line in step.facts.init_lines) +
            r"Type 'help' for the commands\.\r\n> ")
    expect_true(re.fullmatch(want, got[len(head):]),
                f"after the banner: {got[len(head):]!r}, want /{want}/")


@check("info", override="info is the user-level console's: what it can know from user space")
def info(step):
    """`info` names the step, says the console runs at EL0 in init's address space, and gives
    the serial server's receive counts (received, dropped, FIFO overruns); it takes no
    arguments."""
    with console(step) as m:
        out = output_of(m, "info").decode()
        received, dropped, overruns = rx_counts(m)
        refused = output_of(m, "info now")
    expect_true(f"step      {step.name}\r\n" in out, f"info names the step: {out!r}")
    expect_true("running   EL0, in init's address space\r\n" in out, f"info: EL0: {out!r}")
    expect_true(received > 0 and dropped == overruns == 0, f"info's receive counts: {out!r}")
    expect_eq(refused, b"usage: info (it takes no arguments)\r\n", "info with an argument")


@check("ps-columns", override="the console is init's main thread (thread 1, at 128); the serial "
                              "server is thread 3; the loader says what memory is left")
def ps_columns(step):
    """ps (the kernel's seL4_DebugDumpScheduler): the idle thread without priority or ASID;
    init, which is the console, running at 128 in ASID 1, its worker of step 08 inactive at
    200, the serial server blocked in Recv at 250, all in ASID 1; then the free TCBs and ASIDs,
    and, from the loader, the free frames. A hello started with `run` is a new thread in ASID
    2, and after `kill` every frame and ASID is back."""
    with console(step) as m:
        out = command(m, "ps").replace("\r", "")
        expect_true("  ID NAME             STATE         PRIO      TICKS  ASID\n" in out,
                    f"ps's header: {out!r}")
        expect_true(re.search(r"^   0 idle +idle +- +\d+$", out, re.M),
                    f"the idle thread, without a priority or an ASID: {out!r}")
        rows = user_rows(m)
        expect_eq({i: rows[i] for i in (1, 2, 3)},
                  {1: ("init", "running", "128", 1), 2: ("init", "inactive", "200", 1),
                   3: ("init", "blocked-recv", "250", 1)}, "init, its worker, the serial server")
        before = resources(m)
        ident = run_program(m, "hello", "ps")
        wait_fault(m, ident)
        expect_eq(user_rows(m)[ident], ("hello", "inactive", "100", 2), "an ended hello")
        command(m, f"kill {ident}")
        after = resources(m)
    expect_eq(after, before, "free TCBs, frames, ASIDs after kill")


@check("invariant-5-checked-in-a-debug-build", override="no demo threads: the console's own "
                                                        "work makes the kernel come and go")
def invariant_debug(step):
    """A debug kernel (make DEBUG=1, in build/<step>/debug) runs the console and a program as
    the release kernel does; when the bitmap is made to disagree with the ready queues
    (written with gdb: a bit set for an empty queue), its next exit from the kernel stops it,
    naming invariant 5."""
    debug = Step(step.name)
    debug.build = os.path.join(step.build, "debug")
    debug.img = os.path.join(debug.build, "kernel8.img")
    debug.elf = os.path.join(debug.build, "kernel8.elf")
    debug.facts = step.facts
    r = subprocess.run(["make", "-s", "-C", step.src, "DEBUG=1", f"B={debug.build}", "all"],
                       capture_output=True, text=True, timeout=300)
    expect_eq(r.returncode, 0, f"the debug build: {r.stderr[-600:]}")
    # A bit for priority 1, whose queue is empty, without its word's bit in bitmap_top: the
    # scheduler's choice reads bitmap_top first and never sees it (a bit at 255 would send the
    # next choice to an empty queue, before any exit could check), the check on the next
    # exit does.
    (word,) = debug.addresses("sched.bitmap[0]")
    with start(debug, serial=True) as m:
        m.gdb.resume()
        m.expect(PROMPT, timeout=30)
        since = len(m.transcript)
        wait_fault(m, run_program(m, "hello", "debug"), since)
        m.gdb.interrupt()
        m.gdb.write_mem(word, (1 << 1).to_bytes(8, "little"))    # priority 1, queue empty
        m.gdb.resume()
        m.send(b"echo x\r")
        m.expect(b"*** invariant 5 violated", timeout=20)
        m.expect(b"*** kernel panic: core 0 halted")


@check("typing-during-ticks-loses-nothing", override="an echo costs less now, and the tick count "
                                                     "is the kernel's: two `lines 1000` keep the "
                                                     "console busy, ps's ticks show time passed")
def typing_during_ticks(step):
    """Nearly 4 KiB of commands typed at once while the tick keeps interrupting: every line
    comes back, echoed and answered, in order, and the serial server dropped nothing. An echo
    is cheaper than the kernel console's was (it drew and scrolled), so the commands include
    two `lines 1000` (each line a write to the serial server, which draws it on the screen
    too: millions of instructions, a tick every 2 million), a third and two thirds of the way in:
    the rest of the typing arrives while the console is busy. The bytes typed fit the server's
    4 KiB ring, so none may be dropped however slow the console is. The threads' ticks in `ps`
    grow by 4 or more meanwhile."""
    import random
    ring = step.define("ring.h", "RING_SIZE")
    rnd = random.Random(5)
    lines, busy = [], "lines 1000"
    while sum(len(x) + 6 for x in lines) < ring - 2 * (len(busy) + 1) - 70:
        lines.append("".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789 ,.-")
                             for _ in range(rnd.randint(10, 58))).strip() or "x")
    cmds = [f"echo {x}" for x in lines]
    cmds[len(cmds) // 3:len(cmds) // 3] = [busy]
    cmds[2 * len(cmds) // 3:2 * len(cmds) // 3] = [busy]
    data = "".join(c + "\r" for c in cmds).encode()
    answer = {busy: "".join(f"line {i}\r\n" for i in range(1, 1001))}
    want = b"".join(f"{c}\r\n{answer.get(c, c[5:] + chr(13) + chr(10))}> ".encode()
                    for c in cmds)

    def ticks(m):
        return sum(int(t) for t in re.findall(r"^ *\d+ \S+ +\S+ +\S+ +(\d+)",
                                              command(m, "ps").replace("\r", ""), re.M))

    with console(step) as m:
        t1 = ticks(m)
        m.mark()
        start_ = len(m.transcript)
        m.send(data)
        last = f"{cmds[-1]}\r\n{cmds[-1][5:]}\r\n> ".encode()
        end = m.expect(last, timeout=120).end()
        got = bytes(m.transcript[start_:end])
        t2 = ticks(m)
        received, dropped, overruns = rx_counts(m)
    expect_true(len(data) <= ring, f"{len(data)} bytes typed, more than the ring's {ring}")
    if got != want:
        i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise CheckFailed(f"the console's answer differs from what was typed at byte {i}: "
                          f"got {got[i - 40:i + 40]!r}, want {want[i - 40:i + 40]!r}")
    expect_eq((dropped, overruns), (0, 0), "bytes dropped, FIFO overruns")
    expect_true(t2 >= t1 + 4, f"fewer than 4 ticks while the console worked ({t1} -> {t2})")


@check("serial-server-restarts", cost=2)
def serial_restart(step):
    """`serial restart`: init stops its serial server wherever it is and starts it again from
    its entry; the console goes on: the next command is read, echoed and answered, and the
    receive counts carry on from where they were."""
    with console(step) as m:
        r0, _, _ = rx_counts(m)
        out = command(m, "serial restart")
        expect_true("serial: server stopped and started again: NoError" in out,
                    f"serial restart: {out!r}")
        expect_eq(output_of(m, "echo after the restart"), b"after the restart\r\n",
                  "the console after the restart")
        r1, d1, o1 = rx_counts(m)
    expect_true(r1 > r0 and d1 == o1 == 0, f"receive counts across the restart: {r0} -> {r1}")


# ---- Notifications (notification.c) ----------------------------------------------------------

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


# ---- Interrupts in user space: IRQControl and IRQHandler caps (interrupt.c) ------------------

# What seL4 answers each case of user/irqtest.c, booted as init; a fault line is a regex. The
# device is the system timer's compare 1 (irq 33); a driver thread counts the signals it
# receives, and so does a server bound to a notification (an interrupt while it answers a
# Call: its ReplyRecv must return the signal, which the IPC fastpath would leave pending).
IRQTEST = [
    "irqtest: a driver (priority 90) waits on a notification, a bystander (80) on another, a "
    "server (70) on an endpoint; this thread runs at 50",
    "irqtest: IRQControl_Get of irq 1 (the kernel's tick): RevokeFirst",
    "irqtest: IRQControl_Get of irq 8 (the cascade from the BCM2835 controller): RevokeFirst",
    "irqtest: IRQControl_Get of irq 96: RangeError 0..95",
    "irqtest: IRQControl_Get of irq 33 (system timer compare 1): NoError",
    "irqtest: IRQControl_Get of irq 33 again, to another slot: RevokeFirst",
    "irqtest: IRQControl_Get of irq 34 to the slot that holds irq 33's: DeleteFirst",
    "irqtest: IRQControl_GetTrigger of irq 34: IllegalOperation",
    "irqtest: IRQHandler_SetNotification with a read-only cap: InvalidCapability 0; with a cap "
    "of badge 0x20: NoError",
    "irqtest: compare 1 matched: the driver got badge 0x20 (1)",
    "irqtest: 3 more matches, no Ack: the driver got 1 signals",
    "irqtest: Ack (NoError), the last match still pending: the driver got 2 signals",
    "irqtest: the match cleared, Ack (NoError), one more match: the driver got 3 signals",
    "irqtest: the bystander, waiting on another notification, got 0 signals",
    "irqtest: the line to the server's bound notification (NoError); a Call that it answers "
    "once compare 1 has matched (label 0): its ReplyRecv returned badge 0x80 (1)",
    "irqtest: IRQHandler_Clear (NoError), Ack, a match: the driver got 3 signals",
    "irqtest: SetNotification (NoError) and Ack, the match still pending: the driver got 4 "
    "signals",
    "irqtest: the IRQHandler cap copied (NoError), the original deleted (NoError): "
    "IRQControl_Get of irq 33: RevokeFirst",
    "irqtest: the copy deleted too (NoError), a match: the driver got 4 signals",
    "irqtest: IRQControl_Get of irq 33: NoError; the match still pending, and no notification "
    "set: the driver got 4 signals",
    "irqtest: SetNotification with badge 0x40 (NoError) and Ack: the driver got badge 0x40 (5)",
    "irqtest: the IRQHandler cap deleted (NoError); done",
    re.compile(r"fault: init\[1\] brk #0 "),
]


def expect_transcript(lines, expected, what):
    expect_eq(lines, expected_for(lines, expected), what)
    expect_eq(len(lines), len(expected), f"the number of lines of {what}")


def irqtest_lines(step, slow=False):
    """irqtest booted as init, to its end: its own lines and its fault lines."""
    with as_init(step, "irqtest", slow=slow) as m:
        m.expect(re.compile(rb"fault: init\[1\] brk #0 .*\r\n"), timeout=60)
        out = lines_of(m)
    return [ln for ln in out if ln.startswith(("irqtest: ", "fault: "))]


@check("irqtest-claims-and-delivery")
def irqtest(step):
    """irqtest, a root task (it alone holds IRQControl, which cannot be copied): every case
    prints what seL4 would. IRQControl_Get refuses the kernel's own lines (the tick, the
    cascade) and a line already claimed with RevokeFirst, a number past 95 with RangeError
    0..95, a full slot with DeleteFirst; GetTrigger is IllegalOperation on this board;
    SetNotification needs Write. The system timer's compare 1 then reaches the driver once per
    Ack, however often it matches in between; never a thread waiting on another notification;
    a server whose bound notification the line signals while it answers a Call gets the
    signal from its ReplyRecv (the fastpath gives way); nobody after Clear. A line stays
    claimed while any copy of its IRQHandler cap exists and is free once the last goes."""
    expect_transcript(irqtest_lines(step), IRQTEST, "irqtest's transcript")


@check("irqtest-the-same-without-the-fastpath", cost=4)
def irqtest_slow(step):
    """The FASTPATH=0 kernel runs irqtest with the same lines: the server's Calls and
    ReplyRecvs, which the fastpath takes but for the one that must return an interrupt's
    signal, answer the same on the slowpath."""
    expect_transcript(irqtest_lines(step, slow=True), IRQTEST,
                      "irqtest's transcript on the FASTPATH=0 kernel")


@check("console-programs-share-the-timer-line")
def timer_line(step):
    """Every program the console starts gets a frame of the system timer and a copy of init's
    IRQHandler for its compare 1 (irq 33); `run signal` takes the interrupt with it (its
    irq-to-user line) and, once killed, leaves the line to the next: a second `run signal`
    does the same."""
    with console(step, timeout=120) as m:
        for _ in range(2):
            out, ident = run_to_end(m, "signal", timeout=60)
            command(m, f"kill {ident}")
            expect_true(any(ln.startswith("bench: irq-to-user ") for ln in out),
                        f"signal's irq-to-user: {out!r}")


# ---- The screen is init's ----------------------------------------------------------------------
# From step 10 the kernel draws nothing: it asks the firmware for a framebuffer at boot, says so
# in its banner, and hands it to init as device untypeds, with the geometry in BootInfo's extra
# region; the terminal is a user library (user/fbterm.c), which the serial server draws with.
retire("glyph-cell-from-font", "the kernel draws no glyphs; user-terminal-draws-the-font "
       "holds every cell of init's terminal to the font")
retire("golden-image", "the kernel's screen is gone; user-terminal-draws-the-font compares "
       "init's screen, pixel for pixel, with a rendering computed from the font")
retire("scroll-100-lines", "user-terminal-draws-the-font scrolls init's terminal")
retire("colours", "`color` went with the kernel's terminal; user-terminal-draws-the-font checks "
       "all 16 colours on init's screen")
retire("uart-and-screen-agree", "the kernel's output no longer reaches the screen; "
       "user-terminal-draws-the-font holds init's screen to the bytes sent to the serial line")
retire("mbox-refused-resolution", "`fb set` is gone: the buffer is allocated once, at boot, and "
       "is init's")
retire("clock-on-screen", "the kernel draws no clock: the screen is init's "
       "(kernel-leaves-the-screen-alone)")

SCREEN_LINE = re.compile(r"screen:   (\d+)x(\d+), (\d+) bits per pixel, pitch (\d+), (\d+) bytes "
                         r"at 0x([0-9a-f]+), for init\r\n")
PAGE = 4096
FB_CHUNK_ID = 0x6266                   # BOOTINFO_HEADER_FRAMEBUFFER (abi.h): 'f' 'b'


def screen_of(m):
    """What the banner's screen line says: (width, height, depth, pitch, size, address)."""
    found = SCREEN_LINE.search(bytes(m.transcript).decode(errors="replace"))
    expect_true(found, f"no 'screen:' line in the banner: {m.tail(900)!r}")
    return tuple(int(v, 16 if i == 5 else 10) for i, v in enumerate(found.groups()))


def pages_of(pa, size):
    """The pages a buffer covers: [first, end)."""
    return pa // PAGE * PAGE, (pa + size + PAGE - 1) // PAGE * PAGE


def pattern_words(size):
    """A picture no kernel would draw by chance: one 0x00RRGGBB word per 4 bytes, from a
    multiplicative hash of the word's index (neighbouring pixels differ in every channel)."""
    return [((i * 2654435761) >> 8) & 0xFFFFFF for i in range(size // 4)]



@check("kernel-leaves-the-screen-alone")
def kernel_leaves_screen(step):
    """The kernel asks the firmware for the framebuffer and never writes to it: QEMU's loader
    puts a picture in the buffer's memory before the first instruction (where the banner of a
    first boot says the buffer will be), and with hello as init (it never looks at the
    screen), once hello has ended the screen still shows that picture, pixel for pixel."""
    with console(step) as m:
        w, h, _, pitch, size, pa = screen_of(m)
    words = pattern_words(size)
    path = os.path.join(step.build, "screen-pattern.bin")
    with open(path, "wb") as f:
        f.write(struct.pack(f"<{len(words)}I", *words))
    loader = ["-device", f"loader,file={path},addr={pa:#x},force-raw=on"]
    with as_init(step, "hello", extra=loader) as m:
        m.expect(re.compile(rb"fault: init\[1\] brk #0 "), timeout=30)
        s = grab(m, m.step, "kernel-leaves-the-screen-alone")
    bad = []
    for y in range(h):
        for x in range(w):
            v = words[(y * pitch + 4 * x) // 4]
            if s.pixel(x, y) != v:
                bad.append((x, y, f"{s.pixel(x, y):06x}", f"{v:06x}"))
    expect_eq(bad[:3], [], f"pixels changed since the loader put the picture there ({len(bad)} "
                           f"of {w * h}; build/{step.name}-init/kernel-leaves-the-screen-alone.png)")


@check("no-framebuffer-serial-only", override="the console is serial-only anyway: without a "
                                              "framebuffer init gets none, and says so")
def no_framebuffer(step):
    """If the VideoCore never answers (mbox_call patched to return MBOX_ERR_TIMEOUT before the
    kernel starts, as step 03's check does), the kernel says that init gets no framebuffer,
    init says it has no screen, and the console works on the serial line."""
    patch = (0x52800040).to_bytes(4, "little") + (0xD65F03C0).to_bytes(4, "little")  # mov w0, #2; ret
    with step.boot(timeout=60, paused=True) as m:
        m.gdb.write_mem(step.pa(step.sym("mbox_call")), patch)  # MMU still off: physical
        m.gdb.resume()
        m.expect("screen:   none: init gets no framebuffer")
        m.expect("init: no screen: ")
        m.expect(PROMPT)
        echo = output_of(m, "echo still here")
    expect_eq(echo, b"still here\r\n", "echo without a screen")


UNTYPED_LINE = re.compile(r"^screen: untyped 0x([0-9a-f]+) 2\^(\d+) (ram|device)$", re.M)
EXTRA_LINE = re.compile(r"^screen: extraLen (\d+), extraBIPages (\d+)-(\d+)(?:, chunk id 0x([0-9a-f]+) "
                        r"len (\d+): paddr 0x([0-9a-f]+) size (\d+), (\d+)x(\d+), pitch (\d+), "
                        r"depth (\d+), order (\d+))?$", re.M)


_screen = {}
_screen_lock = threading.Lock()


def screen_boot(step):
    """user/screen.c booted as init, to its end: the whole transcript, the screen, the font.
    Three checks read it; the first to ask boots it, once for the run (under -icount the
    transcript and the screen are the same every time)."""
    with _screen_lock:
        if step.name not in _screen:
            f = Font(os.path.join(step.src, "user", FONT_FILE))
            with as_init(step, "screen") as m:
                m.expect(SCREEN_END, timeout=120)
                m.expect(re.compile(rb"fault: init\[1\] brk #0"), timeout=20)
                _screen[step.name] = (bytes(m.transcript), grab(m, m.step, "user-terminal"), f)
        return _screen[step.name]


def kernel_pages(step):
    """The peripheral pages the kernel keeps (process.c's kernel_pages[]), read from the source
    so that a step that gives one away needs no other change here."""
    with open(os.path.join(step.src, "process.c")) as f:
        text = f.read()
    body = re.search(r"kernel_pages\[\] = \{(.*?)\};", text, re.S)
    expect_true(body, "process.c has no kernel_pages[] = { ... };")
    return [int(v, 16) for v in re.findall(r"UL\((0x[0-9A-Fa-f]+)\)", body.group(1))]


@check("untypeds-cover-free-memory", override="init's untypeds are read by a root task itself "
                                              "(user/screen.c); the framebuffer's are apart")
def untypeds(step):
    """The untypeds a root task gets (user/screen.c as init prints BootInfo's list): its RAM
    untypeds are aligned powers of two that tile [16 MiB, the end of the ARM's RAM) exactly,
    plus 1 MiB of its own block; its device untypeds tile the peripherals 0x3F000000-
    0x3FFFFFFF but for the pages the kernel keeps, and the framebuffer's pages (the banner
    says where), which lie above the ARM's RAM: no byte twice."""
    data, _, _ = screen_boot(step)
    said = data.decode(errors="replace").replace("\r", "")
    m_ = re.search(r"memory: +ARM (\d+) MiB at 0x([0-9a-f]+)", said)
    fb = SCREEN_LINE.search(data.decode(errors="replace"))
    expect_true(m_ and fb, f"the banner's memory and screen lines: {said[:900]!r}")
    size, pa = int(fb.group(5)), int(fb.group(6), 16)
    rows = [(int(p, 16), int(b), k) for p, b, k in UNTYPED_LINE.findall(said)]
    expect_true(rows, f"screen's untyped lines: {said[-900:]!r}")
    for p, bits, _ in rows:
        expect_true(p % (1 << bits) == 0, f"untyped 0x{p:x} (2^{bits}) is not aligned")
    ram_end = int(m_.group(2), 16) + (int(m_.group(1)) << 20)
    ram = sorted((p, p + (1 << b)) for p, b, k in rows if k == "ram" and p >= 0x1000000)
    expect_eq((ram[0][0], ram[-1][1]), (0x1000000, ram_end), "where the RAM untypeds start and end")
    expect_true(all(a[1] == b[0] for a, b in zip(ram, ram[1:])), f"gaps or overlaps: {ram}")
    lo, hi = pages_of(pa, size)
    expect_true(lo >= ram_end, f"the framebuffer 0x{lo:x} is in the ARM's RAM (to 0x{ram_end:x})")
    fbu = sorted((p, p + (1 << b)) for p, b, k in rows if k == "device" and p < 0x3F000000)
    expect_true(fbu and fbu[0][0] == lo and fbu[-1][1] == hi and
                all(a[1] == b[0] for a, b in zip(fbu, fbu[1:])),
                f"device untypeds below the peripherals: want the framebuffer's pages "
                f"0x{lo:x}-0x{hi:x} exactly, got {[(hex(a), hex(b)) for a, b in fbu]}")
    dev = sorted((p, p + (1 << b)) for p, b, k in rows if k == "device" and p >= 0x3F000000)
    kept = kernel_pages(step)
    expect_eq(sum(e - s for s, e in dev), 0x1000000 - PAGE * len(kept),
              "bytes of the peripherals' device untypeds")
    for page in kept:
        expect_true(not any(s <= page < e for s, e in dev), f"page 0x{page:x} was given away")
    expect_true(all(a[1] <= b[0] for a, b in zip(dev, dev[1:])), f"device overlaps: {dev}")


@check("bootinfo-extra-holds-the-framebuffer")
def bootinfo_extra(step):
    """init's BootInfo (as user/screen.c, booted as init, reads it) says extraLen = 56 and
    names one frame in extraBIPages; the chunk there is {id 0x6266, len 56} and the
    framebuffer the banner describes (address, size, 640x480, pitch, 32 bits, pixel order 0).
    A program the console starts gets extraLen 0: only init gets the screen."""
    data, _, _ = screen_boot(step)
    w, h, depth, pitch, size, pa = (int(v, 16 if i == 5 else 10) for i, v in
                                    enumerate(SCREEN_LINE.search(data.decode()).groups()))
    said = data.decode(errors="replace").replace("\r", "")
    found = EXTRA_LINE.search(said)
    expect_true(found and found.group(4), f"screen's extra line: {said[-1500:]!r}")
    g = found.groups()
    expect_eq((int(g[0]), int(g[2]) - int(g[1])), (56, 1), "extraLen, frames in extraBIPages")
    expect_eq((int(g[3], 16), int(g[4])), (FB_CHUNK_ID, 56), "the chunk's header {id, len}")
    expect_eq((int(g[5], 16), int(g[6]), int(g[7]), int(g[8]), int(g[9]), int(g[10]), int(g[11])),
              (pa, size, w, h, pitch, depth, 0), "the chunk: paddr, size, width, height, pitch, "
                                                 "depth, pixel order")
    with console(step) as m:
        out, ident = run_to_end(m, "screen")
        command(m, f"kill {ident}")
    found = EXTRA_LINE.search("\n".join(out))
    expect_true(found and found.group(1) == "0" and found.group(4) is None,
                f"a program the console starts: {out!r}")


class Terminal:
    """What init's terminal (user/fbterm.c) shows after the bytes `data`: each cell's
    character and colours, and the cursor. The rules of the kernel's terminal of steps 03-09
    (screen.py's terminal_model), written again with colours: ESC [ n;.. m sets them (30-37,
    90-97, 39 the foreground, 40-47, 100-107, 49 the background, 0 both), ESC [ 2 J paints the
    screen in the background colour, a scroll paints the new bottom row in it."""

    def __init__(self, cols, rows):
        self.cols, self.rows = cols, rows
        self.fg, self.bg = FG, BG
        self.col = self.row = 0
        self.cells = [self.blank() for _ in range(rows)]

    def blank(self):
        return [(" ", self.bg, self.bg) for _ in range(self.cols)]

    def sgr(self, n):
        if n == 0:
            self.fg, self.bg = FG, BG
        elif 30 <= n <= 37 or 90 <= n <= 97:
            self.fg = PALETTE[n - 30 if n < 90 else n - 90 + 8]
        elif 40 <= n <= 47 or 100 <= n <= 107:
            self.bg = PALETTE[n - 40 if n < 100 else n - 100 + 8]
        elif n == 39:
            self.fg = FG
        elif n == 49:
            self.bg = BG

    def newline(self):
        self.col, self.row = 0, self.row + 1
        if self.row == self.rows:
            self.cells = self.cells[1:] + [self.blank()]
            self.row = self.rows - 1

    def feed(self, data):
        esc, params = None, ""
        for ch in data.decode("latin-1"):
            if esc == "seen":
                esc, params = ("csi" if ch == "[" else None), ""
            elif esc == "csi":
                if "@" <= ch <= "~":
                    esc = None
                    nums = [int(p) if p else 0 for p in params.split(";")][:4]
                    if ch == "m":
                        for n in nums:
                            self.sgr(n)
                    elif ch == "J" and nums[0] == 2:
                        self.cells = [self.blank() for _ in range(self.rows)]
                        self.col = self.row = 0
                    elif ch == "H":
                        self.col = self.row = 0
                elif ch.isdigit() or ch == ";":
                    params += ch
            elif ch == "\x1b":
                esc = "seen"
            elif ch == "\n":
                self.newline()
            elif ch == "\r":
                self.col = 0
            elif ch == "\t":
                self.col = min((self.col // 8 + 1) * 8, self.cols)
            elif ch == "\b":
                self.col = max(self.col - 1, 0)
            elif " " <= ch < "\x7f":
                if self.col >= self.cols:
                    self.newline()
                self.cells[self.row][self.col] = (ch, self.fg, self.bg)
                self.col += 1

    def pixels(self, f):
        """The screen as rows of 0xRRGGBB pixels, the cursor drawn: the bottom two pixel rows
        of its cell (the last column while a wrap is pending) exclusive-ored with fg ^ bg."""
        out = [[0] * (self.cols * f.w) for _ in range(self.rows * f.h)]
        for r, line in enumerate(self.cells):
            for c, (ch, fg, bg) in enumerate(line):
                for y, row in enumerate(expected_cell(f, ch, fg, bg)):
                    out[r * f.h + y][c * f.w:(c + 1) * f.w] = row
        col = min(self.col, self.cols - 1)
        for y in range((self.row + 1) * f.h - 2, (self.row + 1) * f.h):
            for x in range(col * f.w, (col + 1) * f.w):
                out[y][x] ^= self.fg ^ self.bg
        return out

    def text(self):
        return ["".join(ch for ch, _, _ in line) for line in self.cells]



SCREEN_START = b"\x1b[0m\x1b[2J\x1b[H"     # what user/screen.c sends first
SCREEN_END = b"screen: done\r\n"


@check("user-terminal-draws-the-font", cost=6)
def user_terminal(step):
    """`make build STEP=10 INIT=build/10-notify/user/screen.elf`: init is user/screen.c, which
    maps the framebuffer from its untypeds and prints through fbterm, on the screen and on the
    serial line alike: 40 numbered lines (the screen scrolls), all 95 printable characters (a
    wrapped line), the five colour pairs of step 03's golden image, all 16 foreground and
    background colours, a tab, a backspace, a bell. The screen read back is, pixel for pixel,
    the serial transcript run through a model of the terminal and drawn with the font file
    (user/Lat15-VGA16.psf, parsed here): the same cells, colours and cursor as the kernel's
    terminal had until step 09. The serial server draws its console with the same library."""
    data, s, f = screen_boot(step)
    start_, end = data.find(SCREEN_START), data.find(SCREEN_END)
    expect_true(0 <= start_ < end, f"screen's output, from ESC [0m ESC [2J ESC [H to 'screen: "
                                   f"done': {data[-600:]!r}")
    model = Terminal(s.w // f.w, s.h // f.h)
    model.feed(data[start_:end + len(SCREEN_END)])
    text = model.text()
    printable = "".join(chr(c) for c in range(0x20, 0x7F))
    expect_true(printable[:80] in text and printable[80:] + " " * 65 in text and
                "screen: done" + " " * 68 in text and "line 40" + " " * 73 in text,
                f"the model's screen lacks what screen.c prints: {text}")
    want = model.pixels(f)
    wrong = {}
    for y in range(s.h):
        for x in range(s.w):
            if s.pixel(x, y) != want[y][x]:
                wrong.setdefault((x // f.w, y // f.h), (x % f.w, y % f.h, f"{s.pixel(x, y):06x}",
                                                        f"{want[y][x]:06x}"))
    if wrong:
        rgb = bytes(v for row in want for p in row for v in (p >> 16, p >> 8 & 0xFF, p & 0xFF))
        write_png(os.path.join(TOP, "build", step.name + "-init", "user-terminal-expected.png"),
                  s.w, s.h, rgb)
        (col, row), first = sorted(wrong.items(), key=lambda kv: (kv[0][1], kv[0][0]))[0]
        raise CheckFailed(f"{len(wrong)} cells differ from the model, the first at col {col}, "
                          f"row {row} ({text[row]!r}): (x, y, got, want) in it = {first}; "
                          f"build/{step.name}-init/user-terminal.png against "
                          f"user-terminal-expected.png")


# ---- A root task of seL4's: sel4bench (user/sel4bench.c), and any program as init -------------

@check("runs-any-init-given-with-INIT", override="step 10 has no console in the kernel: a "
                                                 "program booted as init is all there is")
def other_init(step):
    """`make build STEP=10 INIT=build/10-notify/user/captest.elf` builds a kernel (in
    build/10-notify-init/) whose init is captest: it boots, captest runs as thread 1 (the
    kernel names it init), its Retype/Revoke cycles run from the root task with the
    watermark back at 0 every time, and it ends; step 10's own build is left as it was."""
    before = os.path.getmtime(step.img)
    with as_init(step, "captest", timeout=180) as m:
        m.expect(re.compile(rb"fault: init\[1\] brk #0"), timeout=120)
        said = "\n".join(lines_of(m))
    expect_true("captest: 10000 retype/revoke cycles: first frame moved 0 times; 9 of 9 slots "
                "empty again" in said, f"the cycles, run by init: {said[-800:]!r}")
    expect_eq(os.path.getmtime(step.img), before, "step 10's own kernel8.img")


SEL4BENCH_FIGURE = re.compile(r"^sel4bench: (\S+) min (\d+) median (\d+) kernel (\d+)$", re.M)
# Each figure's name, the user instructions its stub puts in a sample (user/sel4bench.c: the
# client's 6 and the server's 5 for a round trip), and its goal in instructions. seL4 on the
# same emulator: 539 for a round trip in one address space, 313 and 325 for the other two
# (chapter 11 sets them side by side); this kernel: 434 across two address spaces (390 in one),
# 218 and 233. The goals are the book's for Yield and Signal (250); the round trip's is its figure
# with 10% to spare (the 400 of chapter 9 is for one address space, which bench-figures holds).
SEL4BENCH_GOALS = {"call-replyrecv": (11, 480), "yield": (3, 250), "signal": (5, 250)}



@check("sel4-root-task-runs-as-init")
def sel4_root_task(step):
    """`make build STEP=10 INIT=build/10-notify/user/sel4bench.elf` builds a kernel whose init
    is user/sel4bench.c, a root task written against libsel4 alone: it boots, makes a server
    thread in a CSpace and a VSpace of its own, which signals it and answers its first Call
    with the word plus the caller's badge; seL4_DebugDumpScheduler then shows the server
    blocked in Recv, in another ASID than init's; then it prints its three figures, counted as
    seL4's were, each within its goal, with the kernel's part and the stubs' user instructions
    adding up."""
    with as_init(step, "sel4bench") as m:
        m.expect(b"sel4bench: done", timeout=60)
        m.expect(re.compile(rb"\d+ of \d+ ASIDs free\r\n"), timeout=20)
        said = "\n".join(lines_of(m))
        rows = {int(i): (n, s, p, int(a)) for i, n, s, p, _, a in
                                           re.findall(r"^ *(\d+) (\S+) +(\S+) +(\S+) +(\d+) +(\d+)$",
                                                      said, re.M)}
    expect_true("fault:" not in said and "failed" not in said, f"sel4bench: {said[-1200:]!r}")
    expect_true("sel4bench: a server in its own CSpace and VSpace signalled 0x10 and answered "
                "41 + badge 1 = 42 (label 0, length 1)\n" in said,
                f"the server's first answer: {said[-1200:]!r}")
    expect_true(re.search(r"^sel4bench: \d+ Signals with badge 0x1, then Poll: 0x1$", said,
                          re.M), f"the notification's word after the Signals: {said[-800:]!r}")
    servers = [i for i in rows if i != 1]
    expect_eq(len(servers), 1, f"user threads besides init: {rows}")
    name, state, _, asid = rows[servers[0]]
    expect_eq(state, "blocked-recv", "the server thread's state")
    expect_true(asid != rows[1][3], f"the server's ASID {asid} is init's {rows[1][3]}")
    figures = {k: tuple(map(int, v)) for k, *v in SEL4BENCH_FIGURE.findall(said)}
    expect_eq(sorted(figures), sorted(SEL4BENCH_GOALS), f"sel4bench's figures: {figures}")
    if "violated" in step.symbols:
        return                         # a debug build (DEBUG=1): its checks cost thousands
    wrong = {}
    for key, (low, median, kernel) in figures.items():
        user, goal = SEL4BENCH_GOALS[key]
        if not (low <= median <= goal and low - kernel == user):
            wrong[key] = (f"min {low} median {median} kernel {kernel}: goal {goal}, "
                          f"{user} user instructions")
    expect_eq(wrong, {}, "figures off their goals, in instructions")


# ---- The loader (user/loader.c), as init: user/launch.c ----------------------------------------

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




def launch_as_init(step):
    """user/launch.c booted as init, to its end: its lines."""
    with as_init(step, "launch", timeout=240) as m:
        m.expect(b"launch: done\r\n", timeout=200)
        return lines_of(m)


@check("launch-learns-of-faults-from-fault-messages", cost=3)
def launch_faults(step):
    """The loader gives each child's TCB a fault endpoint (a badged endpoint cap in the
    child's own CNode, slot 4095) and extra caps at slots 4088 on: hello alice, given one,
    has a cap in 4088 and 4095 and none in 4089. faults write-code's data abort comes to the
    loader as seL4's VM fault message, with the address, pc and ESR the kernel's fault line
    prints; faults syscall's as an unknown-syscall message with its number, 1234, and pc;
    faults brk's `brk #7` as a user exception, which the loader answers (ReplyRecv, past the
    fastpath) with the next pc: the program goes on to its end."""
    children = launch_children(launch_as_init(step))
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
    """Each child of launch is made from one untyped the loader carves from its block, and
    killed by suspending it and revoking and deleting that untyped: the block's free bytes
    (Retype's NotEnoughMemory answer) and the loader's empty slots (Move onto itself) are the
    same before each start and after each kill, for each of the six programs and for 200
    start/kill cycles of hello, each of which finds the same thread id free."""
    out = launch_as_init(step)
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
    hellos = [int(f.group(1)) for f in re.finditer(r"^fault: hello\[(\d+)\] brk #0 ",
                                                   "\n".join(out), re.M)]
    expect_eq((len(hellos), len(set(hellos))), (201, 1),
              "hello's ends, and the thread ids they had (each kill gives the id back)")


# ---- What notifications and interrupts cost, and the kernel's size (`make bench`) ---------------

def bench_rows(step):
    """`bench` on `step`'s kernel: {key: value}."""
    with console(step) as m:
        out = command(m, "bench", timeout=90)
    return {k: v for k, v, _, _ in bench_harness.parse(step.name, out.replace("\r", ""))}


@check("bench-figures", override="the kernel measures nothing itself from step 10: user programs "
                                 "do, and signal, signal-wake and irq-to-user join them",
       needs=("irqtest-the-same-without-the-fastpath",), cost=5)
def bench(step):
    """bench's figures, all measured from user space now: null-syscall and yield-self (the
    program bench), the round trips (ping), and signal, signal-wake and irq-to-user (signal).
    Their goals, in instructions: a Signal with nobody waiting within 250, user stub included
    (seL4 takes 325 on the same emulator), irq-to-user within 400, signal-wake within 400 (a
    guard set from the first measurement, 371); step 09's stay: Call+ReplyRecv within 400,
    10 words within 1,200, the FASTPATH=0 kernel's within 1,100, null-syscall 120, yield 250.
    (Not in a debug build, whose checks cost thousands.)"""
    rows = bench_rows(step)
    expect_eq(sorted(rows), sorted(["null-syscall", "yield-self", "call-replyrecv",
                                    "call-replyrecv-2as", "call-replyrecv-10", "signal",
                                    "signal-wake", "irq-to-user"]),
              f"the figures of bench ({rows})")
    expect_true(all(v > 0 for v in rows.values()), f"a figure is 0: {rows}")
    if "violated" in step.symbols:
        return
    slow = bench_rows(slow_step(step))["call-replyrecv"]
    goals = {"call-replyrecv": 400, "call-replyrecv-10": 1200, "null-syscall": 120,
             "yield-self": 250, "signal": 250, "signal-wake": 400, "irq-to-user": 400}
    over = {k: f"{rows[k]} (goal {g})" for k, g in goals.items() if rows[k] > g}
    if slow > 1100:
        over["call-replyrecv-slow"] = f"{slow} (goal 1100)"
    expect_eq(over, {}, "figures over their goals, in instructions")


@check("kernel-size-within-goals")
def kernel_size(step):
    """The kernel's own size, as `make bench` prints it (common/bench.py): its text and data,
    not counting the user programs it carries (init), within the goal of 48 KiB (seL4's
    AArch64 kernel: about 162 KiB). Its C and assembly, comments and blank lines aside, are
    held to 5,100 lines, a guard just above what they are: the goal of 4,000 is not met, and
    chapter 11 says what the lines are spent on."""
    rows = {k: v for k, v, _, _ in bench_harness.kernel_rows(step.name)}
    expect_true(rows["kernel-bytes"] <= 48 * 1024, f"kernel-bytes {rows['kernel-bytes']} "
                                                   f"(goal 49152)")
    expect_true(rows["kernel-lines"] <= 5100, f"kernel-lines {rows['kernel-lines']} (guard 5100)")


# ---- The exercises of this step (workshop mode: `make exercise STEP=10`) ----------------------
# (Imported here, not above, so that this section stays at the end of the file.)
from harness import exercise  # noqa: E402

# ntfn_signal (notification.c): the stand-in loses a signal that finds threads waiting or a
# signal pending; the idle case, which every interrupt to the serial server takes, is left, so
# the console works. ntfntest's words and waiters, irqtest's driver, signal's signal-wake and
# irq-to-user, and sel4bench's first Wait fail.
exercise("ntfn_signal", "ntfntest-signal-wait-poll", "irqtest-claims-and-delivery",
         "irqtest-the-same-without-the-fastpath", "bench-figures", "sel4-root-task-runs-as-init")
# proc_kill (user/loader.c): the stand-in stops the program and gives nothing back, so the
# checks that count what comes back after a kill fail; and the next program the console starts
# finds the old untyped still in the slot the loader freed (DeleteFirst), so a check that runs
# a second program fails too, as does launch, whose one block is gone after its first child.
exercise("proc_kill", "ps-columns", "500-run-kill-cycles-leak-nothing",
         "fuzz-1000000-syscalls-leak-nothing", "10000-retype-revoke-cycles-and-random-invocations",
         "ipcfuzz-leaves-nothing", "kv-badges-keep-clients-apart", "ipctest-answers-as-sel4",
         "ipctest-the-same-without-the-fastpath", "fastpath-round-trip-taken", "bench-figures",
         "console-programs-share-the-timer-line", "launch-kill-gives-back-every-byte-and-slot",
         "launch-learns-of-faults-from-fault-messages")
