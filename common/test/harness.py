"""The QEMU test harness (python3 standard library only).

A step's test.py registers checks with @check("name"). A check is a function that takes a
`Step` (paths, symbols and declared facts of the step's build) and either returns (PASS) or
raises (FAIL); the message of the exception is the FAIL line, so say what was expected and
what came. A step inherits the checks of the step it extends (see "Checks, groups and
inheritance" below, and common/test/README.md).

    from harness import check, expect_eq

    @check("banner")
    def banner(step):
        with step.boot() as m:             # QEMU under -icount, mini UART on a socket
            m.expect("Hello")              # waits for text (or a compiled regex), with a timeout
            m.send(b"help\\r")

Every QEMU run has a hard timeout (the process is killed), every wait has a timeout, and on a
failure the runner prints the tail of the serial transcript. See common/test/run.py.
"""

import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import json

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
QEMU = os.environ.get("QEMU", "qemu-system-aarch64")
# How long a starting QEMU may take to open its sockets and greet on its monitor (it takes
# well under a second; a start that takes longer is tried once more, see Step.boot).
START_WAIT = 15
# `make test-long` (BOOTBOOK_LONG=1): checks that have a long form (the random floods) use it.
LONG = os.environ.get("BOOTBOOK_LONG", "") not in ("", "0")
CROSS = os.environ.get("CROSS", "aarch64-linux-gnu-")   # the cross binutils, as step.mk names them
NM, OBJDUMP, READELF = CROSS + "nm", CROSS + "objdump", CROSS + "readelf"

# The console's prompt from step 02 on: "> " at the start of a line, perhaps after colour
# escapes (step 03's terminal resets its colours before it).
PROMPT = re.compile(rb"\r\n(?:\x1b\[[0-9;]*[A-Za-z])*> ")

# --------------------------------------------------------------------------------------------
# Checks, groups and inheritance
#
# A check is written once, in the step that introduces what it checks; every later step
# inherits it. A step's test.py says which step it extends, states the facts its inherited
# checks are parametrised by, and may override or retire an inherited check, each with a
# one-line reason:
#
#     parent = extends("04-mmu")                      # all of 04's checks, transitively
#     facts(title="...", commands=parent.commands + ("uptime",))
#     retire("first-byte-within-budget", "why this step no longer holds it")
#
#     @check("banner", override="what this step changed")
#     def banner(step): ...
#
# Groups that are not steps (harness, book, tools) only use @check.


class CheckFailed(Exception):
    """A check's expectation was not met. The message says what was expected and what came."""


class StartFailed(CheckFailed):
    """QEMU could not be started or connected to (before the guest ran anything of ours)."""


class CheckError(Exception):
    """A test file is wrong (an override of nothing, a missing parent): reported, never run."""


class Facts:
    """What a step declares about itself for the checks it inherits (step.facts.title, ...).
    A step starts with a copy of its parent's facts and replaces or adds its own."""

    def __init__(self, owner, values=None):
        self._owner = owner
        self._values = dict(values or {})

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise CheckError(f"steps/{self._owner}/test.py (or a step it extends) does not "
                             f"declare the fact {name!r}") from None

    def get(self, name, default=None):
        return self._values.get(name, default)

    def as_dict(self):
        return dict(self._values)


class Check:
    """One registered check: `name` may hold {fact} fields, filled from the step's facts."""

    def __init__(self, name, fn, group, override=None, alone=False, each=False):
        self.name, self.fn, self.group = name, fn, group
        self.override = override      # the reason, when this check replaces an inherited one
        self.alone = alone            # one at a time, raised priority (its QEMU has no -icount)
        self.each = each              # fn(step) -> [(name, fn)]: a family of checks


class Group:
    """The checks of one test file: a step's (which may extend another step's) or another
    group's (harness, book, tools)."""

    def __init__(self, name, path, is_step, steps_dir=None, registry=None):
        self.name, self.path, self.is_step = name, path, is_step
        self.steps_dir = steps_dir or os.path.join(TOP, "steps")
        self.registry = _groups if registry is None else registry
        self.parent = None
        self.facts = Facts(name)
        self.checks = []              # Check, in the order of the file
        self.retired = {}             # name -> reason


class Resolved:
    """A check as it runs against one step: label `name`, where it was written (`origin`),
    and how it came to this step: 'own', 'inherited' or 'overridden' (with the reason)."""

    def __init__(self, name, fn, origin, kind, reason=None, alone=False):
        self.name, self.fn, self.origin, self.kind = name, fn, origin, kind
        self.reason, self.alone = reason, alone


class _Started(threading.local):
    """The machines the check running in this thread started (for transcripts on failure),
    and whether that check asked for warp (see Machine). Outside a check (the book's figure
    scripts, screenshot.py) machines warp: what they print must not depend on the host."""

    def __init__(self):
        self.machines = []
        self.warp = True


