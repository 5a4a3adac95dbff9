#!/usr/bin/env python3
"""Run the project's checks and print one line per check, then `N passed, N failed`.

    run.py                 every step, the harness self-test, the tools and the book checks
    run.py 03-framebuffer  one step: its own checks and every check it inherits
    run.py --only book     one group by name (book, harness, tools, or a step)
    run.py --repeat 20     everything 20 times, then every check that failed even once
    run.py -v              each check's time too (make test V=1)

A step's checks are its own plus those of the steps it extends (harness.extends), less the
ones it retires; each PASS/FAIL line names where an inherited check was written:
`PASS 05-interrupts/banner (from 02)`. Each step is built first (check `NN-name/build`); if that
fails, its other checks are reported as failed, never skipped. Checks run in parallel (two
more than the cores: a guest waiting for its timer leaves its core idle), the longest first
(by the times of the last run, kept in build/test-times.json), and are printed in order;
checks marked `alone` (QEMU without -icount) run one at a time beside them, at a raised
priority. Exit status: 0 when nothing failed.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TOP = harness.TOP
TIMES = os.path.join(TOP, "build", "test-times.json")


def all_steps():
    d = os.path.join(TOP, "steps")
    return sorted(n for n in os.listdir(d) if os.path.isfile(os.path.join(d, n, "Makefile")))


def build_step(name):
    try:
        r = subprocess.run(["make", "-s", "-C", os.path.join(TOP, "steps", name), "all"],
                           capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise harness.CheckFailed("build did not finish within 600 s")
    if r.returncode != 0:
        raise harness.CheckFailed("build failed:\n" + (r.stdout + r.stderr)[-2000:])


SLOW = 10  # seconds: a check slower than this says, with -v, where its machines' time went


def phases(t0):
    """One line per machine the check started: the times of its steps, from the check's start."""
    out = []
    for m in harness.started.machines:
        steps = ", ".join(f"{name} {t - t0:.1f}" for name, t in m.phases)
        out.append(f"    machine: {steps}")
    return out


def run_one(fn, arg, verbose=False):
    """Run one check; returns (ok, message, serial tails of the machines it started)."""
    harness.started.machines = []
    harness.started.warp = getattr(fn, "warp", False)
    t0 = time.monotonic()
    try:
        fn(arg)
        if verbose and time.monotonic() - t0 > SLOW:
            return True, "\n".join(phases(t0)), []
        return True, "", []
    except harness.CheckFailed as e:
        msg = str(e)
    except AssertionError as e:
        msg = str(e) or "assertion failed"
    except Exception as e:  # a bug in the check itself is a failure too, with its traceback
        msg = f"{type(e).__name__}: {e}\n" + traceback.format_exc(limit=4)
    tails = [m.tail() for m in harness.started.machines if m.transcript]
    return False, msg, tails


class Job:
    """One line of the report: a label, what to run, and against what."""

    def __init__(self, label, fn, arg, key=None, alone=False, after=None, resolved=None):
        self.label, self.fn, self.arg = label, fn, arg
        self.key = key or label           # the name its time is kept under
        self.alone = alone
        self.after = after                # a list that is non-empty when its build failed
        self.resolved = resolved          # a step's check: its harness.Resolved


def raise_priority():
    """The `alone` checks run QEMU without -icount, so their guests' clocks are the host's: if
    other work on the machine keeps QEMU's I/O thread, the sender or gdb waiting, the guest
    sees its input stall and its own time-outs fire (the chainloader gives a frame up after
    2 s without a byte). They run one at a time, and this thread, so every QEMU, make and
    gdb it starts, runs at nice -10 where that is allowed (root, as in CI), above the pool's
    checks (under -icount, where being slowed changes nothing) and any other load. Linux
    keeps the nice value per thread, so the pool is not affected."""
    try:
        os.nice(-10)
    except OSError:
        pass


def failing(message):
    def fail(_):
        raise harness.CheckFailed(message)
    return fail


