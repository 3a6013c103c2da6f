"""What keeps one life of an environment to itself on this machine, so that concurrent
environments cannot starve each other: its kernel ids and user namespace (identity.py), its
cgroups (cgroups.py) and its process limit. Acquired before bwrap starts, in force before the
sandbox's init starts anything, released once every process of it is gone.

What each mode gets:
- root, user namespaces allowed: kernel ids of its own, RLIMIT_NPROC = 1024 counted for this
  environment alone (the kernel counts it per user namespace and uid), and the cgroups where
  cgroup v1 is writable;
- root, no user namespaces (user.max_user_namespaces = 0): every environment runs as the host's
  uid 993 and shares its process limit, as before; cgroups where available;
- without root: bwrap's user namespace maps the caller to 993, so the environment's own
  RLIMIT_NPROC of 1024 holds, but every environment and every other process of the caller also
  count against the caller's own limit; no cgroups.
"""

import contextlib
import itertools
import os
import resource

from . import identity
from .cgroups import PROCESS_LIMIT, EnvironmentCgroups, cgroup_support

_unnamed = itertools.count()  # names cgroups when there are no kernel ids to name them by


class Confinement:
    def __init__(self, *, as_root: bool, memory_mb: int, rapid_uid: int = identity.RAPID_UID) -> None:
        self.as_root = as_root
        self.memory_mb = memory_mb
        self.rapid_uid = rapid_uid  # who RAPID is inside
        self.ids: identity.KernelIds | None = None
        self.cgroups: EnvironmentCgroups | None = None
        self._user_namespace: int | None = None
        self.own_user_namespace = not as_root  # bwrap makes one itself without root

    def acquire(self) -> None:
        """Lease the ids, make the user namespace and the cgroups; all or nothing."""
        if not self.as_root:
            return
        try:
            if identity.user_namespaces_work():
                self.ids = identity.lease_kernel_ids()
                self._user_namespace = identity.user_namespace(self.ids, self.rapid_uid)
                self.own_user_namespace = True
            if cgroup_support().parents:
                name = f"glimpse-env-{self.ids.uid}" if self.ids else f"glimpse-env-{os.getpid()}-{next(_unnamed)}"
                self.cgroups = EnvironmentCgroups(name, memory_mb=self.memory_mb)
        except BaseException:
            self.release()
            raise

    def take_user_namespace(self) -> int | None:
        """The user namespace's file descriptor, now the caller's to close (bwrap's command does)."""
        fd, self._user_namespace = self._user_namespace, None
        return fd

    @property
    def out_of_memory_fd(self) -> int | None:
        return self.cgroups.oom_fd if self.cgroups is not None else None

    def joined(self) -> contextlib.AbstractContextManager:
        """Around starting bwrap: the starting thread is in the cgroups, so bwrap and all it starts are."""
        return self.cgroups.joined() if self.cgroups is not None else contextlib.nullcontext()

    def prepare(self, init_pid: int) -> None:
        """Apply the process limit to the sandbox's init, before it starts the runtime."""
        if self.own_user_namespace:
            # Lambda's limit, inherited by the runtime and everything it starts, which cannot raise it.
            _, hard = resource.prlimit(init_pid, resource.RLIMIT_NPROC)
            limit = PROCESS_LIMIT if hard == resource.RLIM_INFINITY else min(PROCESS_LIMIT, hard)
            resource.prlimit(init_pid, resource.RLIMIT_NPROC, (limit, limit))

    def release(self) -> None:
        """Once no process of the environment is left: remove the cgroups, give the ids back."""
        if self._user_namespace is not None:
            os.close(self._user_namespace)
            self._user_namespace = None
        try:
            if self.cgroups is not None:
                self.cgroups.remove()
                self.cgroups = None
        finally:
            if self.ids is not None:
                self.ids.release()
