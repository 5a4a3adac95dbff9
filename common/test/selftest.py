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
