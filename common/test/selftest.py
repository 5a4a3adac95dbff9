"""The harness tests itself: a wrong expectation must FAIL, a right one PASS, and no wait or
QEMU run may outlive its timeout. Uses step 01's kernel (it needs no UART)."""
import os
import subprocess
import threading
import time

import harness
from harness import CheckFailed, Step, check, expect_eq, expect_true

FIRST = sorted(d for d in os.listdir(os.path.join(harness.TOP, "steps")) if d[:2].isdigit())[0]


_build_lock = threading.Lock()  # these checks run in parallel; make must not


def first_step():
    with _build_lock:
        subprocess.run(["make", "-s", "-C", os.path.join(harness.TOP, "steps", FIRST), "all"],
                       check=True, capture_output=True)
    return Step(FIRST)


def boot_magic_is(value):
    """A check in the style of a step's test.py: reads the boot record through the monitor."""
    def the_check(step):
        with step.boot(serial=False, timeout=20) as m:
            end = time.monotonic() + 5
            got = 0
            while time.monotonic() < end and got == 0:
                got = m.read_u64(step.sym("boot"))
            expect_eq(got, value, "boot.magic")
    return the_check


def run_nested(fn, step):
    import run  # the runner's own code for one check
    saved = harness.started.machines
    try:
        return run.run_one(fn, step)
    finally:
        harness.started.machines = saved


@check("wrong-expectation-fails")
def wrong_fails(_):
    ok, msg, _tails = run_nested(boot_magic_is(0x1234), first_step())
    expect_true(not ok, "a check expecting boot.magic == 0x1234 passed")
    expect_true("expected 4660" in msg and "got" in msg, f"FAIL message lacks expected/got: {msg!r}")


@check("right-expectation-passes")
def right_passes(_):
    ok, msg, _tails = run_nested(boot_magic_is(int.from_bytes(b"BOOTED!!", "little")), first_step())
    expect_true(ok, f"the right expectation failed: {msg}")


@check("serial-wait-times-out")
def serial_timeout(_):
    step = first_step()
    t0 = time.monotonic()
    with step.boot(timeout=30) as m:
        try:
            m.expect("text that never comes", timeout=1)
        except CheckFailed as e:
            expect_true("text that never comes" in str(e), f"message does not name the text: {e}")
        else:
            raise CheckFailed("expect() returned for text that was never sent")
    expect_true(time.monotonic() - t0 < 10, "a 1 s wait took over 10 s")


@check("qemu-killed-at-timeout")
def hard_timeout(_):
    step = first_step()
    with step.boot(serial=False, timeout=1) as m:
        end = time.monotonic() + 10
        while m.proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        expect_true(m.proc.poll() is not None, "QEMU still running 10 s after its 1 s limit")


# --------------------------------------------------------------------------------------------
# Inheritance, on a tree of made-up steps in a temporary directory (no QEMU)

TREE = {
    "91-a": '''
from harness import check, facts
facts(word="a")

@check("shared")
def shared(step):
    step.log.append(("shared from 91", step.name, step.facts.word))

@check("replaced")
def replaced(step):
    step.log.append(("replaced from 91", step.name))

@check("dropped")
def dropped(step):
    step.log.append(("dropped", step.name))

@check("named-{word}")
def named(step):
    step.log.append(("named", step.name))
''',
    "92-b": '''
from harness import check, extends, facts, retire
extends("91-a")
facts(word="b")
retire("dropped", "92 has nothing to drop")

@check("replaced", override="92 does it differently")
def replaced(step):
    step.log.append(("replaced in 92", step.name))
''',
    "93-c": '''
from harness import extends
extends("92-b")
''',
}


def _tree(tmp, files):
    for name, text in files.items():
        os.makedirs(os.path.join(tmp, name), exist_ok=True)
        with open(os.path.join(tmp, name, "test.py"), "w") as f:
            f.write(text)


def _resolve(tmp, name, step=None):
    registry = {}
    group = harness.load_group(name, steps_dir=tmp, registry=registry)
    return registry, harness.resolve(group, step or Step(name))


@check("inherited-checks-run-against-the-later-step")
def inherited(_):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        _tree(tmp, TREE)
        step = Step("93-c")
        registry, resolved = _resolve(tmp, "93-c", step)
        live = [(r.name, r.origin, r.kind) for r in resolved if r.kind != "retired"]
        expect_eq(live, [("shared", "91-a", "inherited"), ("replaced", "92-b", "inherited"),
                         ("named-b", "91-a", "inherited")], "93's checks (name, origin, kind)")
        step.log = ran = []
        for r in resolved:
            if r.kind != "retired":
                r.fn(step)
        expect_eq(ran, [("shared from 91", "93-c", "b"), ("replaced in 92", "93-c"),
                        ("named", "93-c")], "what ran, against which step, with which facts")


