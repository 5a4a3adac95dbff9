#!/usr/bin/env python3
"""Workshop mode: a step's exercises as a tree of its own, and the proof that they work
(python3 standard library only). Run from the top of the project; the Makefile calls it:

    make exercise STEP=NN [DIR=path]    exercise.py make STEP [DIR]
    make test-exercises [STEP=NN]       exercise.py test [STEP...]

The exercises are marked in a step's sources (EXERCISE:, EXERCISE_STANDIN:, EXERCISE_END:; the
grammar and its one reader are in book/booktool.py, the checks' ties in common/test/harness.py;
common/test/README.md, "Workshop mode", explains both).

`make` writes DIR (default build/exercise/NN-name/): steps/NN-name/ with every marked region
replaced by a `TODO(name): hint` comment and its stand-in, the test.py files (and data files) of
the steps it inherits checks from, common/, the step's chapter (a check reads its session), a
Makefile (check, run, gdb, diff, ...), a README and .pristine/ (the sources as generated, for
`make diff`). It refuses a DIR that exists and is not empty, and sources with a bad marker.

`test` proves, for every step with exercises: the markers are well formed and every exercise
has checks tied to it (and every tie names a real exercise and check); the tree with every
stand-in builds, fails each tied check and passes every other check of the step; for each
exercise, the tree with only its stand-in builds, fails the checks tied to it and passes those
tied to the other exercises; the tree with every solution put back passes every check. It ends
with "N passed, N failed" and exits 1 on a failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "book"))
import booktool  # noqa: E402  (the one reader of the marker grammar)

TEST_ROOT = os.path.join(TOP, "build", "exercise-test")
EXTENDS = re.compile(r"""^\s*(?:\w+\s*=\s*)?extends\(\s*["']([^"']+)["']""", re.M)


class Refused(Exception):
    """What `make exercise` will not do, in one message."""


def resolve_step(want):
    """The step directory for 2, 02 or 02-uart, or Refused naming the steps."""
    steps = booktool.steps(TOP)
    num = want.split("-")[0]
    if num.isdigit():
        for s in steps:
            if s[:2] == f"{int(num):02d}" and (want == num or want == s):
                return s
    raise Refused(f"unknown step '{want}'. Steps: {' '.join(steps)}")


def exercises_of(step):
    """{name: [Region]} of the step, or Refused listing every bad marker (file:line: ...)."""
    found, problems = booktool.step_exercises(TOP, step)
    if problems:
        raise Refused("bad exercise markers:\n  " + "\n  ".join(problems))
    return found


def parents(step):
    """The steps whose checks `step` inherits, nearest first (from the extends() of each test.py)."""
    out, cur = [], step
    while True:
        path = os.path.join(TOP, "steps", cur, "test.py")
        if not os.path.isfile(path):
            return out
        with open(path, encoding="utf-8") as f:
            m = EXTENDS.search(f.read())
        if not m or m.group(1) in out or m.group(1) == step:
            return out
        cur = m.group(1)
        out.append(cur)


def _ignore(_dir, names):
    return [n for n in names if n == "__pycache__" or n.endswith(".pyc")]


def write_tree(step, dest, standins=None):
    """Write the tree of `step` to `dest` with the stand-ins of `standins` (None: every
    exercise). Returns the exercises' metadata (what .exercise.json holds)."""
    found = exercises_of(step)
    if not found:
        raise Refused(f"steps/{step} has no exercises (no EXERCISE: markers in its code)")
    if standins is None:
        standins = set(found)
    unknown = set(standins) - set(found)
    if unknown:
        raise Refused(f"steps/{step} has no exercise {', '.join(sorted(unknown))}")
    if os.path.exists(dest) and (not os.path.isdir(dest) or os.listdir(dest)):
        raise Refused(f"{dest} exists and is not empty: choose another DIR, or remove it")
    os.makedirs(dest, exist_ok=True)
    marked = {r.path for regs in found.values() for r in regs}
    src = os.path.join(TOP, "steps", step)
    out = os.path.join(dest, "steps", step)
    # The step: every file, the marked ones with their regions replaced.
    for f in booktool.step_files(TOP, step):
        path = f"steps/{step}/{f}"
        target = os.path.join(out, f)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if path in marked:
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(booktool.apply_exercises(TOP, path, standins))
            shutil.copymode(os.path.join(src, f), target)
        else:
            shutil.copy2(os.path.join(src, f), target)
    # The steps it inherits checks from: their test.py and data files, not their code.
    for p in parents(step):
        for f in booktool.step_files(TOP, p):
            if booktool.CODE.search(os.path.basename(f)) or f.startswith("host" + os.sep):
                continue
            target = os.path.join(dest, "steps", p, f)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(os.path.join(TOP, "steps", p, f), target)
    # The build rules, the harness and the tools; the chapter (chapter-session reads its session).
    shutil.copytree(os.path.join(TOP, "common"), os.path.join(dest, "common"),
                    ignore=lambda d, names: _ignore(d, names) + (["exercise.py"] if d == HERE else []))
    chapter = os.path.join(TOP, "chapters", step + ".md")
    if os.path.isfile(chapter):
        os.makedirs(os.path.join(dest, "chapters"))
        shutil.copy2(chapter, os.path.join(dest, "chapters"))
    shutil.copytree(out, os.path.join(dest, ".pristine", "steps", step))
    # Where each TODO ended up, for the README and the report.
    meta = {"step": step, "standins": sorted(standins), "exercises": []}
    for name, regs in found.items():
        todo = []
        for path in dict.fromkeys(r.path for r in regs):
            rel = path[len("steps/"):]
            with open(os.path.join(dest, "steps", rel), encoding="utf-8") as fh:
                for i, line in enumerate(fh, 1):
                    if f"TODO({name})" in line:
                        todo.append(f"steps/{rel}:{i}")
        meta["exercises"].append({"name": name, "hint": regs[0].hint, "standin": name in standins,
                                  "todo": todo})
    with open(os.path.join(dest, ".exercise.json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=1)
    with open(os.path.join(dest, "Makefile"), "w", encoding="utf-8") as fh:
        fh.write(MAKEFILE.format(step=step))
    with open(os.path.join(dest, "README.md"), "w", encoding="utf-8") as fh:
        fh.write(readme(step, meta))
    return meta


MAKEFILE = """\
# A workshop tree of step {step}, written by `make exercise` (common/exercise.py). Your code goes
# where the TODOs are, in steps/{step}/; README.md says what to do.

SHELL := /bin/bash
# Not STEP: a STEP=... on a make command line that leads here would override it.
TREE_STEP := {step}

.PHONY: help build run gdb check diff objdump nm readelf screenshot clean
.DEFAULT_GOAL := help

help:
\t@echo "make check    build, run the step's checks, say which exercises pass"
\t@echo "make run      build and boot in QEMU, mini UART on this terminal (quit: Ctrl-A X)"
\t@echo "make gdb      QEMU paused, gdb-multiarch attached, stopped at kernel_main"
\t@echo "make diff     your changes: the sources against the ones you were given (.pristine/)"
\t@echo "make build    build build/$(TREE_STEP)/kernel8.img"
\t@echo "make clean    remove build/"

build:
\t@$(MAKE) -s -C steps/$(TREE_STEP) all

run gdb objdump nm readelf screenshot:
\t@$(MAKE) -s -C steps/$(TREE_STEP) $@

check:
\t@python3 common/test/workshop.py check $(TREE_STEP)

diff:
\t@diff -uNr -x __pycache__ .pristine/steps/$(TREE_STEP) steps/$(TREE_STEP); s=$$?; [ $$s -le 1 ]

clean:
\trm -rf build
"""


def readme(step, meta):
    num = step[:2]
    lines = [f"# Workshop: step {step}", "",
             f"This tree holds step {num} of *The Book That Boots* with its exercises taken out: "
             f"each is a `TODO(name): hint` comment in `steps/{step}/`, followed by a stand-in "
             f"that builds but does not do the job. Write the code the hint asks for, in place "
             f"of the stand-in; the chapter of the step (`chapters/{step}.md`, or the book) "
             f"explains the hardware.", "", "## The exercises", ""]
    for ex in meta["exercises"]:
        where = ", ".join(f"`{t}`" for t in ex["todo"]) or "(solution given)"
        lines.append(f"- **{ex['name']}** ({where}): {ex['hint']}")
    lines += ["", "## The commands", "", "```sh",
              "make check    # build, run the step's checks; then, per exercise, how many of the",
              "              # checks tied to it pass, e.g. 'exercise uart_baud: 0 of 1 checks pass'",
              "make run      # boot in QEMU, mini UART on this terminal (quit: Ctrl-A X)",
              "make gdb      # QEMU paused under gdb-multiarch, stopped at kernel_main",
              "make diff     # what you changed: diff -u against .pristine/, the sources as given",
              "```", "",
              "`make check` ends with `N passed, N failed`, like the project's `make test`. A "
              "failing check prints what it expected and what came. QEMU does not model "
              "everything a real Pi needs (it ignores the pins' functions and the baud divisor, "
              "for example), so some checks read the registers your code wrote instead of "
              "watching the console. The tools are the project's: `gcc-aarch64-linux-gnu`, "
              "`qemu-system-arm`, `gdb-multiarch` (`bash common/setup.sh` installs them on "
              "Debian).", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# make test-exercises


def clean_env():
    """The environment for make and the checks in a tree: without the variables of the make
    that runs this (`make test-exercises STEP=02` passes STEP=02 down in MAKEFLAGS)."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MAKEOVERRIDES", "MFLAGS", "MAKELEVEL", "STEP", "DIR"):
        env.pop(k, None)
    return env


class Report:
    def __init__(self):
        self.passed = self.failed = 0

    def line(self, label, ok, msg=""):
        if ok:
            self.passed += 1
            print(f"PASS {label}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {label}: {msg}", flush=True)
        return ok


def ties_of(step):
    """{exercise: [check]} and the names of the step's live checks, loaded in this process."""
    sys.path.insert(0, os.path.join(TOP, "common", "test"))
    import harness
    group = harness.load_group(step)
    resolved = harness.resolve(group, harness.Step(step))
    live = [r.name for r in resolved if r.kind != "retired"]
    return harness.exercise_ties(group, resolved), live, harness.exercise_skips(group)


def tree_checks(tree, step, only=None):
    """Run checks in a generated tree (its own workshop.py); returns ({check: (ok, msg)}, output)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as t:
        out_json = t.name
    cmd = [sys.executable, os.path.join(tree, "common", "test", "workshop.py"), "run", step,
           "--json", out_json]
    if only is not None:
        cmd += ["--checks", ",".join(only)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=tree,
                           env=clean_env())
        with open(out_json, encoding="utf-8") as f:
            results = {k: tuple(v) for k, v in json.load(f)["results"].items()}
    except (OSError, ValueError, subprocess.TimeoutExpired) as e:
        return None, f"{e}\n{getattr(e, 'stdout', '') or ''}"
    finally:
        os.unlink(out_json)
    return results, r.stdout + r.stderr


def first_line(msg):
    return (msg or "").strip().splitlines()[0][:200] if (msg or "").strip() else ""


def prove(rep, label, tree, step, expect, only=None):
    """Build the tree and run its checks; `expect` is {check: True (must pass) / False (must
    fail)}; one report line per check, and one for the build."""
    r = subprocess.run(["make", "-s", "-C", tree, "build"], capture_output=True, text=True,
                       timeout=600, env=clean_env())
    if not rep.line(f"{label}/builds", r.returncode == 0, (r.stdout + r.stderr)[-1500:]):
        return
    results, output = tree_checks(tree, step, only)
    if results is None:
        rep.line(f"{label}/checks ran", False, output[-1500:])
        return
    for check, want in expect.items():
        if check not in results:
            rep.line(f"{label}/{check} {'passes' if want else 'fails'}", False,
                     "the check did not run in the tree")
            continue
        ok, msg = results[check]
        if want:
            rep.line(f"{label}/{check} passes", ok, first_line(msg))
        else:
            rep.line(f"{label}/{check} fails", not ok,
                     "it passes with the stand-in in place: it does not check this exercise"
                     if ok else "")


def test_step(rep, step):
    t0 = time.monotonic()
    label = f"{step}/exercises"
    found, problems = booktool.step_exercises(TOP, step)
    if not rep.line(f"{label}/markers", not problems, "\n  ".join(problems)):
        return
    try:
        ties, live, skips = ties_of(step)
    except Exception as e:
        rep.line(f"{label}/ties", False, f"the step's checks could not be loaded: {e}")
        return
    bad = [f"exercise {n} has no check tied to it" for n in found if not ties.get(n)]
    bad += [f"a tie names exercise {n}, which steps/{step} does not mark" for n in ties
            if n not in found]
    bad += [f"exercise {n} is tied to check {c}, which {step} does not run" for n, cs in ties.items()
            for c in cs if c not in live]
    bad += [f"exercise_skip names check {c}, which {step} does not run" for c in skips
            if c not in live]
    bad += [f"check {c} is tied to an exercise and skipped in workshop trees" for c in skips
            if any(c in cs for cs in ties.values())]
    import harness                                     # ties_of put common/test on the path
    guards = harness.exercise_guards(harness.load_group(step))
    bad += [f"exercise_guard names exercise {n}, which steps/{step} does not mark" for n in guards
            if n not in found]
    bad += [f"exercise {n}'s guard {c} is a check {step} does not run" for n, cs in guards.items()
            for c in cs if c not in live]
    if not rep.line(f"{label}/ties", not bad, "; ".join(bad)):
        return
    tied = {c for n in found for c in ties[n]}
    base = os.path.join(TEST_ROOT, step)
    shutil.rmtree(base, ignore_errors=True)
    # Every stand-in: each tied check fails, every other check of the step passes.
    tree = os.path.join(base, "all-standins")
    write_tree(step, tree)
    prove(rep, f"{label}/all stand-ins", tree, step,
          {c: c not in tied for c in live if c not in skips})
    # One stand-in at a time: its checks fail, the other exercises' checks pass.
    if len(found) > 1:
        for name in found:
            tree = os.path.join(base, "only-" + name)
            write_tree(step, tree, {name})
            mine = set(ties[name])
            prove(rep, f"{label}/only {name}", tree, step, {c: c not in mine for c in sorted(tied)},
                  only=sorted(tied))
    # Every solution put back: every check passes.
    tree = os.path.join(base, "solutions")
    write_tree(step, tree, set())
    prove(rep, f"{label}/solutions", tree, step, {c: True for c in live}, only=live)
    print(f"---- {step}: {len(found)} exercises, {len(tied)} tied checks "
          f"({time.monotonic() - t0:.0f} s)", flush=True)


def breakages(rep):
    """The chapters' "Try it" boxes are exercises for the reader too: the book's check that
    proves them (book/test.py, "every suggested breakage fails the checks it names"), here for
    every box, also those marked proof="test-exercises" that make test leaves out."""
    label = "book/every suggested breakage fails the checks it names (every box)"
    r = subprocess.run([sys.executable, os.path.join(TOP, "common", "test", "run.py"), "--only",
                        "book", "-k", "every suggested breakage"], cwd=TOP, capture_output=True,
                       text=True, env=dict(os.environ, BOOTBOOK_BREAKAGES="all"), timeout=1800)
    failed = [line for line in r.stdout.splitlines() if line.startswith("FAIL")]
    rep.line(label, r.returncode == 0 and not failed,
             "\n".join(failed) or (r.stdout + r.stderr)[-1500:])


def main(argv):
    try:
        if len(argv) in (2, 3) and argv[0] == "make":
            step = resolve_step(argv[1])
            dest = os.path.abspath(argv[2]) if len(argv) == 3 else \
                os.path.join(TOP, "build", "exercise", step)
            meta = write_tree(step, dest)
            shown = os.path.relpath(dest) if not os.path.relpath(dest).startswith("..") else dest
            print(f"wrote {shown}: step {step} with {len(meta['exercises'])} exercises "
                  f"({', '.join(e['name'] for e in meta['exercises'])})")
            for e in meta["exercises"]:
                print(f"  {e['name']}: {', '.join(e['todo'])}")
            print(f"Start there: cd {shown} && less README.md; make check shows how far you are.")
            return 0
        if argv and argv[0] == "test":
            t0 = time.monotonic()
            steps = [resolve_step(s) for s in argv[1:]] or booktool.steps(TOP)
            rep = Report()
            for step in steps:
                found, problems = booktool.step_exercises(TOP, step)
                if found or problems:
                    test_step(rep, step)
                else:
                    print(f"---- {step}: no exercises", flush=True)
            if not argv[1:]:
                breakages(rep)
            print(f"({time.monotonic() - t0:.0f} s)")
            print(f"{rep.passed} passed, {rep.failed} failed")
            return 1 if rep.failed else 0
    except Refused as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