started = _Started()
_groups = {}                          # name -> Group
_loading = []                         # the Group whose file is being executed
_load_lock = threading.RLock()        # one file is loaded at a time (extends() nests)


def load_group(name, path=None, is_step=True, steps_dir=None, registry=None):
    """Execute a test file once (a step's, by default <steps_dir>/<name>/test.py) and return
    its Group. A step it extends is loaded first, from inside extends(), from the same
    steps_dir into the same registry (the self-test uses a tree of its own)."""
    registry = _groups if registry is None else registry
    if name in registry:
        return registry[name]
    steps_dir = steps_dir or os.path.join(TOP, "steps")
    path = path or os.path.join(steps_dir, name, "test.py")
    if not os.path.exists(path):
        raise CheckError(f"{os.path.relpath(path, TOP)} does not exist")
    import importlib.util
    import sys
    group = Group(name, path, is_step, steps_dir, registry)
    registry[name] = group
    spec = importlib.util.spec_from_file_location("checks_" + re.sub(r"\W", "_", name), path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    with _load_lock:
        _loading.append(group)
        try:
            spec.loader.exec_module(mod)
        except BaseException:
            del registry[name]
            raise
        finally:
            _loading.pop()
            sys.path.remove(os.path.dirname(path))
    group.module = mod
    return group


def _current(what):
    if not _loading:
        raise CheckError(f"{what} is only allowed in a test file that run.py loads")
    return _loading[-1]


def extends(parent):
    """Inherit every check of step `parent` (and of the steps it extends); returns its facts,
    so that a step can build on them (commands=parent.commands + (...))."""
    group = _current("extends()")
    if group.parent is not None or group.checks or group.retired:
        raise CheckError(f"{os.path.relpath(group.path, TOP)}: extends() comes first, once")
    group.parent = load_group(parent, steps_dir=group.steps_dir, registry=group.registry)
    group.facts = Facts(group.name, group.parent.facts.as_dict())
    return group.parent.facts


def facts(**values):
    """Declare facts of this step (they replace the parent's of the same name)."""
    group = _current("facts()")
    group.facts._values.update(values)


def check(name, override=None, alone=False, cost=None, needs=(), warp=False, exercises=(),
          stress=False):
    """Decorator: register `fn` as check `name` of the file being loaded. `override` (a
    one-line reason) replaces the inherited check of that name; `alone` runs the check one at
    a time beside the others, at a raised priority (for checks that run QEMU without -icount, whose
    guests' time-outs follow the host's clock). `cost` is a guess of its seconds, for ordering a first run
    that has no times of its own yet (a fresh clone, CI): the longest start first. `needs`
    names checks of the same group that must have finished first (the book's checks wait for
    the one that builds it, rather than holding a worker while it builds). `warp` gives the
    check's machines QEMU's -icount sleep=off: an idle guest's clock jumps to its next timer
    at once, so it sees thousands of ticks in a second of the host's time (checks that count
    ticks, or need the same instruction at every tick). Without it (sleep=on) an idle guest's
    clock follows the host's and QEMU sleeps, instead of running tick handlers flat out while
    the check waits: a third of the CPU time of the run. `stress` marks a check that proves
    its point by repetition (a thousand spawn/kill cycles, a million random calls): in a run of
    several steps, `make test` runs it on the step that writes it, on a step that overrides
    it and on the last step of the run that inherits it, and lists the steps between as left
    to `make test-long`, which runs it on every step (so does a run of one step)."""

    def register(fn):
        c = Check(name, fn, _loading[-1].name, override, alone)
        _current("@check").checks.append(c)
        fn.cost, fn.needs, fn.warp, fn.stress = cost, tuple(needs), warp, stress
        fn.exercises = _exercise_names(exercises)   # see "Exercises" at the end of this file
        return fn

    return register


def check_each(fn):
    """Register a family of checks: fn(step) returns [(name, check function)], worked out for
    each step that runs it (for example one check per host unit test the step has)."""
    _current("@check_each").checks.append(Check(fn.__name__, fn, _loading[-1].name, each=True))
    return fn


def retire(name, reason):
    """Stop running the inherited check `name` from this step on, for `reason` (one line,
    printed at the end of every `make test`)."""
    group = _current("retire()")
    if not reason or "\n" in reason:
        raise CheckError(f"{os.path.relpath(group.path, TOP)}: retire({name!r}) needs a "
                         f"one-line reason")
    group.retired[name] = reason


def resolve(group, step=None):
    """The checks that run against `step` (a Step of `group`), in order: inherited ones first,
    where they were written, then this file's own; retired ones stay in the list, with
    kind 'retired', so that they can be reported. Raises CheckError for an override or a
    retirement of a name that is not inherited."""
    step = step or Step(group.name)
    step.facts = group.facts
    return _resolve(group, step)


def _resolve(group, step):
    out = []
    if group.parent is not None:
        for r in _resolve(group.parent, step):
            r.kind = "inherited" if r.kind != "retired" else r.kind
            out.append(r)
    names = {r.name: i for i, r in enumerate(out) if r.kind != "retired"}
    where = os.path.relpath(group.path, TOP)
    for name, reason in group.retired.items():
        if name not in names:
            raise CheckError(f"{where}: retires {name!r}, which it does not inherit")
        r = out[names.pop(name)]
        r.kind, r.reason, r.retired_by = "retired", reason, group.name
    own = []
    for c in group.checks:
        expanded = c.fn(step) if c.each else [(c.name, c.fn)]
        for raw, fn in expanded:
            name = raw.format(**step.facts.as_dict()) if group.is_step else raw
            if c.override is not None:
                if name not in names:
                    raise CheckError(f"{where}: overrides {name!r}, which it does not inherit")
                if not c.override or "\n" in c.override:
                    raise CheckError(f"{where}: the override of {name!r} needs a one-line reason")
                i = names[name]
                replaced = out[i]
                out[i] = Resolved(name, fn, group.name, "overridden", c.override, c.alone)
                out[i].overrides = replaced.origin
            else:
                if name in names:
                    raise CheckError(f"{where}: {name!r} is inherited; say override=\"why\"")
                names[name] = None
                own.append(Resolved(name, fn, group.name, "own", None, c.alone))
    return out + own


def expect_eq(got, want, what):
    if got != want:
        raise CheckFailed(f"{what}: expected {want!r}, got {got!r}")


def expect_true(cond, message):
    if not cond:
        raise CheckFailed(message)


# --------------------------------------------------------------------------------------------
# A built step


class Step:
    """One step's build outputs (build/<name>/kernel8.img and kernel8.elf), its symbols, and
    the facts its test.py declares (`facts`, set by the runner)."""

    def __init__(self, name, variant=""):
        self.name = name
        self.src = os.path.join(TOP, "steps", name)
        # variant "-init": the kernel built with INIT=program.elf (steps 08 on), in its own
        # build directory (common/step.mk).
        self.build = os.path.join(TOP, "build", name + variant)
        self.img = os.path.join(self.build, "kernel8.img")
        self.elf = os.path.join(self.build, "kernel8.elf")
        self.facts = Facts(name)
        self._symbols = None
        self._kbase = None
        self._lock = threading.Lock()

    @property
    def symbols(self):
        """Name -> address, from the ELF (nm)."""
        with self._lock:
            if self._symbols is None:
                out = subprocess.run([NM, self.elf], check=True, capture_output=True,
                                     text=True).stdout
                symbols = {}
                for line in out.splitlines():
                    parts = line.split()
                    if len(parts) == 3:
                        symbols[parts[2]] = int(parts[0], 16)
                self._symbols = symbols
        return self._symbols

    def sym(self, name):
        try:
            return self.symbols[name]
        except KeyError:
            raise CheckFailed(f"symbol {name} not found in {self.elf}")

    @property
    def kbase(self):
        """Where the kernel is linked relative to where it is loaded: the first loadable
        segment's virtual minus its physical address, read from the ELF's program headers
        (0 before step 04, KBASE once the kernel runs in the upper half)."""
        if self._kbase is None:
            with open(self.elf, "rb") as f:
                head = f.read(64)
                phoff = int.from_bytes(head[32:40], "little")
                phentsize = int.from_bytes(head[54:56], "little")
                phnum = int.from_bytes(head[56:58], "little")
                f.seek(phoff)
                table = f.read(phentsize * phnum)
            for i in range(phnum):
                ph = table[i * phentsize:(i + 1) * phentsize]
                if int.from_bytes(ph[0:4], "little") == 1:          # PT_LOAD
                    vaddr = int.from_bytes(ph[16:24], "little")
                    paddr = int.from_bytes(ph[24:32], "little")
                    self._kbase = vaddr - paddr
                    break
            else:
                raise CheckFailed(f"{self.elf} has no loadable segment")
        return self._kbase

    def pa(self, va):
        """The physical address of a kernel address: what QEMU's loader and monitor, and gdb
        while the MMU is still off, work with."""
        return va - self.kbase if va >= self.kbase else va

    def define(self, file, name):
        """The value of `#define NAME <integer>` in the step's source `file`, so that a check
        never copies a kernel constant by hand."""
        with open(os.path.join(self.src, file)) as f:
            text = f.read()
        found = re.search(rf"^\s*#\s*define\s+{re.escape(name)}\s+(.+?)\s*(/\*.*)?$", text, re.M)
        if not found:
            raise CheckFailed(f"steps/{self.name}/{file} has no #define {name}")
        expr = re.sub(r"(?<=[0-9a-fA-F])[uUlL]+\b", "", found.group(1))
        if not re.fullmatch(r"[0-9a-fA-Fx()+\-*/<> ]+", expr):
            raise CheckFailed(f"#define {name} {found.group(1)} in {file} is not a plain number")
        return int(eval(expr.replace("/", "//"), {"__builtins__": {}}))

    def addresses(self, *exprs):
        """The addresses of C expressions such as "timer_tick.ticks", worked out by gdb from
        the ELF's debug information (never by counting bytes of a struct by hand)."""
        args = [os.environ.get("GDB", "gdb-multiarch"), "-nx", "-batch", self.elf]
        for e in exprs:
            args += ["-ex", f"print/x (unsigned long)&({e})"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
        got = re.findall(r"^\$\d+ = 0x([0-9a-f]+)$", r.stdout, re.M)
        if len(got) != len(exprs):
            raise CheckFailed(f"gdb could not find the addresses of {exprs}: "
                              f"{(r.stdout + r.stderr)[-400:]}")
        return [int(g, 16) for g in got]

    def boot(self, **kw):
        """Start QEMU with this step's kernel8.img; use as a context manager. A start that fails
        on a socket error, or whose monitor does not greet within START_WAIT, is tried once more. That hides no kernel behaviour: with the serial line
        QEMU waits for our connection before the cores start, and without it the run is
        deterministic under -icount, so a failure the guest causes comes back. A second failure
        is reported with QEMU's own output."""
        try:
            return Machine(self.img, **kw)
        except StartFailed:
            return Machine(self.img, **kw)


# --------------------------------------------------------------------------------------------
# A running QEMU


def wait_readable(sock, timeout, pump=None):
    """Wait until `sock` has something to read, at most `timeout` seconds; True if it has.
    Meanwhile `pump()` keeps the serial line read: QEMU writes the guest's output to its
    socket a byte at a time, so a few hundred unread bytes fill the socket's buffer, and
    QEMU then waits for room while holding its global lock, so that its monitor and gdbstub
    stop answering too. Whoever waits on QEMU must keep reading the guest's output."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        r, _, _ = select.select([sock], [], [], max(0, min(left, 0.02 if pump else left)))
        if r:
            return True
        if left <= 0:
            return False
        if pump:
            pump()


def _with_parent_death(args):
    """QEMU is killed when the thread that started it dies (Linux's parent-death signal, set
    by util-linux's setpriv before it runs QEMU), so an interrupted runner leaves no QEMU
    behind. (Not a preexec_fn: that may deadlock a child forked from a threaded program.)"""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL"] + args if setpriv else args


class Machine:
    """QEMU raspi3b running one kernel image under -icount shift=0 (every instruction 1 ns of
    the guest's time, so instruction counts are exact). Inside a check, sleep=on unless the
    check asks for warp (sleep=off); outside one (figure scripts, bench) it warps; `warp=`
    decides for one machine. icount=False: the host's clock, the four cores still on one host
    thread.

    serial=True  connects the mini UART (QEMU's second -serial) through a unix socket; QEMU
                 waits for the connection before it starts the guest, so no output is lost.
    gdb=True     adds a gdbstub socket (self.gdb, a GdbClient); with paused=True the guest
                 does not run until the test says so.
    qmp          the monitor is always there: self.hmp("info registers"), self.screendump().
    timeout      hard limit in seconds for the whole run; QEMU is killed after it.
    extra        more QEMU arguments (e.g. ["-device", "loader,..."]).
    """

    def __init__(self, img, serial=True, gdb=False, paused=False, timeout=60, extra=(),
                 icount=True, display=False, warp=None):
        started.machines.append(self)
        self.phases = [("start", time.monotonic())]   # when each step of its life happened
        self.cpu = 0.0                                 # QEMU's CPU seconds, once it has exited
        self.tmp = tempfile.mkdtemp(prefix="bootbook-")
        self.transcript = bytearray()
        self.timeout = timeout
        qmp_path = os.path.join(self.tmp, "qmp.sock")
        args = [QEMU, "-M", "raspi3b", "-kernel", img, "-no-reboot", "-nodefaults",
                "-display", "none" if not display else display,
                "-monitor", "none",
                "-qmp", f"unix:{qmp_path},server=on,wait=off"]
        if icount:
            # Instructions count time either way (shift=0: 1 ns each). sleep=off (warp) makes
            # an idle guest's clock jump to its next timer at once; sleep=on lets it follow
            # the host's clock while idle, and QEMU sleep (check(..., warp=True) chooses).
            warp = started.warp if warp is None else warp
            args += ["-icount", "shift=0,sleep=off" if warp else "shift=0,sleep=on"]
        else:
            # One host thread for the four cores, as under -icount. By default QEMU gives each
            # core a thread of its own, and cores 1-3, parked in the spin loop, then keep
            # three host threads busy (WFE is a yield in TCG): on a 2-core host they take the
            # processor from core 0 and from every other check (measured: the tools checks
            # took 26 s of CPU, 10 s like this, and less wall time).
            args += ["-accel", "tcg,thread=single"]
        if gdb or paused:
            gdb_path = os.path.join(self.tmp, "gdb.sock")
            args += ["-chardev", f"socket,id=gdb0,path={gdb_path},server=on,wait=off",
                     "-gdb", "chardev:gdb0"]
        if paused:
            args += ["-S"]
        serial_path = os.path.join(self.tmp, "serial.sock")
        if serial:
            # The first -serial is the PL011, the second the mini UART.
            args += ["-serial", "null", "-chardev",
                     f"socket,id=s0,path={serial_path},server=on,wait=on", "-serial", "chardev:s0"]
        else:
            args += ["-serial", "null", "-serial", "null"]
        args += list(extra)
        self.args = args
        self.log = open(os.path.join(self.tmp, "qemu.log"), "w+")
        self.proc = subprocess.Popen(_with_parent_death(args), stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.phases.append(("spawned", time.monotonic()))
        self._deadline = time.monotonic() + timeout
        self._killer = threading.Timer(timeout, self._kill)
        self._killer.daemon = True
        self._killer.start()
        self.serial = None
        self.qmp = None
        self.gdb = None
        try:
            if serial:
                self.serial = self._connect(serial_path)
                self.serial.setblocking(False)
            self.phases.append(("serial connected", time.monotonic()))
            self.qmp = Qmp(self._connect(qmp_path), pump=self._pump)
            self.phases.append(("monitor connected", time.monotonic()))
            if gdb or paused:
                self.gdb = GdbClient(self._connect(gdb_path), pump=self._pump)
        except OSError as e:
            # Say what QEMU said: a socket error while starting usually means QEMU died.
            time.sleep(0.2)
            status = self.proc.poll()
            output = self.qemu_output()[-800:]
            self.close()
            raise StartFailed(f"starting QEMU: {type(e).__name__}: {e}; QEMU "
                              + (f"exited with status {status}" if status is not None
                                 else "still running")
                              + (f", its output: {output!r}" if output else ", no output"))
        except StartFailed as e:
            where = self.threads_state()
            self.phases.append((f"start failed, threads {where}:", time.monotonic()))
            self.close()
            raise StartFailed(f"{e}; QEMU's threads: {where}") from None
        except Exception:
            self.close()
            raise

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()

    def _connect(self, path):
        end = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                raise CheckFailed(f"QEMU exited with status {self.proc.returncode}: "
                                  f"{self.qemu_output()[-500:]}")
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(START_WAIT)      # a connect queued behind a stuck QEMU ends
                s.connect(path)
                s.settimeout(None)
                return s
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.monotonic() > end:
                    raise CheckFailed(f"QEMU did not open {os.path.basename(path)} within 10 s")
                time.sleep(0.02)

    def threads_state(self):
        """QEMU's threads as Linux sees them (name, state, kernel wait channel): what a stuck
        QEMU is waiting for."""
        out = []
        for task in sorted(os.listdir(f"/proc/{self.proc.pid}/task")) if os.path.isdir(
                f"/proc/{self.proc.pid}/task") else []:
            base = f"/proc/{self.proc.pid}/task/{task}"
            try:
                with open(base + "/comm") as f, open(base + "/stat") as g, \
                        open(base + "/wchan") as h:
                    out.append(f"{f.read().strip()}:{g.read().rsplit(')', 1)[1].split()[0]}:"
                               f"{h.read().strip() or '-'}")
            except OSError:
                pass
        return " ".join(out) or "(gone)"

    def qemu_output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.phases.append(("closing", time.monotonic()))
        self._killer.cancel()
        for s in (self.serial, self.qmp and self.qmp.sock, self.gdb and self.gdb.sock):
            if s:
                try:
                    s.close()
                except OSError:
                    pass
        if self.proc.poll() is None:
            self.proc.kill()
        if self.proc.returncode is None:
            # Reaped here rather than by proc.wait() for its resource usage: the CPU time
            # QEMU took, which `make test V=1` adds up per check.
            try:
                _, status, usage = os.wait4(self.proc.pid, 0)
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                self.cpu = usage.ru_utime + usage.ru_stime
            except ChildProcessError:
                self.proc.wait()
        self.phases.append(("exited", time.monotonic()))
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.phases.append(("cleaned up", time.monotonic()))

    # ---- serial ----------------------------------------------------------------------------

    def _left(self, timeout):
        return min(timeout, self._deadline - time.monotonic())

    def _pump(self):
        """Read whatever the guest has sent, without waiting (see wait_readable)."""
        if self.serial is not None:
            self.poll(0)

    def poll(self, wait=0):
        """Add to the transcript what the UART sends within `wait` seconds (none: what has
        already arrived); False once QEMU has gone."""
        r, _, _ = select.select([self.serial], [], [], max(wait, 0))
        if not r:
            return True
        if wait > 0:
            # QEMU sends the guest's output a byte at a time: half a millisecond lets a few
            # hundred come in before they are read, instead of one wake-up (and one search of
            # the transcript by expect) per byte. A third less CPU for the harness, measured on
            # steps 07 and 09; no check got slower.
            time.sleep(0.0005)
        try:
            data = self.serial.recv(65536)
        except BlockingIOError:
            return True
        if not data:
            return False
        self.transcript += data
        return True

    def expect(self, pattern, timeout=10, start=None):
        """Wait until the transcript (from offset `start`, default: the last match) contains
        `pattern` (bytes/str, or a compiled regex). Returns the match; raises CheckFailed with
        what was expected on timeout or when QEMU exits."""
        if start is None:
            start = getattr(self, "_mark", 0)
        if isinstance(pattern, str):
            pattern = pattern.encode()
        if isinstance(pattern, bytes):
            rx = re.compile(re.escape(pattern))
            shown = pattern.decode(errors="replace")
        else:
            rx = pattern if isinstance(pattern.pattern, bytes) else re.compile(
                pattern.pattern.encode(), pattern.flags & ~re.UNICODE)
            shown = "/" + rx.pattern.decode(errors="replace") + "/"
        end = time.monotonic() + self._left(timeout)
        while True:
            m = rx.search(self.transcript, start)
            if m:
                self._mark = m.end()
                return m
            now = time.monotonic()
            if now >= end:
                raise CheckFailed(f"expected {shown!r} on the serial line within {timeout} s, "
                                  f"got {self.tail(200)!r}")
            if not self.poll(end - now):
                raise CheckFailed(f"expected {shown!r}, but QEMU exited "
                                  f"(status {self.proc.poll()}); got {self.tail(200)!r}")

    def send(self, data, chunk=4096):
        """Send bytes to the mini UART (reading output meanwhile, so neither side blocks)."""
        if isinstance(data, str):
            data = data.encode()
        self.serial.setblocking(False)
        view = memoryview(data)
        end = time.monotonic() + self._left(self.timeout)
        while view:
            if time.monotonic() > end:
                raise CheckFailed("timed out sending to the serial line")
            # Wait until we can send or there is output to read. Reading at once matters:
            # QEMU writes the guest's output a byte at a time, and when our receive buffer
            # fills, it sleeps before retrying, which slows the guest's input down too.
            r, w, _ = select.select([self.serial], [self.serial], [], 0.05)
            if r:
                self.poll(0)
            if w:
                try:
                    n = self.serial.send(view[:chunk])
                    view = view[n:]
                except BlockingIOError:
                    pass
            self.poll(0)

    def mark(self):
        """Later expects search only output after this point."""
        self.poll(0)
        self._mark = len(self.transcript)

    def tail(self, n=600):
        return self.transcript[-n:].decode(errors="replace")

    def wait_exit(self, timeout=30):
        """Wait for QEMU to exit (e.g. after a watchdog reboot with -no-reboot)."""
        end = time.monotonic() + self._left(timeout)
        while self.proc.poll() is None:
            if time.monotonic() > end:
                raise CheckFailed(f"QEMU still running after {timeout} s")
            if self.serial:
                self.poll(0.05)
            else:
                time.sleep(0.05)
        if self.serial:
            while self.poll(0.05):
                pass
        return self.proc.returncode

    # ---- monitor ---------------------------------------------------------------------------

    def hmp(self, command):
        """Run a human-monitor command (e.g. 'info registers', 'xp /4wx 0x80000')."""
        return self.qmp.command("human-monitor-command", {"command-line": command})

    def read_phys(self, addr, length):
        """Read guest physical memory through the monitor (pmemsave to a file)."""
        path = os.path.join(self.tmp, f"mem-{addr:x}.bin")
        self.qmp.command("pmemsave", {"val": addr, "size": length, "filename": path})
        with open(path, "rb") as f:
            return f.read()

    def read_u64(self, addr):
        return int.from_bytes(self.read_phys(addr, 8), "little")

    def screendump(self, path=None):
        """The screen as (width, height, rgb bytes); also saved as a PPM at `path`."""
        path = path or os.path.join(self.tmp, "screen.ppm")
        self.qmp.command("screendump", {"filename": path})
        return read_ppm(path)


class Qmp:
    """Minimal QMP client: one command at a time, events skipped."""

    def __init__(self, sock, pump=None):
        self.sock = sock
        self.pump = pump
        self.buf = b""
        try:
            self._read(timeout=START_WAIT)  # the greeting
            self.command("qmp_capabilities", timeout=START_WAIT)
        except CheckFailed as e:
            # Seen about once in 200 starts on a loaded host: QEMU accepts the serial line,
            # then its monitor stops answering. Its start is tried again (Step.boot) rather
            # than waiting out the whole run's limit.
            raise StartFailed(f"QEMU's monitor did not answer within {START_WAIT} s ({e})")

    def _read(self, timeout=60):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            if not wait_readable(self.sock, end - time.monotonic(), self.pump):
                raise CheckFailed("QEMU monitor did not answer")
            data = self.sock.recv(65536)
            if not data:
                raise CheckFailed("QEMU monitor closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, args=None, timeout=60):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read(timeout)
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise CheckFailed(f"QEMU monitor: {name}: {reply['error'].get('desc')}")


# --------------------------------------------------------------------------------------------
# gdb remote serial protocol, the part the tests need


class GdbClient:
    """Talks to QEMU's gdbstub. Threads are cores: thread 1 is core 0, ..., thread 4 core 3.
    AArch64 register numbers: x0-x30 = 0-30, sp = 31, pc = 32, cpsr = 33."""

    PC, CPSR = 32, 33

    def __init__(self, sock, pump=None):
        self.sock = sock
        self.pump = pump                  # keeps the serial line read while we wait
        self.buf = b""
        self.breakpoints = set()
        self._last_stop = None
        self.sock.settimeout(30)          # for sends; receives wait in wait_readable

    def _recv_packet(self, timeout=30):
        end = time.monotonic() + timeout
        while True:
            i = self.buf.find(b"$")
            j = self.buf.find(b"#", i + 1) if i >= 0 else -1
            if i >= 0 and j >= 0 and len(self.buf) >= j + 3:
                body = self.buf[i + 1:j]
                self.buf = self.buf[j + 3:]
                self.sock.sendall(b"+")
                return body.decode()
            if not wait_readable(self.sock, end - time.monotonic(), self.pump):
                raise CheckFailed(f"gdbstub: no answer within {timeout} s")
            data = self.sock.recv(65536)
            if not data:
                raise CheckFailed("gdbstub closed the connection")
            self.buf += data

    def _send(self, body):
        cs = sum(body.encode()) & 0xFF
        self.sock.sendall(b"$" + body.encode() + b"#" + f"{cs:02x}".encode())

    def request(self, body, timeout=30):
        self._send(body)
        return self._recv_packet(timeout)

    def ok(self, body):
        r = self.request(body)
        if r != "OK":
            raise CheckFailed(f"gdbstub: {body!r} answered {r!r}")

    def set_reg(self, thread, num, value):
        """Set x0-x30 or the PC (8 bytes each in the 'g' packet) of `thread`: read all the
        registers, change one, write them all back (QEMU answers 'P' only to a gdb that has
        read its XML register description)."""
        self.ok(f"Hg{thread:x}")
        regs = bytearray.fromhex(self.request("g"))
        regs[num * 8:num * 8 + 8] = value.to_bytes(8, "little")
        self.ok("G" + regs.hex())

    def read_mem(self, addr, length):
        out = b""
        while length:
            n = min(length, 1024)
            r = self.request(f"m{addr:x},{n:x}")
            if r.startswith("E"):
                raise CheckFailed(f"gdbstub: cannot read {n} bytes at {addr:#x}: {r}")
            out += bytes.fromhex(r)
            addr += n
            length -= n
        return out

    def write_mem(self, addr, data):
        self.ok(f"M{addr:x},{len(data):x}:{data.hex()}")

    def break_at(self, addr):
        self.ok(f"Z0,{addr:x},4")
        self.breakpoints.add(addr)

    def unbreak(self, addr):
        self.ok(f"z0,{addr:x},4")
        self.breakpoints.discard(addr)

    @staticmethod
    def _stopped_thread(reply):
        m = re.search(r"thread:([0-9a-f]+);", reply)
        if not reply.startswith("T") or not m:
            raise CheckFailed(f"gdbstub: unexpected stop reply {reply!r}")
        return int(m.group(1), 16)

    def cont(self, timeout=30):
        """Continue all cores until one stops; returns the number of the thread that stopped.
        If the last stop was at one of our breakpoints, that thread first steps over it
        (QEMU would otherwise stop again at once on the same instruction)."""
        self.resume()
        return self.wait_stop(timeout)

    def stop_reply(self, timeout=30):
        """After resume(): the next stop reply as gdb sends it, e.g. 'T05watch:…;thread:01;'
        (to say why a machine stopped answering)."""
        return self._recv_packet(timeout)

    def wait_stop(self, timeout=30):
        """After resume(): wait for the next stop; returns the thread that stopped."""
        return self._record_stop(self._recv_packet(timeout))

    def step(self, thread):
        """Execute one instruction on `thread` (the other cores stay where they are)."""
        return self._stopped_thread(self.request(f"vCont;s:{thread:x}"))

    def _record_stop(self, reply):
        thread = self._stopped_thread(reply)
        self._last_stop = (thread, self.reg(thread, self.PC))
        return thread

    def resume(self):
        """Like cont() but without waiting for the next stop (see interrupt())."""
        last = self._last_stop
        if last is not None:
            thread, pc = last
            if pc in self.breakpoints:
                self.unbreak(pc)
                self.step(thread)
                self.break_at(pc)
        self._last_stop = None
        self._send("c")

    def interrupt(self, timeout=30):
        """Stop every core (gdb's Ctrl-C) after resume(); returns the stop reply's thread."""
        self.sock.sendall(b"\x03")
        return self._record_stop(self._recv_packet(timeout))

    def threads(self):
        r = self.request("qfThreadInfo")
        ids = []
        while r.startswith("m"):
            ids += [int(t, 16) for t in r[1:].split(",")]
            r = self.request("qsThreadInfo")
        return ids

    def reg(self, thread, num):
        """Register `num` of `thread`, from the 'g' packet: x0-x30, sp, pc (8 bytes each),
        then cpsr (4 bytes)."""
        self.ok(f"Hg{thread:x}")
        r = self.request("g")
        if r.startswith("E") or len(r) < 2 * (33 * 8 + 4):
            raise CheckFailed(f"gdbstub: cannot read the registers of thread {thread}: {r!r}")
        regs = bytes.fromhex(r)
        off, size = (num * 8, 8) if num <= self.PC else (33 * 8, 4)
        return int.from_bytes(regs[off:off + size], "little")


# --------------------------------------------------------------------------------------------
# Images


def read_ppm(path):
    """Read a binary PPM (P6) as (width, height, bytes of RGB triples)."""
    with open(path, "rb") as f:
        data = f.read()
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise CheckFailed(f"{path}: not an 8-bit binary PPM")
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos:pos + w * h * 3]


# --------------------------------------------------------------------------------------------
# Exercises (workshop mode, common/exercise.py)
#
# A step's sources may mark exercises (EXERCISE: markers, book/booktool.py). A check says which
# of the step's exercises it depends on: the checks that must fail while the exercise's stand-in
# is in place, and pass once the reader's code is right. Either on the check itself, for a
# check the step's own file writes:
#
#     @check("uart-baud-divisor", exercises=("uart_baud",))
#
# or in the step's file for any check it runs, inherited ones too:
#
#     exercise("uart_baud", "banner", "echo")
#
# and exercise_skip("chapter-session", "why") leaves a check out of the step's workshop trees.
# A tie holds in the step whose file declares it only: a later step inherits the check, not its
# ties (each step's exercises are its own). `make test-exercises` proves every tie both ways.


def _exercise_names(names):
    if isinstance(names, str):
        names = (names,)
    return tuple(names)


def exercise(name, *checks):
    """Declare that checks `checks` (names as the step runs them) depend on exercise `name`."""
    group = _current("exercise()")
    if not checks:
        raise CheckError(f"{os.path.relpath(group.path, TOP)}: exercise({name!r}) names no check")
    ties = group.__dict__.setdefault("exercise_ties", {})
    ties.setdefault(name, [])
    ties[name] += [c for c in checks if c not in ties[name]]


def exercise_guard(name, *checks):
    """Declare checks that watch exercise `name` without being able to prove it: they pass with
    its stand-in (the stand-in is slow, not wrong: step 09's fastpaths fall back to the slowpath)
    but fail when the reader's code is wrong in some ways. `make check` reports them under the
    exercise with its tied checks; `make test-exercises` does not require them to fail with the
    stand-in (a guard may be tied to another exercise too)."""
    group = _current("exercise_guard()")
    if not checks:
        raise CheckError(f"{os.path.relpath(group.path, TOP)}: exercise_guard({name!r}) names no check")
    guards = group.__dict__.setdefault("exercise_guards", {})
    guards.setdefault(name, [])
    guards[name] += [c for c in checks if c not in guards[name]]


def exercise_guards(group):
    """{exercise: [check, ...]} of the guard checks step `group` declares (exercise_guard)."""
    return {n: list(cs) for n, cs in getattr(group, "exercise_guards", {}).items()}


def exercise_skip(name, reason):
    """Leave check `name` out of the step's workshop trees (`make check` there, and the stand-in
    runs of `make test-exercises`): for a check that cannot hold once the reader's code is in,
    whatever it is (the chapter's session prints the kernel's size). One-line reason, printed."""
    group = _current("exercise_skip()")
    if not reason or "\n" in reason:
        raise CheckError(f"{os.path.relpath(group.path, TOP)}: exercise_skip({name!r}) needs a "
                         f"one-line reason")
    group.__dict__.setdefault("exercise_skips", {})[name] = reason


def exercise_skips(group):
    """{check: reason} of the checks step `group` leaves out of its workshop trees."""
    return dict(getattr(group, "exercise_skips", {}))


def exercise_ties(group, resolved):
    """{exercise: [check name, ...]} of step `group`, from its resolved checks (resolve()):
    the exercise() calls of its own file and the exercises= of the checks its file writes."""
    out = {}
    for name, checks in getattr(group, "exercise_ties", {}).items():
        out.setdefault(name, []).extend(c for c in checks if c not in out[name])
    for r in resolved:
        if r.kind == "retired" or r.origin != group.name:
            continue
        for name in getattr(r.fn, "exercises", ()):
            if r.name not in out.setdefault(name, []):
                out[name].append(r.name)
    return out
