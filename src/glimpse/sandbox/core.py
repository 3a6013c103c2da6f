"""The sandbox: prepare a workspace, run a command under limits, sweep, verify.

One Sandbox lives as long as the runtime process (a Lambda execution environment). It refuses to
start where it could not contain a run, and after every run it proves the environment is clean
again; when it cannot, `clean` turns False and the caller retires the environment.
"""

from __future__ import annotations

import errno
import logging
import os
import resource
import selectors
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from glimpse.memfd import memfd_with
from glimpse.models import MIB, Limits, Measurements, Stage, Status
from glimpse.sandbox.ipc import remove_ipc_objects
from glimpse.sandbox.output import CappedBuffer, encode
from glimpse.sandbox.processes import ProcessTable, kill
from glimpse.sandbox.protections import Launch, probe_protections
from glimpse.sandbox.protections.syscalls import PR_SET_DUMPABLE, prctl
from glimpse.sandbox.seed_cache import SeedCache
from glimpse.sandbox.settings import SandboxSettings
from glimpse.sandbox.warm_compiler import WarmCompiler
from glimpse.sandbox.workspace import Scratch, Workspace

log = logging.getLogger(__name__)

DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
# Names whose values the program inherits from the runtime: nothing secret, only what binaries
# need to load (Lambda's interpreter finds libpython through LD_LIBRARY_PATH).
INHERITED_VARIABLES = ("LD_LIBRARY_PATH", "TZ")

# strerror(ENOMEM), what a program or its runtime prints when an allocation is refused (Python's
# "OSError: [Errno 12] ...", perror's "mmap: ..."). In a run that is the memory limit: its
# address-space backstop, or a mapping larger than the whole environment. Every language's
# marker of running out of memory, beside its recipe's own.
ALLOCATION_REFUSED = os.strerror(errno.ENOMEM)

# Mechanisms every run gets, wherever it runs (docs/runner.md, "One run").
ALWAYS = ("workspace", "clean_environment", "new_session", "rlimits", "memory_watch", "output_caps", "process_sweep", "tmp_sweep", "ipc_sweep")


class SandboxUnavailable(RuntimeError):
    """The host gives no way to contain a run; running anyway would be unsafe."""


@dataclass(frozen=True)
class Command:
    argv: list[str]
    limits: Limits
    env: dict[str, str] = field(default_factory=dict)
    stdin: bytes = b""
    address_space_limit: bool = False  # SandboxSettings.address_space_limit, for a run; never for a compile
    out_of_memory_markers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """One command's run: its status, its output streams as they came (at most output_bytes
    each), and its measurements."""

    status: Status
    stdout: bytes = b""
    stderr: bytes = b""
    message: str | None = None
    measured: Measurements = Measurements()

    def stage(self) -> Stage:
        """The run as a result reports it, each stream as text or base64 (output.encode)."""
        stdout, stdout_encoding = encode(self.stdout, self.measured.truncated)
        stderr, stderr_encoding = encode(self.stderr, self.measured.truncated)
        return Stage(
            status=self.status, stdout=stdout, stderr=stderr, stdout_encoding=stdout_encoding,
            stderr_encoding=stderr_encoding, message=self.message, **self.measured.reported(),
        )


