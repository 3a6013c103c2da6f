"""Kernel ids of its own for each environment: its runtime's, seen inside as Lambda's 993:990, and
RAPID's (the Runtime API's process), seen inside as 901:901.

Per-user limits are counted per kernel uid across the whole machine (RLIMIT_NPROC first of all):
if every environment's runtime really ran as uid 993, one environment's processes and threads
would make another's fork() or pthread_create() fail with EAGAIN. So, as root, each environment
leases a pair of ids (U, G) from a range of its own and gets a user namespace whose only mappings
are 993 -> U and 990 -> G, and RAPID's 901 -> R for uid and gid, from a second range. bwrap builds the sandbox as root in the host's user namespace (it reads
any path and mounts as before), then enters that namespace (`--userns2`) just before starting the
program, and setpriv takes 993:990 there, that is U:G on the host. Nothing else is mapped: files
of root and of every other owner show as nobody (65534) inside. RAPID runs as R so that the runtime,
and whatever it starts, can neither signal it nor read its memory, as in Lambda, where RAPID is not
the function's user (the runner's sweep signals every process of its own user).

The namespace belongs to root and is a child of the host's, so the runtime holds no capability
over it, and the kernel counts RLIMIT_NPROC per namespace and uid: each environment has a
process limit of its own (Lambda's 1,024), whatever the others run.

Leases are machine-wide: a lock file per id in LEASE_DIR, locked with flock() for as long as the
environment lives and removed when it stops; the kernel drops the lock of a process that dies, so
a crashed harness never keeps an id.
"""

import fcntl
import functools
import os
import subprocess
import time
from pathlib import Path

SANDBOX_UID = 993  # sbx_user1051, Lambda's one user
SANDBOX_GID = 990
RAPID_UID = RAPID_GID = 901  # the Runtime API's process, a user of its own


# U = G = IDS_BASE + slot. 0x70000000..0x7000FFFF lies in the range systemd leaves unassigned
# (above the container range 0x00080000..0x6FFFFFFF that systemd-nspawn and most /etc/subuid
# allocations draw from, below 2^31), so no account, container or rootless-podman user owns it.
# RAPID's id R = IDS_BASE + IDS_COUNT + slot, from the next 65,536 ids of that unassigned range.
IDS_BASE = 0x7000_0000
IDS_COUNT = 0x1_0000
LEASE_DIR = Path("/run/glimpse-environments")

UNSHARE = "/usr/bin/unshare"  # util-linux, like setpriv
SLEEP = "/usr/bin/sleep"
_NAMESPACE_LIMIT_S = 5.0


class KernelIds:
    """A leased uid and gid (the same number) and RAPID's id, held until release()."""

    def __init__(self, slot: int, fd: int, path: Path) -> None:
        self.uid = self.gid = IDS_BASE + slot
        self.rapid_id = IDS_BASE + IDS_COUNT + slot
        self._fd: int | None = fd
        self._path = path

    def release(self) -> None:
        """Give the ids back; idempotent. The file goes first, while it is still locked."""
        if self._fd is None:
            return
        try:
            self._path.unlink()
        except FileNotFoundError:
            pass
        os.close(self._fd)
        self._fd = None

    def __repr__(self) -> str:
        return f"KernelIds(uid={self.uid}, gid={self.gid}, released={self._fd is None})"


def lease_kernel_ids() -> KernelIds:
    """The lowest free pair of ids of the range, for this environment only."""
    LEASE_DIR.mkdir(mode=0o700, exist_ok=True)
    for slot in range(IDS_COUNT):
        leased = _try_lease(slot)
        if leased is not None:
            return leased
    raise RuntimeError(f"all {IDS_COUNT} kernel ids from {IDS_BASE} are leased by live environments")


def _try_lease(slot: int) -> KernelIds | None:
    path = LEASE_DIR / str(IDS_BASE + slot)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        # The holder we waited for removes the file before unlocking it: a lock won on a removed
        # file is worth nothing, so check that the path still names what we locked.
        try:
            current = os.stat(path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(fd).st_ino:
            return KernelIds(slot, fd, path)
        os.close(fd)


def user_namespace(ids: KernelIds, rapid_uid: int = RAPID_UID) -> int:
    """A file descriptor of a new user namespace whose only mappings are 993 -> ids.uid,
    990 -> ids.gid and RAPID's uid and gid (901) -> ids.rapid_id, with setgroups denied. Root creates it (so root owns it) in the host's user
    namespace; a short-lived `unshare --user` process holds it while the maps are written."""
    holder = subprocess.Popen([UNSHARE, "--user", "--", SLEEP, "infinity"], env={}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, process_group=0)
    try:
        proc = f"/proc/{holder.pid}"
        _await_own_namespace(holder, proc)
        _write(f"{proc}/uid_map", f"{SANDBOX_UID} {ids.uid} 1\n{rapid_uid} {ids.rapid_id} 1\n")
        _write(f"{proc}/setgroups", "deny")
        _write(f"{proc}/gid_map", f"{SANDBOX_GID} {ids.gid} 1\n{rapid_uid} {ids.rapid_id} 1\n")
        return os.open(f"{proc}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        holder.kill()
        holder.wait()
        holder.stderr.close()


@functools.cache
def user_namespaces_work() -> bool:
    """Whether root can make user namespaces here (probed once: user.max_user_namespaces = 0, a
    kernel without them or a container's seccomp filter may forbid it)."""
    if not Path(UNSHARE).is_file():
        return False
    probe = subprocess.run([UNSHARE, "--user", "--", "/bin/true"], env={}, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def _await_own_namespace(holder: subprocess.Popen, proc: str) -> None:
    ours = os.stat("/proc/self/ns/user").st_ino
    deadline = time.monotonic() + _NAMESPACE_LIMIT_S
    while True:
        if holder.poll() is not None:
            raise OSError(f"unshare --user failed: {holder.stderr.read().decode(errors='replace').strip()}")
        if os.stat(f"{proc}/ns/user").st_ino != ours:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("unshare --user did not enter a new user namespace")
        time.sleep(0.0002)


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
