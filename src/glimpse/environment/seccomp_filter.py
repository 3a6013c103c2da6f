"""The `lambda` profile's seccomp filter: deny what Lambda's execution environment denies.

Lambda's runtime process cannot create namespaces, mount, ptrace, install a seccomp filter (setting
PR_SET_NO_NEW_PRIVS fails), become a subreaper or set a parent-death signal, and its 5.10 kernel
has no Landlock. Everything else is allowed, so the filter's default action is ALLOW.
"""

import errno
import functools
import os

import pyseccomp as seccomp

_DENIED_WITH_EPERM = (
    "unshare", "setns", "ptrace", "seccomp",
    "mount", "umount2", "pivot_root",
    # The new mount API.
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
)

# Absent from Lambda's kernel 5.10, so a program probing for them must see ENOSYS there.
_MISSING_FROM_LAMBDA_KERNEL = ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")
_OPEN_TREE_ATTR_X86_64 = 467  # mount API, Linux 6.15; libseccomp 2.5 does not know its name

_NAMESPACE_CLONE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)  # CLONE_NEWTIME (0x80) is not listed: for clone() that bit is part of the exit signal.

_DENIED_PRCTL_OPTIONS = (
    36,  # PR_SET_CHILD_SUBREAPER
    1,  # PR_SET_PDEATHSIG
    38,  # PR_SET_NO_NEW_PRIVS
    22,  # PR_SET_SECCOMP
)


def lambda_filter_fd() -> int:
    """A memfd holding the filter as BPF, positioned at 0, for `bwrap --seccomp FD`."""
    fd = os.memfd_create("glimpse-seccomp", os.MFD_CLOEXEC)
    os.write(fd, _lambda_filter_bpf())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


@functools.cache
def _lambda_filter_bpf() -> bytes:
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in _DENIED_WITH_EPERM:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
    for name in _MISSING_FROM_LAMBDA_KERNEL:
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    if seccomp.system_arch() == seccomp.Arch.X86_64:
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), _OPEN_TREE_ATTR_X86_64)
    for flag in _NAMESPACE_CLONE_FLAGS:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory, where seccomp cannot look. ENOSYS makes glibc fall back to
    # clone, which the rules above inspect; threads, fork and posix_spawn keep working.
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    for option in _DENIED_PRCTL_OPTIONS:
        # The kernel reads prctl's option as an int: compare the low 32 bits only, or
        # prctl(0x1_00000026) would be PR_SET_NO_NEW_PRIVS without matching the rule.
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "prctl", seccomp.Arg(0, seccomp.MASKED_EQ, 0xFFFF_FFFF, option))
    return _export(rules)


def _export(rules: seccomp.SyscallFilter) -> bytes:
    fd = os.memfd_create("glimpse-seccomp-export", os.MFD_CLOEXEC)
    with os.fdopen(fd, "w+b") as memfile:
        rules.export_bpf(memfile)
        memfile.seek(0)
        return memfile.read()