class Sandbox:
    def __init__(self, settings: SandboxSettings, scratch: Path = Path("/tmp")):
        _refuse_unsafe_host()
        self.settings = settings
        self.non_dumpable = _make_runtime_non_dumpable()
        self.processes = ProcessTable()
        self.scratch = Scratch(scratch)
        # whatever a previous runtime in this environment left: if it cannot go, neither do we
        if not self._clean_up():
            raise SandboxUnavailable("the environment holds processes or files of an earlier run that cannot be removed")
        self.protections = probe_protections(settings.disabled_protections)
        self.clean = True

    @property
    def protection_names(self) -> list[str]:
        names = list(ALWAYS)
        if self.non_dumpable:
            names.append("non_dumpable_runtime")
        return names + [protection.name for protection in self.protections]

    @contextmanager
    def workspace(self) -> Iterator[Workspace]:
        """A private workspace for one execution; afterwards everything the execution left is
        removed, and `clean` records whether that could be verified."""
        workspace = Workspace(self.scratch.path)
        try:
            yield workspace
        finally:
            self.clean = self._clean_up() and self.clean

    def seed_cache(self, install, name: str) -> SeedCache:
        """A toolchain cache kept in the scratch directory across runs, verified before each use."""
        return SeedCache(install, self.scratch, name, self.settings.seed_cache_entries)

    def warm_compiler(self, argv: list[str]) -> WarmCompiler:
        """A compiler process of the runtime's own, exempt from the sweep by its identity."""
        return WarmCompiler(argv, self.processes)

    def _clean_up(self) -> bool:
        """Remove everything a run may have left, and say whether that is proven."""
        try:
            _, survivors = self.processes.sweep(self.settings.sweep_s)
            leftover_ipc = remove_ipc_objects(self.processes.uid)
            leftover_files = self.scratch.sweep()
        except Exception:  # whatever went wrong, the environment is not proven clean
            log.exception("the clean-up failed")
            return False
        return not (survivors or leftover_ipc or leftover_files)

    def execute(self, command: Command, workspace: Workspace) -> Outcome:
        launch = self._launch(command, workspace)
        stdin = memfd_with("glimpse-stdin", command.stdin)
        started = time.monotonic()
        try:
            process = subprocess.Popen(
                launch.argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=workspace.path, env=launch.env, start_new_session=True,
                preexec_fn=_run_all(launch.preexec), pass_fds=launch.pass_fds,
            )
        except (OSError, subprocess.SubprocessError) as error:
            return Outcome(Status.INTERNAL_ERROR, message=f"could not start {command.argv[0]}: {error}")
        finally:
            os.close(stdin)
            launch.close_parent_fds()
        return Supervisor(self.processes, self.settings, command, process, started).wait(launch.wrapper_reports_signals)

    def _launch(self, command: Command, workspace: Workspace) -> Launch:
        env = {"PATH": DEFAULT_PATH, "HOME": str(workspace.path), "TMPDIR": str(workspace.tmp), "LANG": "C.UTF-8"}
        env |= {name: os.environ[name] for name in INHERITED_VARIABLES if name in os.environ}
        env |= command.env
        launch = Launch(argv=list(command.argv), env=env, workspace=workspace.path)
        for protection in self.protections:
            protection.apply(launch)
        launch.preexec.insert(0, _rlimits(command, self.settings, self.processes.tasks() + launch.wrapper_processes))
        if launch.seccomp is not None:
            launch.preexec.append(launch.seccomp.install)  # last: it denies what the others need
        return launch


class Supervisor:
    """Watches one started command until it ends or breaks a limit, reading both output streams
    as they come, then kills whatever it left and collects its accounts."""

    def __init__(self, processes: ProcessTable, settings: SandboxSettings, command: Command, process: subprocess.Popen,
                 started: float):
        self.processes = processes
        self.settings = settings
        self.command = command
        self.process = process
        self.started = started
        limits = command.limits
        self.deadline = started + limits.time_ms / 1000
        self.memory_limit_kb = limits.memory_mb * 1024
        self.streams = {process.stdout.fileno(): CappedBuffer(limits.output_bytes), process.stderr.fileno(): CappedBuffer(limits.output_bytes)}
        self.peak_kb = 0

    def wait(self, wrapper_reports_signals: bool) -> Outcome:
        pidfd = os.pidfd_open(self.process.pid)
        try:
            with selectors.DefaultSelector() as selector:
                for fd in self.streams:
                    os.set_blocking(fd, False)
                    selector.register(fd, selectors.EVENT_READ)
                selector.register(pidfd, selectors.EVENT_READ)
                reason = self._watch(selector, pidfd)
                ended = time.monotonic()
                if reason is not None:
                    kill(self.process.pid)
                _, wait_status, usage = os.wait4(self.process.pid, 0)
                self.process.returncode = os.waitstatus_to_exitcode(wait_status)
                stray_cpu_ms, _ = self.processes.sweep(self.settings.sweep_s)  # daemons holding our pipes die here
                self._drain(selector, pidfd)
        finally:
            os.close(pidfd)
            self.process.stdout.close()
            self.process.stderr.close()
        stdout, stderr = (buffer.getvalue() for buffer in self.streams.values())
        exit_code, signum = _exit_and_signal(wait_status, wrapper_reports_signals)
        status, message = self._status(reason, exit_code, signum, stderr)
        measured = Measurements(
            exit_code=exit_code, signal=signal.Signals(signum).name if signum else None,
            time_ms=round((ended - self.started) * 1000),
            cpu_ms=round((usage.ru_utime + usage.ru_stime) * 1000) + stray_cpu_ms,
            memory_kb=max(self.peak_kb, usage.ru_maxrss),
            truncated=any(buffer.overflowed for buffer in self.streams.values()),
        )
        return Outcome(status, stdout, stderr, message, measured)

    def _watch(self, selector: selectors.BaseSelector, pidfd: int) -> str | None:
        """Return why the command was stopped (time, memory, output), or None if it exited."""
        next_sample = self.started
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                return "time"
            if now >= next_sample:
                self.peak_kb = max(self.peak_kb, self.processes.memory_kb(self.memory_limit_kb))
                if self.peak_kb > self.memory_limit_kb:
                    return "memory"
                # sampling never takes more than a fifth of the time
                next_sample = time.monotonic() + max(self.settings.memory_sample_s, 4 * (time.monotonic() - now))
            for key, _ in selector.select(min(self.deadline, next_sample) - now):
                if key.fd == pidfd:
                    return None
                if self._read(selector, key.fd):
                    return "output"

    def _read(self, selector: selectors.BaseSelector, fd: int) -> bool:
        """Read what is there; return True when the stream went over its cap."""
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return False
        if not chunk:
            selector.unregister(fd)
            return False
        buffer = self.streams[fd]
        buffer.feed(chunk)
        return buffer.overflowed

    def _drain(self, selector: selectors.BaseSelector, pidfd: int) -> None:
        """Read what the command wrote before it ended. Every writer is dead by now, so the pipes
        reach end of file; the time bound only guards against a writer the sweep missed."""
        selector.unregister(pidfd)
        give_up = time.monotonic() + self.settings.drain_s
        while selector.get_map() and time.monotonic() < give_up:
            for key, _ in selector.select(0.05):
                if self._read(selector, key.fd):
                    selector.unregister(key.fd)

    def _status(self, reason: str | None, exit_code: int | None, signum: int | None, stderr: bytes) -> tuple[Status, str | None]:
        limits = self.command.limits
        if reason == "time" or signum == signal.SIGXCPU:
            return Status.TIME_LIMIT, f"stopped after the time limit of {limits.time_ms} ms"
        if reason == "memory":
            return Status.MEMORY_LIMIT, f"stopped above the memory limit of {limits.memory_mb} MB"
        if reason == "output":
            return Status.OUTPUT_LIMIT, f"stopped after writing more than {limits.output_bytes} bytes to one stream"
        if signum == signal.SIGXFSZ:
            return Status.OUTPUT_LIMIT, f"wrote a file larger than {self.settings.file_size_bytes} bytes"
        if exit_code == 0:
            return Status.OK, None
        if any(marker.encode() in stderr for marker in (*self.command.out_of_memory_markers, ALLOCATION_REFUSED)):
            return Status.MEMORY_LIMIT, f"ran out of memory under the limit of {limits.memory_mb} MB"
        return Status.RUNTIME_ERROR, None


