"""Helpers for checks of threads and the scheduler (step 06 on): `spawn`, `ps` parsed, the
demo threads' lines, and a way to start several threads at the same moment."""

import re

from console import command
from harness import CheckFailed, expect_true

WFI = 0xD503207F                       # the instruction's encoding
YIELDER = re.compile(r"yielder (\d+): round (\d+) at tick (\d+)")
SPAWNED = re.compile(r"spawned thread (\d+): (\S+) at priority (\d+), tick (\d+)")
PS_ROW = re.compile(r"^ *(\d+) (\S+) +(\S+) +(\S+) +(\d+)$", re.M)
PS_FREE = re.compile(r"^(\d+) of (\d+) TCBs free$", re.M)


def timeslice(step):
    return step.define("sched.h", "SCHED_TIMESLICE")


def spawn(m, name, prio):
    """`spawn NAME PRIO`: the new thread's id and the tick it was made at."""
    out = command(m, f"spawn {name} {prio}")
    found = SPAWNED.search(out)
    expect_true(found, f"spawn {name} {prio} answered {out!r}")
    return int(found.group(1)), int(found.group(4))


def spinner_above(m, step, prio):
    """A thread that spins at `prio`, for as long as it lives: the kernel's demo spinner
    (`spawn`, steps 06-09), or from step 10, which has no kernel threads to spawn, the user
    program spin started with `run` and raised with `prio`. Returns its id, for `kill`."""
    if "spawn" in step.facts.commands:
        return spawn(m, "spinner", prio)[0]
    out = command(m, "run spin")
    found = re.search(r"started thread (\d+): spin ", out)
    expect_true(found, f"run spin answered {out!r}")
    out = command(m, f"prio {found.group(1)} {prio}")
    expect_true(f"priority {prio}: NoError" in out, f"prio answered {out!r}")
    return int(found.group(1))


def ps(m):
    """`ps` parsed: ({id: (name, state, prio, ticks)}, free TCBs, pool size)."""
    out = command(m, "ps").replace("\r", "")
    rows = {int(i): (n, s, p, int(t)) for i, n, s, p, t in PS_ROW.findall(out)}
    found = PS_FREE.search(out)
    expect_true(found and rows, f"ps answered {out!r}")
    return rows, int(found.group(1)), int(found.group(2))


def without_ticks(rows):
    """ps's rows without the TICKS column, which moves on by itself."""
    return {i: r[:3] for i, r in rows.items()}


def yielder_lines(m, since, ids, rounds):
    """Wait until each yielder in `ids` has printed round `rounds`; return every yielder line
    printed from transcript offset `since` on, as (id, round, tick), in order."""
    for i in ids:
        m.expect(re.compile(rb"yielder %d: round %d at tick \d+\r\n" % (i, rounds)), timeout=30,
                 start=since)
    text = bytes(m.transcript[since:]).decode(errors="replace")
    return [tuple(map(int, g)) for g in YIELDER.findall(text)]


def wait_inactive(m, ident, last):
    """Wait for thread `ident`'s last line (`last`, bytes), then ps until it has ended (it
    prints that line a moment before). The wait leaves the console idle, so a thread below it
    gets the processor; asking ps over and over would keep the console busy and starve it."""
    m.expect(last, timeout=60, start=0)
    for _ in range(50):
        rows, _, _ = ps(m)
        if rows[ident][1] == "inactive":
            return rows
    raise CheckFailed(f"thread {ident} did not end: {rows}")


def held_start(m, prio, others):
    """A spinner above `prio` (so nothing at `prio` runs), then the threads `others`
    ((name, prio) pairs) spawned under it; returns (spinner id, their ids). Killing the
    spinner lets them all start together, in the order they were made."""
    spinner, _ = spawn(m, "spinner", prio + 10)
    return spinner, [spawn(m, n, p)[0] for n, p in others]
