"""A Lambda-faithful execution environment on this machine, without Docker.

The real awslambdaric bootstrap runs in bubblewrap with Lambda's layout, user and variables,
against a local Runtime API; the environment is reused across invocations, one at a time. The
`lambda` profile also denies what Lambda denies (seccomp); `host` leaves that to the function.

As root (what the tests and the local stack use): the runtime is uid 993 with no capabilities in
a user namespace of the environment's own, which maps 993:990 (and nothing else) to kernel ids
leased for that environment alone, so concurrent environments never share a per-user limit; it
has Lambda's 1,024 processes and threads, pids and memory cgroups where cgroup v1 allows
(confinement.py), and its own network namespace, so its Runtime API at 127.0.0.1:9001 is
reachable only from inside, as in Lambda. Without root: bwrap's user namespace maps the caller to
993:990, environments share the caller's process limit, and the Runtime API listens on a random
port of the host's loopback, where any local process could reach it — weaker than Lambda. Hosts
without unprivileged user namespaces need root. Files of other owners show as nobody either way.

Not emulated: CPU caps, memory caps without cgroup v1, freezing between invocations, Amazon
Linux's userland (the host's /usr is used), response streaming.
"""

from .config import PROFILES, TENANT_ID, EnvironmentInitError, FunctionConfig, InvokeResult
from .environment import ExecutionEnvironment
from .variables import FAKE_SECRET_MARKER

__all__ = [
    "FAKE_SECRET_MARKER",
    "PROFILES",
    "TENANT_ID",
    "EnvironmentInitError",
    "ExecutionEnvironment",
    "FunctionConfig",
    "InvokeResult",
]
