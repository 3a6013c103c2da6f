"""A run's private workspace, and the scratch directory (/tmp) it lives in.

Every path below is handled through directory file descriptors with O_NOFOLLOW: a symlink that a
previous program planted cannot redirect a write or a removal outside the tree (Judge0's 2024
escapes were exactly that).
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import NamedTuple

from glimpse.paths import check_relative_name

DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class Workspace:
    """A fresh directory (mode 0700) that one run owns, removed after it. Its `.tmp` is the
    run's TMPDIR: a toolchain that treats its temporary directory's root as special (Go ignores
    a go.mod there) still sees the user's files as an ordinary directory."""

    def __init__(self, scratch: Path):
        self.path = Path(tempfile.mkdtemp(prefix="glimpse-run-", dir=scratch))
        self.tmp = self.path / ".tmp"
        self.tmp.mkdir(mode=0o700)

    def write(self, files: Iterable[tuple[str, bytes] | SavedFile]) -> None:
        """Write (name, data) pairs as private files, or saved files with their own permissions."""
        root = os.open(self.path, DIRECTORY_FLAGS)
        try:
            for name, data, *mode in files:
                _write_file(root, check_relative_name(name), data, *mode)
        finally:
            os.close(root)

    def save(self, leave_out: Collection[str], max_files: int, max_bytes: int) -> list[SavedFile]:
        """Every regular file below the workspace, with its owner's permission bits, except the
        top-level entries named in `leave_out` (and `.tmp`): what judge mode writes again into
        each test's fresh workspace. Symlinks and special files are not kept. Raises
        WorkspaceTooLarge beyond `max_files` files or `max_bytes` bytes."""
        saved: list[SavedFile] = []
        total = 0
        pending = [("", os.open(self.path, DIRECTORY_FLAGS))]
        try:
            while pending:
                prefix, directory = pending.pop()
                try:
                    for name in sorted(os.listdir(directory)):
                        if not prefix and (name in leave_out or name == self.tmp.name):
                            continue
                        info = os.stat(name, dir_fd=directory, follow_symlinks=False)
                        if stat.S_ISDIR(info.st_mode):
                            pending.append((f"{prefix}{name}/", os.open(name, DIRECTORY_FLAGS, dir_fd=directory)))
                        elif stat.S_ISREG(info.st_mode):
                            total += info.st_size
                            if len(saved) >= max_files or total > max_bytes:
                                raise WorkspaceTooLarge(f"more than {max_files} files or {max_bytes} bytes")
                            saved.append(SavedFile(prefix + name, _read_file(directory, name), stat.S_IMODE(info.st_mode) & 0o700))
                finally:
                    os.close(directory)
        finally:
            for _, directory in pending:
                os.close(directory)
        return saved


class SavedFile(NamedTuple):
    name: str
    data: bytes
    mode: int


class WorkspaceTooLarge(OSError):
    pass


def _read_file(directory: int, name: str) -> bytes:
    handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=directory)
    with os.fdopen(handle, "rb") as source:
        return source.read()


def _write_file(root: int, name: str, data: bytes, mode: int = 0o600) -> None:
    *parents, leaf = name.split("/")
    directory = os.dup(root)
    try:
        for part in parents:
            try:
                os.mkdir(part, 0o700, dir_fd=directory)
            except FileExistsError:
                pass  # opened below with O_NOFOLLOW|O_DIRECTORY: a file or symlink there fails
            inner = os.open(part, DIRECTORY_FLAGS, dir_fd=directory)
            os.close(directory)
            directory = inner
        handle = os.open(leaf, NEW_FILE_FLAGS, mode & 0o700, dir_fd=directory)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
    finally:
        os.close(directory)


class Scratch:
    """The writable scratch directory (Lambda's /tmp). Its owner sweeps it when the runtime starts
    and after every run: whatever is not in the baseline (the runtime's own) is removed."""

    def __init__(self, path: Path):
        self.path = path
        self.mode = stat.S_IMODE(os.stat(path).st_mode)
        self.baseline: frozenset[str] = frozenset()

    def keep(self, name: str) -> None:
        """Declare an entry the runtime itself created after start-up (a toolchain cache)."""
        self.baseline |= {name}

    def sweep(self) -> set[str]:
        """Remove every entry not in the baseline; return the entries that could not be removed."""
        if os.stat(self.path).st_uid == os.getuid():
            os.chmod(self.path, self.mode)  # a program may have locked us out of our own /tmp
        root = os.open(self.path, DIRECTORY_FLAGS)
        try:
            remove_entries(root, os.listdir(root), keep=self.baseline)
            return set(os.listdir(root)) - self.baseline
        finally:
            os.close(root)


def remove_entries(root: int, names: Iterable[str], keep: frozenset[str] = frozenset()) -> None:
    """Remove the named entries of the directory `root`, whatever they are, without following
    symlinks. Each subdirectory is first moved up into `root`, so a tree nested ten thousand deep
    costs neither recursion nor one descriptor per level; and a directory a program made
    unreadable is ours, so it is opened up again first."""
    pending = [name for name in names if name not in keep]
    while pending:
        try:
            _remove_one(root, pending.pop(), pending)
        except OSError:
            continue  # best effort for the rest; the caller sees what is left and fails closed


def _remove_one(root: int, name: str, pending: list[str]) -> None:
    """Remove a file outright; empty a directory, queueing its subdirectories, then remove it."""
    try:
        info = os.stat(name, dir_fd=root, follow_symlinks=False)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(name, dir_fd=root)
        return
    os.chmod(name, 0o700, dir_fd=root)  # a directory: no symlink to follow (every writer is dead)
    directory = os.open(name, DIRECTORY_FLAGS, dir_fd=root)
    try:
        for child in os.listdir(directory):
            if stat.S_ISDIR(os.stat(child, dir_fd=directory, follow_symlinks=False).st_mode):
                moved = f".glimpse-removing-{secrets.token_hex(8)}"
                os.rename(child, moved, src_dir_fd=directory, dst_dir_fd=root)
                pending.append(moved)
            else:
                os.unlink(child, dir_fd=directory)
    finally:
        os.close(directory)
    os.rmdir(name, dir_fd=root)
