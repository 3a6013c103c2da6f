"""Landlock: the program may write only inside its workspace, use no TCP, and (ABI 6+) neither
signal nor reach the abstract sockets of processes outside its domain — the runtime included.

Lambda's kernel (5.10) has no Landlock; the probe fails there and nothing is listed."""

from __future__ import annotations

import ctypes
import os

from glimpse.sandbox.protections.base import Launch, Protection, in_child
from glimpse.sandbox.protections.syscalls import (
    PR_SET_NO_NEW_PRIVS,
    SYS_LANDLOCK_ADD_RULE,
    SYS_LANDLOCK_CREATE_RULESET,
    SYS_LANDLOCK_RESTRICT_SELF,
    prctl,
    syscall,
)

CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
READ_ONLY = EXECUTE | READ_FILE | READ_DIR
ACCESS_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}
ACCESS_FS_LATEST = (1 << 16) - 1  # ABI 5 added IOCTL_DEV
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class Landlock(Protection):
    name = "landlock"

    def __init__(self, abi: int):
        self.abi = abi
        self.fs_access = ACCESS_FS_BY_ABI.get(abi, ACCESS_FS_LATEST)

    @classmethod
    def probe(cls) -> Landlock | None:
        abi = landlock_abi()
        if abi is None:
            return None
        candidate = cls(abi)

        def restrict_a_child() -> None:
            ruleset = candidate.ruleset(workspace=None)
            _restrict(ruleset)

        return candidate if in_child(restrict_a_child) else None

    def ruleset(self, workspace: str | None) -> int:
        # Fields a kernel's ABI does not know stay zero, which every version accepts.
        attr = _RulesetAttr(self.fs_access, 0, 0)
        if self.abi >= 4:
            attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP  # and no rule allows any port
        if self.abi >= 6:
            attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size = ctypes.c_size_t(ctypes.sizeof(attr))
        ruleset = syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, ctypes.c_uint32(0))
        try:
            self._allow(ruleset, "/", READ_ONLY)
            self._allow(ruleset, "/dev", READ_ONLY | WRITE_FILE)  # /dev/null, /dev/zero
            if workspace is not None:
                self._allow(ruleset, workspace, self.fs_access)
        except OSError:
            os.close(ruleset)
            raise
        return ruleset

    def _allow(self, ruleset: int, path: str, access: int) -> None:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        try:
            rule = _PathBeneathAttr(access & self.fs_access, fd)
            syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0))
        finally:
            os.close(fd)

    def apply(self, launch: Launch) -> None:
        ruleset = self.ruleset(str(launch.workspace))
        launch.parent_fds.append(ruleset)
        launch.preexec.append(lambda: _restrict(ruleset))


def landlock_abi() -> int | None:
    """The kernel's Landlock ABI version, None where there is no Landlock."""
    try:
        return syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except OSError:
        return None


def _restrict(ruleset: int) -> None:
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
