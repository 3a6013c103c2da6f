"""A Lambda-faithful execution environment on this machine, without Docker.

The real awslambdaric bootstrap runs in bubblewrap with Lambda's layout, user and variables,
against a local Runtime API; the environment is reused across invocations, one at a time. The
`lambda` profile also denies what Lambda denies (seccomp); `host` leaves that to the function.

As root (what the tests and the local stack use): no user namespace, the runtime really runs as
uid 993 with no capabilities, and each environment has its own network namespace, so its Runtime
API at 127.0.0.1:9001 is reachable only from inside, as in Lambda. Without root: bwrap's user
namespace maps the runtime to 993:990 (files of other owners then show as nobody), and the Runtime
API listens on a random port of the host's loopback, where any local process could reach it —
weaker than Lambda. Hosts without unprivileged user namespaces need root.

Not emulated: memory and CPU caps, freezing between invocations, Amazon Linux's userland (the
host's /usr is used), response streaming.
"""

from .config import PROFILES, EnvironmentInitError, FunctionConfig, InvokeResult
from .environment import ExecutionEnvironment
from .variables import FAKE_SECRET_MARKER

__all__ = [
    "FAKE_SECRET_MARKER",
    "PROFILES",
    "EnvironmentInitError",
    "ExecutionEnvironment",
    "FunctionConfig",
    "InvokeResult",
]
