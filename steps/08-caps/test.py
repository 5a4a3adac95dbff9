"""Step 08 checks: capabilities. init builds its world from untyped memory with seL4's calls
and starts a thread in a CSpace of its own; every error of an invocation that a program can
provoke comes back with seL4's error and detail words, and a failed call changes nothing;
10,000 Retype/Revoke cycles and 100,000 random invocations leave the kernel alive and every
block, ASID and thread id free once the program is killed; BootInfo describes what init holds,
seL4's way; a kernel built with INIT= runs another program as init. The capability core is
also tested on the build machine (host/test_cnode.c, under ASan and UBSan), fuzzed
(host/fuzz_cnode.c), and host/test_abi.c holds abi.h and user/lib to seL4's numbers. Steps
01-07's checks are inherited.
"""
import os
import re
import subprocess

from console import command, console
from fuzz import fuzz_check
from harness import TOP, CheckFailed, Step, check, exercise, expect_eq, expect_true, extends, facts
from user import resources, run_program, user_rows, wait_fault

parent = extends("07-user")
facts(
    title="capabilities: CNodes, untyped memory, and init building its world",
    commands=parent.commands + ("caps", "untyped", "cdt"),
    resident_threads=(2, 3),      # the user threads that are always there: init, its worker
    # init's lines before the first prompt: what it made, then its end, then its worker's.
    init_lines=(r"init: running at EL0, in an address space of its own",
                r"init: BootInfo: \d+ untypeds, slots \d+-4096 empty, IPC buffer at 0x[0-9a-f]+",
                r"init: made endpoint (\d+), notification \d+, CNode \d+ \(16 slots\), TCB \d+, "
                r"frames \d+ and \d+ from untyped \d+",
                r"init: page table \(slot \d+\) for 0x10000000: NoError",
                r"init: worker's CSpace filled, configured, resumed at priority 200: NoError",
                r"fault: init\[2\] brk #0 pc=0x[0-9a-f]{16} far=0x0{16} esr=0xf2000000",
                r"worker: started with 0x1234; copied my endpoint cap to slot 4, read-only: "
                r"NoError",
                r"worker: copying from empty slot 9: FailedLookup \(lookup failure 2\)"),
)


@check("ps-columns", override="init and its worker are TCB objects made from untyped memory, "
                              "not TCBs of the kernel's pool")
def ps_columns(step):
    """ps: the idle thread and the console (pool TCBs, no ASID), init (thread 2, priority 255,
    ASID 1) and the worker init made (thread 3, priority 200, in init's ASID 1); a hello
    started with `run` gets ASID 2, and after `kill` every block, ASID and pool TCB is back."""
    size = step.define("tcb.h", "TCB_POOL_SIZE")
    with console(step) as m:
        rows = user_rows(m)
        expect_eq(rows[2], ("init", "inactive", "255", 1), "init (name, state, priority, ASID)")
        expect_eq(rows[3], ("init", "inactive", "200", 1), "init's worker")
        tcbs, frames, asids = resources(m)
        expect_eq((tcbs, asids), (size - 2, 254), "free pool TCBs and ASIDs with init")
        ident = run_program(m, "hello", "ps")
        wait_fault(m, ident)
        expect_eq(user_rows(m)[ident], ("hello", "inactive", "100", 2), "an ended hello")
        command(m, f"kill {ident}")
        expect_eq(resources(m), (tcbs, frames, asids), "free TCBs, frames, ASIDs after kill")


CAP_LINE = re.compile(r"^ *(\d+) (\S+) +(.*)$", re.M)


def caps_of(m, ident):
    """`caps ID`: {slot: (type, the rest of the line)}."""
    out = command(m, f"caps {ident}").replace("\r", "")
    return {int(s): (t, rest.strip()) for s, t, rest in CAP_LINE.findall(out)
            if t != "TYPE"}


@check("worker-runs-in-the-cspace-init-made")
def worker_cspace(step):
    """`caps 3` lists the worker's CNode: its own TCB in slot 1, the endpoint init minted with
    badge 0x42 in slot 2, its CNode (with the 60-bit guard that makes depth 64 work) in slot
    3, and the read-only copy the worker made itself in slot 4: nothing else."""
    with console(step) as m:
        caps = caps_of(m, 3)
    expect_eq(sorted(caps), [1, 2, 3, 4], f"the worker's slots: {caps}")
    expect_eq(caps[1][0], "thread", "slot 1")
    expect_true(caps[1][1].endswith("thread 3 (init)"), f"slot 1 names thread 3: {caps[1]}")
    expect_eq((caps[2][0], caps[2][1].split()[1:]), ("endpoint", ["rights", "RWGP", "badge",
                                                                  "0x42"]), "slot 2")
    expect_eq(caps[3][1].split(None, 1)[1], "16 slots, guard 0x0 (60 bits)", "slot 3")
    expect_eq(caps[4][1].split()[1:], ["rights", "R---", "badge", "0x42"], "slot 4")
    expect_eq(caps[4][1].split()[0], caps[2][1].split()[0], "slots 2 and 4: one endpoint")