def step_jobs(name):
    """(jobs, counts of its checks by kind or None, retired [(label, reason)]) for one step."""
    step = harness.Step(name)
    build_error = []

    def build(_, err=build_error):
        try:
            build_step(name)
        except harness.CheckFailed as e:
            err.append(str(e))
            raise

    # Before any time is on record (a fresh clone), a build's cost is guessed from its sources'
    # size, so the biggest steps start first and no core waits for the last one at the end.
    build.cost = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(step.src)
                     for f in fs if f.endswith((".c", ".S", ".h"))) / 50000
    jobs = [Job(f"{name}/build", build, step)]
    try:
        group = harness.load_group(name)
        resolved = harness.resolve(group, step)
    except (harness.CheckError, OSError) as e:
        jobs.append(Job(f"{name}/tests", failing(str(e)), step))
        return jobs, None, []
    except Exception as e:
        jobs.append(Job(f"{name}/tests", failing(f"{type(e).__name__}: {e}\n"
                                                 + traceback.format_exc(limit=6)), step))
        return jobs, None, []
    retired, counts = [], {"own": 0, "inherited": 0, "overridden": 0}
    for r in resolved:
        origin = r.origin[:2]
        if r.kind == "retired":
            retired.append((name, r.name, r.origin, r.retired_by, r.reason))
            continue
        counts[r.kind] += 1
        suffix = {"own": "", "inherited": f" (from {origin})",
                  "overridden": f" (overrides {getattr(r, 'overrides', '??')[:2]})"}[r.kind]
        jobs.append(Job(f"{name}/{r.name}{suffix}", r.fn, step, key=f"{name}/{r.name}",
                        alone=r.alone, after=build_error, resolved=r))
    counts["retired"] = sum(1 for r in retired if r[3] == name)
    return jobs, counts, retired


def summary_line(name, counts, held):
    """The line that ends a step's checks: how many ran, by how they came to the step."""
    if counts is None:
        return f"{name}: its checks could not be loaded"
    live = counts["own"] + counts["inherited"] + counts["overridden"] - held
    return (f"{name}: {live} checks: {counts['own']} own, {counts['inherited'] - held} inherited, "
            f"{counts['overridden']} overridden here, {counts['retired']} retired here"
            + (f", {held} stress check{'s' if held > 1 else ''} left to make test-long"
               if held else ""))


def hold_stress(groups):
    """In a run of several steps, a stress check (check(..., stress=True): one that proves its
    point by repetition) runs on the step that writes it, on any step that overrides it, and
    on the last step of the run that inherits it; the steps between leave it to `make
    test-long`. It stays in every step's list of checks; the run only says where it was left
    out. Returns [(step, check, origin)] for the report, and takes those jobs out of groups."""
    if harness.LONG:
        return []
    last = {}
    for name, jobs, _ in groups:
        for j in jobs:
            if j.resolved is not None and getattr(j.fn, "stress", False):
                last[j.resolved.name] = name
    held = []
    for name, jobs, _ in groups:
        keep = []
        for j in jobs:
            r = j.resolved
            if (r is not None and getattr(j.fn, "stress", False) and r.kind == "inherited"
                    and last[r.name] != name):
                held.append((name, r.name, r.origin))
            else:
                keep.append(j)
        jobs[:] = keep
    return held


def other_jobs(group_name, path):
    try:
        group = harness.load_group(group_name, path, is_step=False)
    except Exception as e:
        return [Job(f"{group_name}/tests", failing(f"{type(e).__name__}: {e}"), None)]
    return [Job(f"{group_name}/{c.name}", c.fn, None, alone=c.alone) for c in group.checks]


def collect(args):
    """[(name, jobs, summary or None)] per group, the retired checks, and the stress checks
    left to `make test-long` (hold_stress)."""
    steps = args.steps or all_steps()
    groups, retired, counts = [], [], {}
    for s in steps:
        jobs, counts[s], gone = step_jobs(s)
        groups.append((s, jobs, None))
        retired += gone
    if not args.steps:
        for name, path in (("harness", ("common", "test", "selftest.py")),
                           ("tools", ("tools", "test.py")), ("book", ("book", "test.py"))):
            full = os.path.join(TOP, *path)
            if os.path.exists(full):
                groups.append((name, other_jobs(name, full), None))
    if args.only:
        groups = [g for g in groups if g[0] == args.only]
        if not groups:
            sys.exit(f"run.py: no group named {args.only!r}")
        retired = [r for r in retired if r[0] == args.only]
    held = hold_stress(groups)
    groups = [(n, jobs, summary_line(n, counts[n], sum(1 for h in held if h[0] == n))
               if n in counts else summary) for n, jobs, summary in groups]
    if args.k:
        groups = [(n, [j for j in jobs if args.k in j.label or j.label.endswith(("/build", "/tests"))], s)
                  for n, jobs, s in groups]
    return groups, retired, held


