"""A toolchain cache that outlives runs, trusted only as far as it can be verified.

Zig writes to its cache, and a cache kept across runs turns a repeated compile into a hit
(C++ hello: ~1.3 s to ~50 ms). But the user's program runs as the same user as the runtime and
could plant a doctored object there for the next run to link. So the cache is lent to a run's
workspace for its compile, and a snapshot of it is taken right after that compile, before any
user code runs: every entry's inode, size, mode and ctime (which no unprivileged process can
set back). When the cache comes back, it is used again only if it still matches the snapshot
exactly; otherwise it is thrown away and installed afresh from the layer's seed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from glimpse.sandbox.workspace import DIRECTORY_FLAGS, Scratch, remove_entries

Snapshot = dict[str, tuple[int, int, int, int]]


class SeedCache:
    def __init__(self, install: Callable[[Path], object], scratch: Scratch, name: str, max_entries: int):
        self.install = install
        self.max_entries = max_entries  # beyond this many files the cache starts afresh
        self.scratch = scratch
        self.home = scratch.path / f"glimpse-cache-{name}"
        scratch.keep(self.home.name)
        self.snapshot: Snapshot | None = None

    def prepare(self) -> None:
        """Install the cache before any run (at the environment's init, which a warm pool pays ahead
        of time): trusted as installed, since no user code has run yet."""
        self._remove_home()
        self.install(self.home)
        self.snapshot = _snapshot(self.home)

    def lend(self, destination: Path) -> None:
        """Move the cache to `destination` for a compile, installing it afresh unless it is
        exactly as the last compile left it."""
        if self.snapshot is None or _snapshot(self.home) != self.snapshot or len(self.snapshot) > self.max_entries:
            self._remove_home()
            self.install(self.home)
        os.rename(self.home, destination)
        self.snapshot = None

    def seal(self, location: Path) -> None:
        """Record the cache as the compile left it: trusted, since no user code has run yet."""
        self.snapshot = _snapshot(location)

    def take_back(self, location: Path) -> None:
        """Move the cache home again after the run; whatever sits at home now is not ours."""
        self._remove_home()
        try:
            if stat.S_ISDIR(os.lstat(location).st_mode):
                os.rename(location, self.home)
        except FileNotFoundError:
            self.snapshot = None

    def _remove_home(self) -> None:
        root = os.open(self.scratch.path, DIRECTORY_FLAGS)
        try:
            remove_entries(root, [self.home.name])
        finally:
            os.close(root)


def _snapshot(root: Path) -> Snapshot | None:
    """Every entry below root by relative path; None when root is not a real directory."""
    try:
        if not stat.S_ISDIR(os.lstat(root).st_mode):
            return None
    except FileNotFoundError:
        return None
    found: Snapshot = {}
    pending = [""]
    while pending:
        relative = pending.pop()
        with os.scandir(root / relative) as entries:
            for entry in entries:
                info = entry.stat(follow_symlinks=False)
                path = f"{relative}/{entry.name}" if relative else entry.name
                found[path] = (info.st_ino, info.st_size, info.st_mode, info.st_ctime_ns)
                if stat.S_ISDIR(info.st_mode):
                    pending.append(path)
    return found
