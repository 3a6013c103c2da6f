"""A Lambda-faithful execution environment on this machine, without Docker.

The real awslambdaric bootstrap runs in bubblewrap with Lambda's layout, user and variables,
against a local Runtime API; the environment is reused across invocations, one at a time. The
`lambda` profile also denies what Lambda denies (seccomp); `host` leaves that to the function.
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
