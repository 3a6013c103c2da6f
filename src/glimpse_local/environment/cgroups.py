"""A pids cgroup and a memory cgroup per environment, where the host lets us make them.

What is used: cgroup v1's `pids` and `memory` controllers, as root. Each environment gets
`glimpse-env-<uid>` (its leased kernel uid, so the name is unique on the machine) under this
process's own cgroup of each hierarchy, so whatever limits this process lives under still hold:
- pids.max = 1024 (Lambda's quota of processes and threads per execution environment) plus the
  two processes of bwrap and room for RAPID's threads;
- memory.limit_in_bytes (and memsw, so swap is no way around it) = the function's memory size.
bwrap is started from a thread that has just joined them, so bwrap and everything of the
environment are in them from their first instruction. (A thread moves itself cheaply: moving
another process takes a global lock whose RCU grace period costs about 10 ms a cold start.) An OOM in the memory cgroup is reported through an eventfd (cgroup.event_control): the
environment is then ended, as Lambda ends one that exceeds its memory. The cgroups are removed
when the environment stops.

Not supported: cgroup v2 (its controllers need a delegated subtree: the process that creates the
cgroups may not live in the cgroup it gives controllers to), and running without root. There the
environments run without these cgroups (`cgroup_support()` says why); the per-environment
RLIMIT_NPROC of the user namespace still caps processes, and memory is not capped.
"""

import contextlib
import errno
import functools
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROCESS_LIMIT = 1024  # Lambda: "Execution processes/threads", per execution environment
# In the cgroup but not the function's own: bwrap outside, the sandbox's init, and RAPID, whose Go
# runtime starts a thread per processor and more while threads block in system calls.
_PLATFORM_TASKS = 2 + 64
_CONTROLLERS = ("pids", "memory")
_REMOVE_LIMIT_S = 2.0


@dataclass(frozen=True)
class CgroupSupport:
    parents: dict  # controller -> this process's own cgroup directory in that v1 hierarchy
    reason: str  # why a controller is missing ("" when both are there)


@functools.cache
def cgroup_support() -> CgroupSupport:
    """Which controllers this process may give environments (probed once)."""
    if os.geteuid() != 0:
        return CgroupSupport({}, "not root")
    parents, missing = {}, []
    mounts = _v1_mounts()
    own = _own_cgroups()
    for controller in _CONTROLLERS:
        directory = _own_directory(mounts.get(controller), own.get(controller))
        if directory is not None and os.access(directory, os.W_OK):
            parents[controller] = directory
        else:
            missing.append(controller)
    reason = ""
    if missing:
        unified = "cgroup v2 only" if own.get("") is not None and not mounts else "no writable cgroup v1 hierarchy"
        reason = f"{unified} for {', '.join(missing)}"
    return CgroupSupport(parents, reason)


class EnvironmentCgroups:
    """The cgroups of one life of an environment; remove() takes them away."""

    def __init__(self, name: str, *, memory_mb: int, support: CgroupSupport | None = None) -> None:
        support = support or cgroup_support()
        self._parents = support.parents
        self.directories: dict[str, Path] = {}
        self.oom_fd: int | None = None  # readable once the memory cgroup met an OOM
        try:
            for controller, parent in support.parents.items():
                directory = parent / name
                _make_fresh(directory)
                self.directories[controller] = directory
            if "pids" in self.directories:
                _write(self.directories["pids"] / "pids.max", PROCESS_LIMIT + _PLATFORM_TASKS)
            if "memory" in self.directories:
                self._limit_memory(self.directories["memory"], memory_mb * 1024 * 1024)
        except BaseException:
            self.remove()
            raise

    @contextlib.contextmanager
    def joined(self) -> Iterator[None]:
        """The calling thread (alone) in every cgroup for the block: what it starts stays there."""
        joined = []
        try:
            for controller, directory in self.directories.items():
                _write(directory / "tasks", 0)  # 0: the calling thread itself
                joined.append(controller)
            yield
        finally:
            for controller in joined:
                _write(self._parents[controller] / "tasks", 0)

    def remove(self) -> None:
        """Remove the cgroups once their processes are gone; idempotent."""
        if self.oom_fd is not None:
            os.close(self.oom_fd)
            self.oom_fd = None
        while self.directories:
            _, directory = self.directories.popitem()
            _remove(directory)

    def _limit_memory(self, directory: Path, limit: int) -> None:
        _write(directory / "memory.limit_in_bytes", limit)
        if (directory / "memory.memsw.limit_in_bytes").exists():  # swap accounting is on
            _write(directory / "memory.memsw.limit_in_bytes", limit)
        self.oom_fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        control = os.open(directory / "memory.oom_control", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _write(directory / "cgroup.event_control", f"{self.oom_fd} {control}")
        finally:
            os.close(control)


def _v1_mounts() -> dict[str, tuple[str, str]]:
    """controller -> (the hierarchy's root as mounted, mount point) for every cgroup v1 mount."""
    found = {}
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            before, _, after = line.partition(" - ")
            fields, (fstype, _source, options) = before.split(), after.split()[:3]
            if fstype == "cgroup":
                for option in options.split(","):
                    found.setdefault(option, (fields[3], _unescape(fields[4])))
    return found


def _own_cgroups() -> dict[str, str]:
    """controller -> this process's cgroup path in it ("" is the v2 hierarchy)."""
    found = {}
    with open("/proc/self/cgroup") as cgroups:
        for line in cgroups:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                found[controller] = path
    return found


def _own_directory(mount: tuple[str, str] | None, own: str | None) -> Path | None:
    if mount is None or own is None:
        return None
    root, mount_point = mount
    relative = os.path.relpath(own, root)
    if relative.startswith(".."):
        return None  # our cgroup is outside what is mounted here
    return Path(os.path.normpath(os.path.join(mount_point, relative)))


def _make_fresh(directory: Path) -> None:
    # Only a crashed harness leaves one behind (its environment's ids were free, so nothing of it
    # lives): an empty cgroup is removed; one with processes in it makes mkdir fail below.
    if directory.is_dir():
        try:
            directory.rmdir()
        except OSError as error:
            raise OSError(error.errno, f"a cgroup of a former environment is still in use: {directory}") from None
    directory.mkdir()


def _remove(directory: Path) -> None:
    # Processes that were killed leave their cgroup a moment after they are reaped.
    deadline = time.monotonic() + _REMOVE_LIMIT_S
    while True:
        try:
            directory.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as error:
            if error.errno != errno.EBUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.001)


def _write(path: Path, value: object) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, str(value).encode())
    finally:
        os.close(fd)


def _unescape(path: str) -> str:
    # mountinfo writes space, tab, newline and backslash as \ooo.
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match[1], 8)), path)