def run_all(groups, workers, verbose, times):
    """Run every job; print in order; returns (passed, failed, {key: message} of failures)."""
    jobs = [j for _, js, _ in groups for j in js]
    results, took = {}, {}

    cpu = {}

    def timed(j):
        if j.after:
            return False, "not run: the step did not build", []
        t0 = time.monotonic()
        r = run_one(j.fn, j.arg, verbose)
        took[j.key] = time.monotonic() - t0
        cpu[j.key] = sum(m.cpu for m in harness.started.machines)
        return r

    # The steps' builds come first, one a worker (each in its own directory), and every other
    # job waits for all of them: a check may boot another step (the bench goals of 06 measure
    # 05), and the book's figure rules run make in the steps too.
    builds = [j for j in jobs if j.label.endswith("/build")]
    pooled = [j for j in jobs if not j.alone]          # ordered below, longest path first
    # A job may need others of its group to have finished (fn.needs): a worker takes the
    # longest job whose needs are met, so no worker sits waiting on another's work.
    by_label = {}
    for j in jobs:
        by_label.setdefault(j.label.split(" (")[0], j)
    for j in pooled:
        group = j.label.split("/")[0]
        j.deps = [by_label[f"{group}/{n}"] for n in getattr(j.fn, "needs", ())
                  if f"{group}/{n}" in by_label]
        if j not in builds:
            j.deps += builds
    done, cond = set(), threading.Condition()
    futures = {}                          # id(job) -> (Event, [result])

    def worker():
        while True:
            with cond:
                while True:
                    ready = next((j for j in pooled if all(id(d) in done for d in j.deps)),
                                 None)
                    if ready is not None:
                        pooled.remove(ready)
                        break
                    if not pooled:
                        return
                    cond.wait()
            r = timed(ready)
            with cond:
                futures[id(ready)][1].append(r)
                futures[id(ready)][0].set()
                done.add(id(ready))
                cond.notify_all()

    # Longest path first: a job's rank is its own time plus the longest chain of jobs that
    # wait for it, so the book's HTML build (short, but the PDF waits for it) starts early.
    cost = {id(j): times.get(j.key, getattr(j.fn, "cost", None) or 1.0) for j in pooled}
    waiting_on = {}
    for j in pooled:
        for d in j.deps:
            if d not in builds:
                waiting_on.setdefault(id(d), []).append(j)
    rank = {}

    def rank_of(j):
        if id(j) not in rank:
            rank[id(j)] = cost[id(j)] + max((rank_of(w) for w in waiting_on.get(id(j), ())),
                                            default=0)
        return rank[id(j)]

    pooled.sort(key=lambda j: (not j.label.endswith("/build"), -rank_of(j)))
    for j in pooled:
        futures[id(j)] = (threading.Event(), [])
    workers_ = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, workers))]
    for w in workers_:
        w.start()
    alone = [j for j in jobs if j.alone]

    def alone_runner():
        # Once the steps are built, the alone jobs run one at a time beside the pool, above
        # it (the pool's checks run under -icount, where being slowed changes nothing). Ten
        # runs of them against four busy loops on two cores failed nothing.
        with cond:
            cond.wait_for(lambda: all(id(b) in done for b in builds))
        if alone:
            raise_priority()
        for j in alone:
            results[id(j)] = timed(j)

    runner = threading.Thread(target=alone_runner, daemon=True)
    runner.start()
    passed = failed = 0
    failures = {}
    for name, js, summary in groups:
        for j in js:
            if id(j) in futures:
                futures[id(j)][0].wait()
                ok, msg, tails = futures[id(j)][1][0]
            else:
                while id(j) not in results:
                    runner.join(0.05)
                ok, msg, tails = results[id(j)]
            t = ""
            if verbose and j.key in took:
                t = f" [{took[j.key]:.1f} s" + (f", QEMU {cpu[j.key]:.1f} s of CPU]"
                                                 if cpu.get(j.key) else "]")
            if ok:
                passed += 1
                print(f"PASS {j.label}{t}", flush=True)
                if msg:                   # -v, and the check was slow: where the time went
                    print(msg, flush=True)
            else:
                failed += 1
                failures[j.label] = msg
                print(f"FAIL {j.label}{t}: {msg}", flush=True)
                for tail in tails:
                    print("  --- serial transcript, last lines ---")
                    for line in tail.splitlines()[-12:]:
                        print("  | " + line)
        if summary:
            print(f"---- {summary}", flush=True)
    runner.join()
    return passed, failed, failures, took