@check("override-replaces-and-retire-is-listed")
def override_and_retire(_):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        _tree(tmp, TREE)
        _, resolved = _resolve(tmp, "92-b")
        kinds = {r.name: (r.kind, r.reason) for r in resolved}
        expect_eq(kinds["replaced"], ("overridden", "92 does it differently"), "the override")
        expect_eq(kinds["dropped"], ("retired", "92 has nothing to drop"), "the retirement")
        expect_eq(getattr(next(r for r in resolved if r.name == "replaced"), "overrides", None),
                  "91-a", "what the override replaces")
        # and the runner's report lists it with its reason, once for all the steps it holds for
        import run
        _, resolved3 = _resolve(tmp, "93-c")
        gone = [("92-b", r.name, r.origin, r.retired_by, r.reason) for r in resolved
                if r.kind == "retired"]
        gone += [("93-c", r.name, r.origin, r.retired_by, r.reason) for r in resolved3
                 if r.kind == "retired"]
        expect_eq(run.retired_report(gone), [
            "Retired checks (1), each with its reason:",
            "  dropped (written in 91, retired in 92; not run on 92, 93): 92 has nothing to drop"],
            "the runner's list of retired checks")


STRESS_TREE = {
    "81-a": 'from harness import check\n@check("soak", stress=True)\ndef soak(step): pass\n'
            '@check("plain")\ndef plain(step): pass\n',
    "82-b": 'from harness import extends\nextends("81-a")\n',
    "83-c": 'from harness import extends\nextends("82-b")\n',
    "84-d": 'from harness import check, extends\nextends("83-c")\n'
            '@check("soak", override="84 soaks differently", stress=True)\ndef soak(step): pass\n',
    "85-e": 'from harness import extends\nextends("84-d")\n',
}


@check("stress-checks-run-where-written-overridden-and-last")
def stress_held(_):
    """A stress check runs on the step that writes it, on one that overrides it and on the
    last step of the run; the steps between are listed as left to make test-long, where it
    runs on every step, as it does in a run of one step."""
    import tempfile
    import run
    with tempfile.TemporaryDirectory() as tmp:
        _tree(tmp, STRESS_TREE)

        def groups(names):
            out = []
            for n in names:
                _, resolved = _resolve(tmp, n)
                out.append((n, [run.Job(f"{n}/{r.name}", r.fn, None, resolved=r)
                                for r in resolved], None))
            return out

        def ran(gs):
            return [j.label for _, jobs, _ in gs for j in jobs]

        every = sorted(STRESS_TREE)
        gs = groups(every)
        held = run.hold_stress(gs)
        expect_eq(ran(gs), ["81-a/soak", "81-a/plain", "82-b/plain", "83-c/plain", "84-d/soak",
                            "84-d/plain", "85-e/soak", "85-e/plain"], "what a run of 81-85 runs")
        expect_eq(held, [("82-b", "soak", "81-a"), ("83-c", "soak", "81-a")], "what it holds")
        expect_eq(run.held_report(held)[1:], ["  soak (written in 81; not run on 82, 83)"],
                  "the report's line")
        gs = groups(["83-c"])
        expect_eq((run.hold_stress(gs), ran(gs)), ([], ["83-c/soak", "83-c/plain"]),
                  "a run of one step")
        gs = groups(every)
        saved, harness.LONG = harness.LONG, True
        try:
            expect_eq(run.hold_stress(gs), [], "make test-long holds nothing")
        finally:
            harness.LONG = saved
        expect_eq(len(ran(gs)), 10, "make test-long runs every check on every step")


def _expect_error(tmp, files, name, words):
    _tree(tmp, files)
    try:
        _resolve(tmp, name)
    except harness.CheckError as e:
        for w in words:
            expect_true(w in str(e), f"the error does not say {w!r}: {e}")
        return
    raise CheckFailed(f"loading {name} succeeded; expected an error saying {words}")


@check("override-of-nothing-is-an-error")
def override_nothing(_):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        bad = dict(TREE)
        bad["94-d"] = ('from harness import check, extends\nextends("91-a")\n'
                       '@check("no-such-check", override="why")\ndef f(step): pass\n')
        _expect_error(tmp, bad, "94-d", ["overrides 'no-such-check'", "does not inherit"])
        bad["95-e"] = 'from harness import extends, retire\nextends("91-a")\nretire("nope", "x")\n'
        _expect_error(tmp, bad, "95-e", ["retires 'nope'", "does not inherit"])
        bad["96-f"] = ('from harness import check, extends\nextends("91-a")\n'
                       '@check("shared")\ndef f(step): pass\n')
        _expect_error(tmp, bad, "96-f", ["'shared' is inherited", "override="])


@check("missing-parent-file-is-an-error")
def missing_parent(_):
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        _expect_error(tmp, {"97-g": 'from harness import extends\nextends("90-gone")\n'},
                      "97-g", ["90-gone/test.py does not exist"])