def _exit_and_signal(wait_status: int, wrapper_reports_signals: bool) -> tuple[int | None, int | None]:
    if os.WIFSIGNALED(wait_status):
        return None, os.WTERMSIG(wait_status)
    code = os.WEXITSTATUS(wait_status)
    # A wrapper (bwrap) cannot die of its child's signal; it exits with 128 + the signal.
    if wrapper_reports_signals and 128 < code < 128 + signal.NSIG:
        return None, code - 128
    return code, None


def _rlimits(command: Command, settings: SandboxSettings, tasks_now: int):
    """The child's limits, computed here so the child only makes system calls."""
    limits = command.limits
    cpu_s = -(-limits.time_ms // 1000)
    wanted = {
        resource.RLIMIT_CPU: (cpu_s, cpu_s + 1),
        resource.RLIMIT_FSIZE: (settings.file_size_bytes,) * 2,
        resource.RLIMIT_NOFILE: (settings.open_files,) * 2,
        resource.RLIMIT_NPROC: (tasks_now + limits.processes,) * 2,
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_STACK: (settings.stack_bytes,) * 2,
        resource.RLIMIT_MSGQUEUE: (0, 0),  # POSIX message queues would outlive the run
    }
    if command.address_space_limit:
        # A hard backstop at twice the limit, for an allocation too fast for the watch; the
        # watch itself enforces the limit, so that a program over it ends as memory_limit
        # rather than crashing on a failed malloc.
        wanted[resource.RLIMIT_AS] = ((2 * limits.memory_mb + settings.address_space_headroom_mb) * MIB,) * 2
    pairs = [(which, _within_hard_limit(which, value)) for which, value in wanted.items()]

    def apply() -> None:
        for which, value in pairs:
            resource.setrlimit(which, value)

    return apply


def _within_hard_limit(which: int, value: tuple[int, int]) -> tuple[int, int]:
    """An unprivileged process can only lower its hard limits."""
    _, hard = resource.getrlimit(which)
    if hard == resource.RLIM_INFINITY:
        return value
    return min(value[0], hard), min(value[1], hard)


def _run_all(steps):
    def run() -> None:
        for step in steps:
            step()

    return run


def _refuse_unsafe_host() -> None:
    """The sweep kills every process of our user that is not the runtime's own. That is only
    right where the runtime owns its user's processes: a Lambda execution environment (a
    microVM, or the local emulation, which gives each one a pid namespace), recognised by the
    Runtime API that only such an environment provides. And untrusted code never runs as root."""
    if os.getuid() == 0:
        raise SandboxUnavailable("refusing to run untrusted code as root; start the runtime as an unprivileged user")
    if "AWS_LAMBDA_RUNTIME_API" not in os.environ:
        raise SandboxUnavailable("the sandbox runs only inside a Lambda execution environment (no AWS_LAMBDA_RUNTIME_API here)")


def _make_runtime_non_dumpable() -> bool:
    """A program of the same user could otherwise read the runtime's environment (the role's
    credentials, the Runtime API address) and memory through /proc."""
    try:
        prctl(PR_SET_DUMPABLE, 0)
    except OSError:
        return False
    return True