@check("init-cspace-is-sel4s")
def init_cspace(step):
    """`caps 2`: seL4's initial slots (1 TCB, 2 CNode of 4096 slots with a 52-bit guard, 3
    VSpace in ASID 1, 4 IRQControl, 6 the ASID pool, 9 BootInfo, 10 IPC buffer); then the page
    tables, then one frame per page of the image, cap i mapping 0x400000 + 4096 i, the IPC
    buffer and BootInfo on the two pages after the image; then the untypeds."""
    with console(step) as m:
        caps = caps_of(m, 2)
    want = {1: "thread", 2: "cnode", 3: "vspace", 4: "irq-control", 6: "asid-pool",
            9: "frame", 10: "frame"}
    expect_eq({s: caps[s][0] for s in want if s in caps}, want, "slots 1-10")
    expect_true(5 not in caps and 7 not in caps and 8 not in caps and
                all(s not in caps for s in range(11, 16)), f"slots left empty: {sorted(caps)}")
    expect_eq(caps[2][1].split(None, 1)[1], "4096 slots, guard 0x0 (52 bits)", "the root CNode")
    expect_true(caps[3][1].endswith("ASID 1"), f"the VSpace: {caps[3]}")
    s = 16
    while caps[s][0] == "page-table":
        s += 1
    expect_true(s > 16, "page tables from slot 16")
    frames = []
    while caps[s][0] == "frame":
        frames.append(int(re.search(r"at (0x[0-9a-f]+)", caps[s][1]).group(1), 16))
        s += 1
    expect_eq(frames, [0x400000 + 4096 * i for i in range(len(frames))],
              "image frames, in order, one per page")
    at = lambda slot: int(re.search(r"at (0x[0-9a-f]+)", caps[slot][1]).group(1), 16)  # noqa
    expect_eq((at(10), at(9)), (frames[-1] + 4096, frames[-1] + 8192),
              "the IPC buffer and BootInfo: the two pages after the image")
    expect_true(caps[s][0] == "untyped", f"untypeds after the frames: slot {s} {caps[s]}")


UT_LINE = re.compile(r"^ *(\d+) 0x([0-9a-f]+) +(\d+) +(\d+) +(\d+) +(ram|device)$", re.M)


@check("untypeds-cover-free-memory")
def untypeds(step):
    """`untyped`: init's RAM untypeds are aligned powers of two that tile [16 MiB, the end of
    the ARM's RAM) exactly, plus 1 MiB of its own block; its device untypeds tile the
    peripherals 0x3F000000-0x3FFFFFFF but for the five pages the kernel keeps."""
    with console(step) as m:
        out = command(m, "untyped").replace("\r", "")
        mem = re.search(r"memory: +ARM (\d+) MiB at 0x([0-9a-f]+)", bytes(m.transcript).decode(
            errors="replace"))
    rows = [(int(pa, 16), int(bits), kind) for _, pa, bits, _, _, kind in UT_LINE.findall(out)]
    expect_true(rows, f"untyped's table: {out!r}")
    for pa, bits, _ in rows:
        expect_true(pa % (1 << bits) == 0, f"untyped 0x{pa:x} (2^{bits}) is not aligned")
    ram_end = int(mem.group(2), 16) + (int(mem.group(1)) << 20)
    ram = sorted((pa, pa + (1 << b)) for pa, b, k in rows if k == "ram" and pa >= 0x1000000)
    expect_eq(ram[0][0], 0x1000000, "the first RAM untyped")
    expect_eq(ram[-1][1], ram_end, "where the RAM untypeds end")
    expect_true(all(a[1] == b[0] for a, b in zip(ram, ram[1:])), f"gaps or overlaps: {ram}")
    dev = sorted((pa, pa + (1 << b)) for pa, b, k in rows if k == "device")
    covered = sum(e - s for s, e in dev)
    kept = [0x3F003000, 0x3F00B000, 0x3F100000, 0x3F200000, 0x3F215000]
    expect_eq(covered, 0x1000000 - 4096 * len(kept), "bytes of device untypeds")
    for page in kept:
        expect_true(not any(s <= page < e for s, e in dev), f"page 0x{page:x} was given away")
    expect_true(all(a[1] <= b[0] for a, b in zip(dev, dev[1:])), f"device overlaps: {dev}")


