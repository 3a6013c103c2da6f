"""A seccomp filter for user programs: no network sockets, no debugging of other processes, no
namespaces or mounts, none of the kernel interfaces that only widen the attack surface.

Lambda refuses to install filters (PR_SET_NO_NEW_PRIVS is denied), so there the probe fails and
the protection is simply not listed."""

from __future__ import annotations

import ctypes
import errno
import os
import socket

import pyseccomp

from glimpse.memfd import memfd_with
from glimpse.sandbox.protections.base import Launch, Protection, in_child
from glimpse.sandbox.protections.syscalls import PR_SET_NO_NEW_PRIVS, SYS_SECCOMP, prctl, syscall

SECCOMP_SET_MODE_FILTER = 1

DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "open_by_handle_at", "name_to_handle_at", "quotactl", "swapon", "swapoff", "reboot", "acct", "syslog",
)
DENIED_SOCKET_FAMILIES = (socket.AF_INET, socket.AF_INET6, socket.AF_PACKET, socket.AF_NETLINK, socket.AF_VSOCK)
NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)  # CLONE_NEWTIME (0x80) is not listed: for clone() that bit is part of the exit signal.


def deny_new_namespaces(rules: pyseccomp.SyscallFilter) -> None:
    """clone() with any namespace flag fails with EPERM. clone3 passes its flags in memory, where
    a filter cannot look: it fails with ENOSYS, and glibc falls back to clone, which the rules
    inspect; threads, fork and posix_spawn keep working."""
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(pyseccomp.ERRNO(errno.EPERM), "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag))
    rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")


def user_program_filter() -> bytes:
    """The filter as classic BPF bytes, built once with libseccomp."""
    rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    deny = pyseccomp.ERRNO(errno.EPERM)
    for name in DENIED:
        rules.add_rule(deny, name)
    for family in DENIED_SOCKET_FAMILIES:
        rules.add_rule(deny, "socket", pyseccomp.Arg(0, pyseccomp.EQ, family))
    deny_new_namespaces(rules)
    return export_bpf(rules)


def export_bpf(rules: pyseccomp.SyscallFilter) -> bytes:
    """libseccomp writes a filter only to a descriptor: give it an in-memory file, read it back."""
    fd = memfd_with("glimpse-seccomp-export", b"")
    with os.fdopen(fd, "w+b") as memfile:
        rules.export_bpf(memfile)
        memfile.seek(0)
        return memfile.read()


class _SockFilterProgram(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class InstalledFilter:
    """BPF bytes held in memory the child can pass to seccomp(2) without allocating after fork."""

    def __init__(self, bpf: bytes):
        self.bpf = bpf
        self.buffer = ctypes.create_string_buffer(bpf, len(bpf))
        self.program = _SockFilterProgram(len(bpf) // 8, ctypes.cast(self.buffer, ctypes.c_void_p))

    def install(self) -> None:
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        syscall(SYS_SECCOMP, ctypes.c_uint(SECCOMP_SET_MODE_FILTER), ctypes.c_uint(0), ctypes.byref(self.program))


class Seccomp(Protection):
    name = "seccomp"

    def __init__(self, bpf: bytes):
        self.filter = InstalledFilter(bpf)

    @classmethod
    def probe(cls) -> Seccomp | None:
        try:
            candidate = cls(user_program_filter())
        except (OSError, RuntimeError, ValueError):
            return None  # libseccomp missing or unusable
        return candidate if in_child(candidate.filter.install) else None

    def apply(self, launch: Launch) -> None:
        # Whoever executes the program last installs it: a namespace wrapper takes it over
        # (its own set-up needs the calls the filter denies), else the launcher's child does.
        launch.seccomp = self.filter
