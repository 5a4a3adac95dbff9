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
