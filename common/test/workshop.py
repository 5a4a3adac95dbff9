#!/usr/bin/env python3
"""Workshop mode's runner: a step's checks, reported per exercise (python3 standard library only).

It runs inside a tree that `make exercise STEP=NN` wrote (common/exercise.py), where
`.exercise.json` at the top lists the step's exercises, and uses run.py's runner, so its lines are
the ones `make test` prints.

    workshop.py check STEP               every check of STEP, then one line per exercise:
                                         "exercise uart_baud: 0 of 1 checks pass", then
                                         "N passed, N failed" (exit status 1 on a failure)
    workshop.py run STEP [--checks A,B] --json OUT
                                         only those checks (all without --checks); writes
                                         {"results": {check: [ok, message]}, "ties": {...}} to OUT
                                         (make test-exercises reads it)

Which checks depend on which exercise is declared in the step's test.py (harness.py, the end:
@check(..., exercises=(...)) and exercise(name, check, ...)).
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import run as runner  # noqa: E402

TOP = harness.TOP


def load_meta():
    """The tree's .exercise.json (what common/exercise.py wrote), or {} outside such a tree."""
    try:
        with open(os.path.join(TOP, ".exercise.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def ties_of(step):
    """{exercise: [check, ...]} as the step's test.py declares them."""
    group = harness.load_group(step)
    return harness.exercise_ties(group, harness.resolve(group, harness.Step(step)))


def guards_of(step):
    """{exercise: [check, ...]} of the guard checks the step declares (exercise_guard)."""
    try:
        return harness.exercise_guards(harness.load_group(step))
    except Exception:
        return {}


def skips_of(step):
    """{check: reason} of the checks the step leaves out of its workshop trees."""
    try:
        return harness.exercise_skips(harness.load_group(step))
    except Exception:
        return {}


def run_checks(step, only=None, workers=None):
    """Run the step's checks (those named in `only`, or all but the ones its test.py skips in
    workshop trees); prints run.py's lines and returns ({check: (ok, message)}, passed, failed).
    The build is a check too ("build")."""
    args = argparse.Namespace(steps=[step], only=None, k=None)
    groups, _, _ = runner.collect(args)
    if only is None:
        skips = skips_of(step)
        for check, reason in skips.items():
            print(f"SKIP {step}/{check}: {reason}")
        only = [j.key.split("/", 1)[1] for _, jobs, _ in groups for j in jobs
                if j.key.split("/", 1)[1] not in skips]
    keep = {f"{step}/{c}" for c in only}
    groups = [(n, [j for j in jobs if j.key in keep or j.label.endswith(("/build", "/tests"))], s)
              for n, jobs, s in groups]
    times = runner.load_times()
    passed, failed, failures, took = runner.run_all(groups, workers or (os.cpu_count() or 2) + 1,
                                                    False, times)
    runner.save_times(times, took)
    results = {}
    for _, jobs, _ in groups:
        for j in jobs:
            name = j.key.split("/", 1)[1]
            results[name] = (j.label not in failures, failures.get(j.label, ""))
    return results, passed, failed


def report(step, results, ties, meta, guards=None):
    """One line per exercise: how many of the checks that watch it (those tied to it, then its
    guards) pass; where its TODO is."""
    lines = []
    guards = guards or {}
    exercises = meta.get("exercises") or [{"name": n} for n in sorted(ties)]
    for ex in exercises:
        name = ex["name"]
        tied = [c for c in ties.get(name, []) if c in results]
        tied += [c for c in guards.get(name, []) if c in results and c not in tied]
        good = [c for c in tied if results[c][0]]
        line = f"exercise {name}: {len(good)} of {len(tied)} checks pass"
        bad = [c for c in tied if not results[c][0]]
        if bad:
            where = ", ".join(ex.get("todo", []))
            line += f" (failing: {', '.join(bad)})" + (f"; the TODO is at {where}" if where else "")
        elif tied:
            line += ": done"
        else:
            line += " (no check is tied to it: see the step's test.py)"
        lines.append(line)
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("what", choices=("check", "run"))
    ap.add_argument("step")
    ap.add_argument("--checks", help="comma-separated check names (run only)")
    ap.add_argument("--json", help="write the results here (run only)")
    ap.add_argument("-j", type=int, default=None, help="checks run at once")
    args = ap.parse_args()
    start = time.monotonic()
    try:
        ties = ties_of(args.step)
    except Exception as e:            # a broken test.py: run.py reports it as a failed check
        ties = {}
        print(f"(the exercises' ties could not be read: {e})")
    only = [c for c in args.checks.split(",") if c] if args.checks else None
    results, passed, failed = run_checks(args.step, only, args.j)
    if args.what == "check":
        print()
        for line in report(args.step, results, ties, load_meta(), guards_of(args.step)):
            print(line)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"results": results, "ties": ties}, f, indent=1)
    print(f"({time.monotonic() - start:.0f} s)")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
