#!/usr/bin/env python3
"""Run the project's checks and print one line per check, then `N passed, N failed`.

    run.py                 every step, the harness self-test and the book checks
    run.py 03-framebuffer  one step (names as resolved by the Makefile)
    run.py --only book     one group by name (book, harness, tools, or a step)

Each step is built first (check `NN-name/build`); if that fails, its other checks are reported
as failed, never skipped. Checks run in parallel (one QEMU per core) and are printed in order.
Exit status: 0 when nothing failed.
"""

import argparse
import concurrent.futures
import importlib.util
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TOP = harness.TOP


def all_steps():
    d = os.path.join(TOP, "steps")
    return sorted(n for n in os.listdir(d) if os.path.isfile(os.path.join(d, n, "Makefile")))


def load(group, path):
    harness.set_group(group)
    spec = importlib.util.spec_from_file_location(f"checks_{group.replace('-', '_')}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.pop(0)
    return mod


def build_step(name):
    r = subprocess.run(["make", "-s", "-C", os.path.join(TOP, "steps", name), "all"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise harness.CheckFailed("build failed:\n" + (r.stdout + r.stderr)[-2000:])


def run_one(fn, arg):
    """Run one check; returns (ok, message, serial tails of the machines it started)."""
    harness.started.machines = []
    try:
        fn(arg)
        return True, "", []
    except harness.CheckFailed as e:
        msg = str(e)
    except AssertionError as e:
        msg = str(e) or "assertion failed"
    except Exception as e:  # a bug in the check itself is a failure too, with its traceback
        msg = f"{type(e).__name__}: {e}\n" + traceback.format_exc(limit=4)
    tails = [m.tail() for m in harness.started.machines if m.transcript]
    return False, msg, tails


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("steps", nargs="*", help="step directories (default: all, plus other groups)")
    ap.add_argument("--only", help="run only this group (a step name, 'harness', 'book' or 'tools')")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2, help="checks run at once")
    ap.add_argument("-k", help="run only checks whose name contains this")
    args = ap.parse_args()

    steps = args.steps or all_steps()
    groups = []  # (group, path of its checks, is_step)
    for s in steps:
        groups.append((s, os.path.join(TOP, "steps", s, "test.py"), True))
    if not args.steps:
        groups.append(("harness", os.path.join(TOP, "common", "test", "selftest.py"), False))
        book = os.path.join(TOP, "book", "test.py")
        if os.path.exists(book):
            groups.append(("book", book, False))
        tools = os.path.join(TOP, "tools", "test.py")
        if os.path.exists(tools):
            groups.append(("tools", tools, False))
    if args.only:
        groups = [g for g in groups if g[0] == args.only]
        if not groups:
            sys.exit(f"run.py: no group named {args.only!r}")

    start = time.monotonic()
    jobs = []  # (label, callable, arg)
    for group, path, is_step in groups:
        if is_step:
            step = harness.Step(group)
            build_error = []

            def build(step, err=build_error):
                try:
                    build_step(step.name)
                except harness.CheckFailed as e:
                    err.append(str(e))
                    raise

            jobs.append((f"{group}/build", build, step, None))
            if not os.path.exists(path):
                def missing(_s, p=path):
                    raise harness.CheckFailed(f"{os.path.relpath(p, TOP)} does not exist")
                jobs.append((f"{group}/tests", missing, step, None))
                continue
            before = len(harness.registered())
            load(group, path)
            for g, name, fn in harness.registered()[before:]:
                jobs.append((f"{g}/{name}", fn, step, build_error))
        else:
            before = len(harness.registered())
            load(group, path)
            for g, name, fn in harness.registered()[before:]:
                jobs.append((f"{g}/{name}", fn, None, None))

    if args.k:
        jobs = [j for j in jobs if args.k in j[0] or j[0].endswith("/build")]

    passed = failed = 0
    # Builds run first, one at a time (make is not safe to run twice on one directory).
    results = {}
    for i, (label, fn, arg, _) in enumerate(jobs):
        if label.endswith("/build"):
            results[i] = run_one(fn, arg)

    def run_job(i):
        label, fn, arg, build_error = jobs[i]
        if build_error:
            return False, "not run: the step did not build", []
        return run_one(fn, arg)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        futures = {i: pool.submit(run_job, i) for i in range(len(jobs)) if i not in results}
        for i, (label, *_rest) in enumerate(jobs):
            ok, msg, tails = results[i] if i in results else futures[i].result()
            if ok:
                passed += 1
                print(f"PASS {label}", flush=True)
            else:
                failed += 1
                print(f"FAIL {label}: {msg}", flush=True)
                for t in tails:
                    print("  --- serial transcript, last lines ---")
                    for line in t.splitlines()[-12:]:
                        print("  | " + line)
    print(f"({time.monotonic() - start:.0f} s)")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