def retired_report(retired):
    """The lines that list retired checks: one per retirement, with the steps it holds for
    (the retiring step and every step after it) and its reason."""
    once = {}
    for step, name, origin, by, reason in retired:
        once.setdefault((by, name), (origin, reason, []))[2].append(step[:2])
    if not once:
        return []
    lines = [f"Retired checks ({len(once)}), each with its reason:"]
    for (by, name), (origin, reason, steps) in sorted(once.items()):
        lines.append(f"  {name} (written in {origin[:2]}, retired in {by[:2]}; not run on "
                     f"{', '.join(steps)}): {reason}")
    return lines


def held_report(held):
    """The lines that list the stress checks this run left to `make test-long`, once per check,
    with the steps it did not run on."""
    once = {}
    for step, name, origin in held:
        once.setdefault((origin, name), []).append(step[:2])
    if not once:
        return []
    lines = [f"Stress checks ({len(once)}), run where written or overridden and on the last "
             f"step; make test-long runs them on every step:"]
    for (origin, name), steps in sorted(once.items()):
        lines.append(f"  {name} (written in {origin[:2]}; not run on {', '.join(steps)})")
    return lines


def load_times():
    try:
        with open(TIMES) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def save_times(times, took):
    times.update({k: round(v, 2) for k, v in took.items()})
    try:
        os.makedirs(os.path.dirname(TIMES), exist_ok=True)
        with open(TIMES + ".tmp", "w") as f:
            json.dump(times, f, indent=0, sort_keys=True)
        os.replace(TIMES + ".tmp", TIMES)
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("steps", nargs="*", help="step directories (default: all, plus other groups)")
    ap.add_argument("--only", help="run only this group (a step name, 'harness', 'book' or 'tools')")
    # Two checks more than there are cores: a check's QEMU runs with -icount sleep=on, so while
    # its guest waits for a timer (a tick, a timeout) it sleeps and its core would sit idle
    # (measured on 2 cores: 185% of the CPU with one more, 190% with two).
    ap.add_argument("-j", type=int, default=(os.cpu_count() or 2) + 2, help="checks run at once")
    ap.add_argument("-k", help="run only checks whose name contains this")
    ap.add_argument("-v", action="store_true", help="print each check's time")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="run everything N times; then list every check that failed at least once")
    args = ap.parse_args()

    start = time.monotonic()
    total_passed = total_failed = 0
    flaky = {}  # label -> [messages]
    retired, held = [], []
    for n in range(args.repeat):
        if args.repeat > 1:
            print(f"==== run {n + 1} of {args.repeat}", flush=True)
        # Loaded afresh each run: a check's module state (a shared book build) starts clean.
        harness._groups.clear()
        groups, retired, held = collect(args)
        times = load_times()
        passed, failed, failures, took = run_all(groups, args.j, args.v, times)
        save_times(times, took)
        total_passed += passed
        total_failed += failed
        for label, msg in failures.items():
            flaky.setdefault(label, []).append(f"run {n + 1}: {msg.splitlines()[0] if msg else ''}")
    for line in retired_report(retired) + held_report(held):
        print(line)
    if args.repeat > 1:
        print(f"Checks that failed at least once in {args.repeat} runs: {len(flaky)}")
        for label, msgs in sorted(flaky.items()):
            print(f"  {label}: {len(msgs)} of {args.repeat}")
            for m in msgs:
                print(f"    {m[:300]}")
    print(f"({time.monotonic() - start:.0f} s)")
    print(f"{total_passed} passed, {total_failed} failed")
    sys.exit(1 if total_failed else 0)


if __name__ == "__main__":
    main()