# What seL4 answers each case of user/captest.c: the error and its detail words.
CAPTEST = {
    "random cptr": "FailedLookup 1 4 64 0 52",            # source, guard mismatch, 64 bits left
    "depth 0": "RangeError 1 64",
    "depth 65": "RangeError 1 64",
    "depth 60": "FailedLookup 0 3 60 64",                 # depth mismatch: 60 left, 64 needed
    "empty source": "FailedLookup 1 2 64",                # missing capability
    "retype 0 objects": "RangeError 1 256",
    "retype 257 objects": "RangeError 1 256",
    # 16 KiB of the 1 MiB untyped are used: an endpoint (the next object aligns past it), a
    # 4 KiB untyped, a frame and the probe's frame.
    "retype too big": "NotEnoughMemory 1032192",
    "retype past the CNode": "RangeError 1 1",
    "retype into a used slot": "DeleteFirst",
    "retype type 99": "InvalidArgument 0",
    "retype huge page": "InvalidArgument 0",
    "retype CNode of 0 bits": "InvalidArgument 1",
    "retype 3-bit untyped": "InvalidArgument 1",
    "mint a badge onto a badge": "IllegalOperation",
    "copy an untyped with children": "RevokeFirst",
    "copy into a used slot": "DeleteFirst",
    "invoke an empty slot": "InvalidCapability 0",
    "untyped asked to copy": "IllegalOperation",
    "read-only endpoint asked to retype": "InvalidCapability 0",
    "map at an odd address": "AlignmentError",
    "map with no page table": "FailedLookup 0 2 21",      # no level-3 table: 21 bits left
    "map above 2^39": "InvalidArgument 0",
    "map into an endpoint": "InvalidCapability 1",
    "map over the image": "DeleteFirst",
    "priority above my MCP": "RangeError 0 100",
    "retype with 2 words": "TruncatedMessage",
}


def run_captest(step, m, arg=""):
    """Run captest to its end; its output, and the thread id."""
    since = len(m.transcript)
    ident = run_program(m, "captest", arg)
    wait_fault(m, ident, since, timeout=120)
    return bytes(m.transcript[since:]).decode(errors="replace").replace("\r", ""), ident


@check("every-error-with-sel4s-words", cost=2)
def errors(step):
    """`run captest`: each case gets seL4's error and detail words; after all the failed calls the untyped's next
    frame is one probe further, no more, and the slot every call aimed at is still empty."""
    with console(step, timeout=180) as m:
        out, _ = run_captest(step, m, "errors")
    got = dict(re.findall(r"^captest: ([^:]+): (\w+(?: \d+)*)$", out, re.M))
    for case, answer in CAPTEST.items():
        expect_eq(got.get(case), answer, f"captest: {case}")
    expect_true("captest: 64 methods on an empty slot: 64 refused with InvalidCapability" in out,
                f"methods on an empty slot: {out[-800:]!r}")
    expect_true("next frame is at +4096 bytes (one probe apart), slot" in out and
                "is still usable" in out, f"the state after the failed calls: {out[-600:]!r}")


@check("10000-retype-revoke-cycles-and-random-invocations", cost=3, stress=True)
def cycles(step):
    """captest's 10,000 Retype/Revoke cycles put the first frame at the same address every
    time and leave the slots empty; its 100,000 random invocations leave the kernel alive;
    once captest is killed every block, ASID and thread is free again."""
    with console(step, timeout=180) as m:
        before = resources(m)
        out, ident = run_captest(step, m)
        command(m, f"kill {ident}")
        after = resources(m)
        rows = user_rows(m)
    expect_true("captest: 10000 retype/revoke cycles: first frame moved 0 times; 9 of 9 slots "
                "empty again" in out, f"the cycles: {out[-800:]!r}")
    expect_true("captest: 100000 random invocations, untyped revoked, kernel alive" in out,
                f"the random invocations: {out[-800:]!r}")
    expect_eq(after, before, "free TCBs, frames, ASIDs after kill")
    expect_eq(sorted(rows), list(step.facts.resident_threads),
              "user threads after kill (init and its worker)")


