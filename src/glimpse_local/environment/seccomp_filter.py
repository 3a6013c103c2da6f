"""The `lambda` profile's seccomp filter: deny what Lambda's execution environment denies.

Lambda's runtime process cannot create namespaces, mount, ptrace, install a seccomp filter (setting
PR_SET_NO_NEW_PRIVS fails), become a subreaper or set a parent-death signal, and its 5.10 kernel
has no Landlock. Everything else is allowed, so the filter's default action is ALLOW.
"""

import errno
import functools

import pyseccomp as seccomp

from glimpse.memfd import memfd_with
from glimpse.sandbox.protections.seccomp import deny_new_namespaces, export_bpf

_DENIED_WITH_EPERM = (
    "unshare", "setns", "ptrace", "seccomp",
    "mount", "umount2", "pivot_root",
    # The new mount API.
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
)

# Absent from Lambda's kernel 5.10, so a program probing for them must see ENOSYS there.
_MISSING_FROM_LAMBDA_KERNEL = ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")
_OPEN_TREE_ATTR_X86_64 = 467  # mount API, Linux 6.15; libseccomp 2.5 does not know its name

_DENIED_PRCTL_OPTIONS = (
    36,  # PR_SET_CHILD_SUBREAPER
    1,  # PR_SET_PDEATHSIG
    38,  # PR_SET_NO_NEW_PRIVS
    22,  # PR_SET_SECCOMP
)


def lambda_filter_fd() -> int:
    """A memfd holding the filter as BPF, positioned at 0, for `bwrap --seccomp FD`."""
    return memfd_with("glimpse-seccomp", _lambda_filter_bpf())


@functools.cache
def _lambda_filter_bpf() -> bytes:
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in _DENIED_WITH_EPERM:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
    for name in _MISSING_FROM_LAMBDA_KERNEL:
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    if seccomp.system_arch() == seccomp.Arch.X86_64:
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), _OPEN_TREE_ATTR_X86_64)
    deny_new_namespaces(rules)
    for option in _DENIED_PRCTL_OPTIONS:
        # The kernel reads prctl's option as an int: compare the low 32 bits only, or
        # prctl(0x1_00000026) would be PR_SET_NO_NEW_PRIVS without matching the rule.
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "prctl", seccomp.Arg(0, seccomp.MASKED_EQ, 0xFFFF_FFFF, option))
    return export_bpf(rules)

