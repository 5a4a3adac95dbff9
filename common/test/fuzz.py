"""libFuzzer targets as checks (step 08 on): fuzz_check(step) builds the step's fuzzer with its
make rules, runs it with a fixed seed for a fixed number of runs over a temporary copy of the
seed corpus (host/corpus/ is never written), and fails with the end of the fuzzer's output if
it finds anything or exits non-zero.

    from fuzz import fuzz_check
    @check("fuzz-cnode-40000-runs", cost=6)
    def fuzz_cnode(step):
        fuzz_check(step)
"""

import os
import shutil
import subprocess
import tempfile

from harness import CheckFailed

RUNS = 40000     # about 1.7 s of CPU for fuzz_cnode on the build machine (24,000 runs/s)


def fuzz_check(step, prog="fuzz_cnode", runs=RUNS):
    exe = os.path.join(step.build, "host", prog)
    try:
        r = subprocess.run(["make", "-s", "-C", step.src, exe], capture_output=True, text=True,
                           timeout=300)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"building {prog} did not finish within 300 s")
    if r.returncode:
        raise CheckFailed(f"building {prog} failed:\n" + (r.stdout + r.stderr)[-1500:])
    seeds = os.path.join(step.src, "host", "corpus")
    with tempfile.TemporaryDirectory(prefix=prog + "-") as tmp:
        corpus = os.path.join(tmp, "corpus")
        shutil.copytree(seeds, corpus)
        try:
            r = subprocess.run([exe, "-seed=1", f"-runs={runs}", "-print_final_stats=1",
                                "-artifact_prefix=" + tmp + "/", corpus],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace", timeout=300)
        except subprocess.TimeoutExpired:
            raise CheckFailed(f"{prog} -runs={runs} did not finish within 300 s")
        found = [f for f in os.listdir(tmp) if f != "corpus"]
        if r.returncode or found:
            lines = [l for l in r.stdout.splitlines() if not l.startswith("#")]
            raise CheckFailed(f"{prog} failed (exit status {r.returncode}; inputs found: "
                              f"{', '.join(found) or 'none'}):\n" + "\n".join(lines[-25:]))
        if f"Done {runs} runs" not in r.stdout:
            raise CheckFailed(f"{prog} did not report {runs} runs:\n{r.stdout[-1500:]}")