@check("cdt-shows-what-init-holds")
def cdt(step):
    """`cdt`: the kernel's block for init is the root; the CNode, TCB, VSpace, page tables and
    frames it made are its children, each copy (the TCB's slots) one level deeper; then the
    untyped init made its world from, with the endpoint and its badged copies under it."""
    with console(step) as m:
        out = command(m, "cdt").replace("\r", "")
    lines = out.splitlines()[1:]
    expect_true(lines[0].startswith("kernel: untyped") and "2^21 bytes" in lines[0],
                f"the root: {lines[:2]}")
    depth = lambda line: (len(line) - len(line.lstrip(" "))) // 2  # noqa: E731
    kinds = {line.split(": ", 1)[1].split()[0] for line in lines[1:] if depth(line) == 1}
    expect_true({"cnode", "thread", "vspace", "page-table", "frame", "untyped"} <= kinds,
                f"what the kernel made for init: {kinds}")
    second = [ln for ln in lines if ln.startswith("slot ") and "untyped" in ln]
    expect_true(second, f"the untyped init used: {out!r}")
    i = lines.index(second[0])
    under = lines[i + 1:]
    expect_true(any("endpoint" in ln and "badge 0x42" in ln and depth(ln) == 2 for ln in under),
                f"the badged endpoint under the plain one: {under}")


@check("runs-any-init-given-with-INIT", cost=4)
def other_init(step):
    """`make build STEP=08 INIT=build/08-caps/user/captest.elf` builds a kernel (in
    build/08-caps-init/) whose init is captest: it boots, captest runs as thread 2 in ASID 1,
    its Retype/Revoke cycles run from init with the watermark back at 0 every time, `untyped`
    then shows its untyped unused; step 08's own build is left as it was."""
    before = os.path.getmtime(step.img)
    r = subprocess.run(["make", "-s", "build", f"STEP={step.name}",
                        f"INIT={os.path.join(step.build, 'user', 'captest.elf')}"], cwd=TOP,
                       capture_output=True, text=True, timeout=300)
    expect_eq(r.returncode, 0, f"the INIT build: {r.stdout[-500:]} {r.stderr[-1500:]}")
    other = Step(step.name, "-init")
    other.facts = step.facts
    with other.boot(timeout=180) as m:
        m.expect(re.compile(rb"fault: init\[2\] brk #0"), timeout=120)
        m.expect(b"> ", timeout=20)
        said = bytes(m.transcript).decode(errors="replace").replace("\r", "")
        rows = user_rows(m)
        ut = command(m, "untyped").replace("\r", "")
    expect_true("captest: 10000 retype/revoke cycles: first frame moved 0 times; 9 of 9 slots "
                "empty again" in said, f"the cycles, run by init: {said[-800:]!r}")
    expect_eq(rows[2][::3], ("init", 1), "thread 2 (the kernel names it init) in ASID 1")
    first = UT_LINE.search(ut)
    expect_true(first and first.group(4) == "0", f"init's first untyped after its run: {ut!r}")
    expect_eq(os.path.getmtime(step.img), before, "step 08's own kernel8.img")


@check("fuzz-cnode-40000-runs", cost=4, stress=True)
def fuzz_cnode(step):
    """host/fuzz_cnode.c under libFuzzer (clang, ASan, UBSan): 40,000 runs from seed 1 over
    the seed corpus, each a sequence of lookups and CNode and Untyped invocations with the
    tree's invariants checked after every one: no finding. (`make fuzz STEP=08` runs it for
    as long as asked.)"""
    fuzz_check(step)


# ---- The exercises of this step (workshop mode: `make exercise STEP=08`) ----------------------
# cspace_resolve: the stand-in looks one level down and takes the cptr's low bits, which is
# what init's own cptrs (a 52-bit guard of 0, then 12 bits) need, so init builds its world
# and the console works; the host tests of the lookup and captest's lookup failures do not.
exercise("cspace_resolve",
         "host-cnode-lookup-root-slot", "host-cnode-lookup-two-levels",
         "host-cnode-lookup-target-depth-range", "host-cnode-lookup-failure-words",
         "host-cnode-cnode-bad-messages", "host-cnode-cnode-holds-last-cap-to-itself",
         "host-cnode-cnode-self-copy-deleted-through-itself", "host-cnode-cnode-cycle",
         "every-error-with-sel4s-words")
# retype_room: the stand-in places objects at the watermark unaligned and never starts again
# from the bottom. A cap keeps its object's address without the low bits, so an unaligned
# CNode or TCB is another object: the worker's CSpace is wrong from the first boot.
exercise("retype_room",
         "banner", "worker-runs-in-the-cspace-init-made", "every-error-with-sel4s-words",
         "10000-retype-revoke-cycles-and-random-invocations", "cdt-shows-what-init-holds",
         "runs-any-init-given-with-INIT", "fuzz-cnode-40000-runs",
         "host-cnode-retype-watermark-alignment", "host-cnode-retype-not-enough-memory",
         "host-cnode-retype-watermark-resets-without-children", "host-cnode-revoke-untyped",
         "host-cnode-cnode-holds-last-cap-to-itself", "host-cnode-cnode-cycle",
         "host-cnode-cnode-chain-4000")
