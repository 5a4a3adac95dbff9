"""Host unit tests (native gcc with ASan/UBSan, cmocka): each cmocka test of a step's
host/test_NAME.c is a check of its own, named host-NAME-TEST.

The program is built with the step's make rules and run once per step; every check of that
program reads its share of the one run.
"""

import os
import re
import subprocess
import threading

from harness import CheckFailed, expect_true

_lock = threading.Lock()
_runs = {}  # (step, program) -> {test: (passed, message)}, or a string: why nothing ran


def _run_program(step, prog):
    """Build build/NN/host/<prog> and run it. cmocka prints "[ RUN      ] t", the test's
    messages, then "[       OK ] t" or "[  FAILED  ] t"."""
    exe = os.path.join(step.build, "host", prog)
    try:
        r = subprocess.run(["make", "-s", "-C", step.src, exe], capture_output=True, text=True,
                           timeout=300)
    except subprocess.TimeoutExpired:
        return f"building {prog} did not finish within 300 s"
    if r.returncode:
        return f"building {prog} failed:\n" + (r.stdout + r.stderr)[-1500:]
    try:
        r = subprocess.run([exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=120)
    except subprocess.TimeoutExpired:
        return f"{prog} ran for more than 120 s"
    results, current, lines = {}, None, []
    for line in r.stdout.splitlines():
        m = re.match(r"\[ +(RUN|OK|FAILED) +\] (\w+)$", line)
        if m and m.group(1) == "RUN":
            current, lines = m.group(2), []
        elif m and m.group(2) == current:
            results[current] = (m.group(1) == "OK", "\n".join(lines[-8:]))
            current = None
        elif line.startswith("[=========="):
            if results:
                break  # the summary: every test has reported
        elif current:
            lines.append(line)
    if current:  # it died inside a test (a sanitizer report, a crash)
        results[current] = (False, "\n".join(lines[-8:]) +
                            f"\n{prog} died in this test (exit status {r.returncode})")
        results[None] = f"not run: {prog} died earlier, in {current}"
    return results


def _one(prog, test):
    def run_test(step):
        with _lock:
            key = (step.name, prog)
            if key not in _runs:
                _runs[key] = _run_program(step, prog)
        results = _runs[key]
        if isinstance(results, str):
            raise CheckFailed(results)
        if test not in results:
            raise CheckFailed(results.get(None, f"{prog} did not report {test}"))
        passed, message = results[test]
        expect_true(passed, f"{prog}: {test} failed:\n{message}")
    return run_test


def checks(step):
    """[(name, check)] for every cmocka test in the step's host/test_*.c files."""
    out = []
    d = os.path.join(step.src, "host")
    for path in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if re.fullmatch(r"test_\w+\.c", path):
            prog = path[:-2]
            with open(os.path.join(d, path)) as f:
                for test in re.findall(r"cmocka_unit_test\((\w+)\)", f.read()):
                    name = test.removeprefix("test_").replace("_", "-")
                    out.append((f"host-{prog[5:]}-{name}", _one(prog, test)))
    return out
