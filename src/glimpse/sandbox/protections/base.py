"""What every protection is: probed once per environment, then applied to each run's launch."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from glimpse.sandbox.protections.seccomp import InstalledFilter


@dataclass
class Launch:
    """How one command will be started; protections add to it before the spawn."""

    argv: list[str]
    env: dict[str, str]
    workspace: Path
    # Run in the child between fork and exec, in order. Only async-signal-safe work: syscalls.
    preexec: list[Callable[[], None]] = field(default_factory=list)
    pass_fds: list[int] = field(default_factory=list)
    # Descriptors the parent closes once the child has started.
    parent_fds: list[int] = field(default_factory=list)
    # Processes a wrapper adds around the program (they count against RLIMIT_NPROC).
    wrapper_processes: int = 0
    # The wrapper exits with 128 + N when the program dies of signal N.
    wrapper_reports_signals: bool = False
    # A seccomp filter still to install (see Seccomp.apply).
    seccomp: InstalledFilter | None = None

    def close_parent_fds(self) -> None:
        for fd in self.parent_fds:
            os.close(fd)
        self.parent_fds.clear()


class Protection(ABC):
    """A mechanism the host may or may not allow. `probe` returns None when it is not enforceable
    here, so a protection is listed in a result only when it really was applied."""

    name: str

    @classmethod
    @abstractmethod
    def probe(cls) -> Protection | None: ...

    @abstractmethod
    def apply(self, launch: Launch) -> None: ...


def in_child(check: Callable[[], None]) -> bool:
    """Run `check` in a forked child and report whether it returned without raising. Used by the
    probes, so that whatever they install never touches the runtime process itself."""
    pid = os.fork()
    if pid == 0:
        try:
            check()
            code = 0
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0