# ---- Workshop mode: exercise ties, the marker grammar, the tree's refusals --------------------

@check("exercise-ties-hold-in-their-own-step")
def exercise_ties(_):
    """@check(exercises=) ties a check in the step that writes it; exercise() ties any check the
    step runs; a later step inherits the checks, not the ties; exercise_skip() is per step too."""
    import tempfile
    tree = {
        "91-a": ('from harness import check, exercise_skip\n'
                 '@check("x", exercises=("e1",))\ndef x(step): pass\n'
                 '@check("y")\ndef y(step): pass\n'
                 'exercise_skip("y", "why")\n'),
        "92-b": ('from harness import exercise, extends\nextends("91-a")\n'
                 'exercise("e2", "x", "y")\n'),
    }
    with tempfile.TemporaryDirectory() as tmp:
        _tree(tmp, tree)
        for name, want, skips in (("91-a", {"e1": ["x"]}, {"y": "why"}), ("92-b", {"e2": ["x", "y"]}, {})):
            registry, resolved = _resolve(tmp, name)
            expect_eq(harness.exercise_ties(registry[name], resolved), want, f"{name}'s ties")
            expect_eq(harness.exercise_skips(registry[name]), skips, f"{name}'s skips")


MARKED = """\
int keep;
    // EXERCISE: one: write one (§1)
    int solution = 1;
    // EXERCISE_STANDIN: one
    //     int standin = 0;
    //
    // EXERCISE_END: one
/* ANCHOR: a */
/* EXERCISE: two: write two */
int two = 2;
/* EXERCISE_END: two */
/* ANCHOR_END: a */
"""


@check("exercise-markers-and-stand-ins")
def exercise_markers(_):
    """booktool.py's reader of the exercise markers: the generated text (TODO line, stand-in, the
    other regions' solutions), the lines the book hides, and errors that name file and line."""
    import sys
    import tempfile
    sys.path.insert(0, os.path.join(harness.TOP, "book"))
    import booktool
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "steps", "91-a"))
        path = "steps/91-a/a.c"
        with open(os.path.join(tmp, path), "w") as f:
            f.write(MARKED)
        expect_eq(booktool.apply_exercises(tmp, path, {"one"}),
                  "int keep;\n    // TODO(one): write one (§1)\n    int standin = 0;\n\n"
                  "/* ANCHOR: a */\nint two = 2;\n/* ANCHOR_END: a */\n", "one's stand-in")
        expect_eq(booktool.apply_exercises(tmp, path, {"two"}),
                  "int keep;\n    int solution = 1;\n/* ANCHOR: a */\n/* TODO(two): write two */\n"
                  "/* ANCHOR_END: a */\n", "two's (empty) stand-in")
        expect_eq(sorted(booktool.hidden_lines(tmp, path)), [2, 4, 5, 6, 7, 8, 9, 11, 12],
                  "the lines the book hides")
        for text, words in (
                ("// EXERCISE: a: x\n// EXERCISE: b: y\n// EXERCISE_END: b\n// EXERCISE_END: a\n",
                 ["a.c:2: EXERCISE: b inside exercise 'a' (opened on line 1)"]),
                ("// EXERCISE: a: x\nint a;\n", ["a.c:1: EXERCISE: a has no EXERCISE_END: a"]),
                ("int a;\n// EXERCISE_END: a\n", ["a.c:2: EXERCISE_END: a without an EXERCISE: a"]),
                ("// EXERCISE: a: x\n// EXERCISE_STANDIN: a\nint b;\n// EXERCISE_END: a\n",
                 ["a.c:3: stand-in line of exercise 'a' does not start with the comment token"])):
            with open(os.path.join(tmp, path), "w") as f:
                f.write(text)
            problems = "\n".join(booktool.parse_exercises(tmp, path)[2])
            for w in words:
                expect_true(w in problems, f"the problems do not say {w!r}: {problems!r}")
            try:
                booktool.apply_exercises(tmp, path, set())
                raise CheckFailed(f"apply_exercises took {text!r}")
            except ValueError:
                pass


@check("exercise-tree-refusals")
def exercise_refusals(_):
    """make exercise refuses an unknown step and a DIR that exists and is not empty."""
    import sys
    import tempfile
    sys.path.insert(0, os.path.join(harness.TOP, "common"))
    import exercise
    for call, words in ((lambda d: exercise.resolve_step("99"), "unknown step '99'"),
                        (lambda d: exercise.write_tree(exercise.resolve_step("02"), d),
                         "exists and is not empty")):
        with tempfile.TemporaryDirectory() as tmp:
            open(os.path.join(tmp, "mine"), "w").close()
            try:
                call(tmp)
            except exercise.Refused as e:
                expect_true(words in str(e), f"the refusal does not say {words!r}: {e}")
                continue
            raise CheckFailed(f"no refusal; expected one saying {words!r}")
