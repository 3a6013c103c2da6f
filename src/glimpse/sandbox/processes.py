"""Finding, measuring and killing the processes a run leaves, through /proc.

In Lambda every process runs as the same user and `setsid` escapes process groups, so the only
reliable notion of "what this run started" is: every live process of our user that is not the
runtime's own. The runtime's own processes are known by identity (pid and start time), never by
name, so nothing a program does to its name or arguments can make it exempt.
"""

from __future__ import annotations

import os
import re
import signal
import time
from dataclasses import dataclass

PROC = "/proc"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Identity:
    pid: int
    start_ticks: int


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    uid: int
    state: str
    anon_kb: int  # resident memory the program allocated (anonymous and shared memory), not its files
    threads: int


def stat_fields(pid: int) -> list[bytes] | None:
    """/proc/<pid>/stat from field 3 (state) on, so that stat(5)'s field N is item N - 3; the
    command name before it may hold spaces and parentheses, hence the split at the last ')'."""
    try:
        with open(f"{PROC}/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def start_ticks(pid: int) -> int | None:
    fields = stat_fields(pid)
    return None if fields is None else int(fields[22 - 3])


def cpu_ms(pid: int) -> int:
    """User plus system CPU time (fields 14 and 15) of a live process, 0 if it is gone."""
    fields = stat_fields(pid)
    return 0 if fields is None else (int(fields[14 - 3]) + int(fields[15 - 3])) * 1000 // CLOCK_TICKS


def identity(pid: int) -> Identity | None:
    ticks = start_ticks(pid)
    return None if ticks is None else Identity(pid, ticks)


_UID = re.compile(rb"^Uid:\s+(\d+)", re.MULTILINE)
_STATE = re.compile(rb"^State:\s+(\S)", re.MULTILINE)
_THREADS = re.compile(rb"^Threads:\s+(\d+)", re.MULTILINE)
_ANON_KB = re.compile(rb"^Rss(?:Anon|Shmem):\s+(\d+)", re.MULTILINE)  # absent for zombies


def read_status(pid: int) -> ProcessInfo | None:
    """The real uid, state, memory and threads of a process. /proc/<pid>/status stays readable
    when a process makes itself non-dumpable (its /proc directory then belongs to root), so the
    real uid is read from it rather than from the directory's owner."""
    try:
        with open(f"{PROC}/{pid}/status", "rb") as status:
            text = status.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    uid, state, threads = _UID.search(text), _STATE.search(text), _THREADS.search(text)
    if not (uid and state and threads):
        return None
    anon_kb = sum(int(kb) for kb in _ANON_KB.findall(text))
    return ProcessInfo(pid, int(uid[1]), state[1].decode(), anon_kb, int(threads[1]))


def proportional_kb(pid: int, fallback: int) -> int:
    """PSS of anonymous and shared memory. A program that made itself non-dumpable hides its
    smaps from us; it is then charged its full resident size."""
    try:
        with open(f"{PROC}/{pid}/smaps_rollup", "rb") as rollup:
            text = rollup.read()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    except PermissionError:
        return fallback
    return sum(int(line.split()[1]) for line in text.splitlines() if line.startswith((b"Pss_Anon:", b"Pss_Shmem:")))


def live_pids() -> list[int]:
    return [int(name) for name in os.listdir(PROC) if name.isdigit()]


class ProcessTable:
    """The processes of our user, split into the runtime's own (exempt) and everything else."""

    def __init__(self) -> None:
        self.uid = os.getuid()
        self.own_pid = os.getpid()
        self._exempt: set[Identity] = set()
        for pid in (self.own_pid, *self._ancestors()):
            self.exempt(pid)

    def exempt(self, pid: int) -> None:
        """Declare a helper process of the runtime (e.g. a warm compiler) by its identity."""
        found = identity(pid)
        if found is not None:
            self._exempt.add(found)

    def _ancestors(self) -> list[int]:
        pids, pid = [], os.getppid()
        while pid > 1:
            pids.append(pid)
            fields = stat_fields(pid)
            if fields is None:
                break
            pid = int(fields[4 - 3])  # the parent's parent
        return pids

    def _is_exempt(self, pid: int) -> bool:
        if pid == 1 or pid == self.own_pid:
            return True
        return any(item.pid == pid and item.start_ticks == start_ticks(pid) for item in self._exempt)

    def ours(self) -> list[ProcessInfo]:
        found = (read_status(pid) for pid in live_pids())
        return [info for info in found if info and info.uid == self.uid and info.state not in ("Z", "X")]

    def tasks(self) -> int:
        """Threads of our user that are alive now: what RLIMIT_NPROC counts."""
        return sum(info.threads for info in self.ours())

    def strays(self) -> list[ProcessInfo]:
        """Live processes of our user that are not the runtime's own (zombies are already dead)."""
        return [info for info in self.ours() if not self._is_exempt(info.pid)]

    def memory_kb(self, limit_kb: int) -> int:
        """The memory the strays hold. The cheap sum counts a page shared after fork once per
        process, so a sum over the limit is checked again with proportional shares (PSS), which
        costs a page-table walk per process and is only paid near the limit."""
        strays = self.strays()
        total = sum(info.anon_kb for info in strays)
        if total <= limit_kb:
            return total
        return sum(proportional_kb(info.pid, fallback=info.anon_kb) for info in strays)

    def sweep(self, budget_s: float) -> tuple[int, list[ProcessInfo]]:
        """Kill every stray. Returns the CPU time the strays had used and the survivors (which
        should be none). Everything we may signal is stopped first, in one kill(-1) the kernel
        applies atomically, so a fork bomb cannot outrun the sweep."""
        strays = self.strays()
        if not strays:
            return 0, []
        _signal_all(signal.SIGSTOP)
        used_ms: dict[int, int] = {}
        deadline = time.monotonic() + budget_s
        try:
            while strays and time.monotonic() < deadline:
                for info in strays:
                    used_ms.setdefault(info.pid, cpu_ms(info.pid))
                    kill(info.pid)
                time.sleep(0.001)
                strays = self.strays()
        finally:
            _signal_all(signal.SIGCONT)  # the runtime's own helpers go on
        return sum(used_ms.values()), strays


def _signal_all(signum: int) -> None:
    try:
        os.kill(-1, signum)
    except ProcessLookupError:
        pass


def kill(pid: int) -> None:
    """SIGKILL, to a process that may have ended already."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
