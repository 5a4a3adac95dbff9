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
