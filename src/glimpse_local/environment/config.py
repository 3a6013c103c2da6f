"""What an execution environment runs (a function's configuration) and what an invocation returns."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

PROFILES = ("lambda", "host")

# Lambda refuses a function whose own variables name one of these (CreateFunction fails), because
# the platform sets them. GLIMPSE_PROFILE is ours: the runner reports it as isolation.profile.
RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
    "GLIMPSE_PROFILE",
})

MAX_LAYERS = 5


NETWORKS = ("private", "host")

# The tenant ids Lambda takes (X-Amz-Tenant-Id), and never CR/LF: it is passed on as a header.
TENANT_ID = re.compile(r"[A-Za-z0-9._:/=+\-@ ]{1,256}")


@dataclass(frozen=True)
class FunctionConfig:
    """One function as template.yaml declares it, with Lambda's limits checked up front."""

    name: str
    handler: str
    code_dir: Path
    layers: tuple[Path, ...] = ()
    environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    memory_mb: int = 512
    timeout_s: float = 30.0
    ephemeral_mb: int = 512
    runtime: str = "python3.12"
    # "private": (as root) a network namespace of its own, with only a loopback for its Runtime API.
    # "host": this host's network, as Lambda gives a function outside any VPC the internet.
    network: str = "private"

    def __post_init__(self) -> None:
        # Normalised copies, so a caller mutating its own dict or list later changes nothing here.
        object.__setattr__(self, "code_dir", Path(self.code_dir))
        object.__setattr__(self, "layers", tuple(Path(layer) for layer in self.layers))
        object.__setattr__(self, "environment", MappingProxyType(dict(self.environment)))
        self._check_limits()
        self._check_variables()

    def _check_limits(self) -> None:
        if self.network not in NETWORKS:
            raise ValueError(f"{self.name}: network must be one of {NETWORKS}, not {self.network!r}")
        if not self.runtime.startswith("python3."):
            raise ValueError(f"runtime {self.runtime!r}: only Lambda's python3.x runtimes are emulated")
        if len(self.layers) > MAX_LAYERS:
            raise ValueError(f"{self.name}: {len(self.layers)} layers, Lambda allows at most {MAX_LAYERS}")
        if not 128 <= self.memory_mb <= 10240:
            raise ValueError(f"{self.name}: memory_mb must be 128..10240, not {self.memory_mb}")
        if not 512 <= self.ephemeral_mb <= 10240:
            raise ValueError(f"{self.name}: ephemeral_mb must be 512..10240, not {self.ephemeral_mb}")
        if not 0 < self.timeout_s <= 900:
            raise ValueError(f"{self.name}: timeout_s must be in (0, 900], not {self.timeout_s}")

    def _check_variables(self) -> None:
        reserved = sorted(RESERVED_VARIABLES.intersection(self.environment))
        if reserved:
            raise ValueError(f"{self.name}: reserved environment variables cannot be set: {', '.join(reserved)}")
        for key, value in self.environment.items():
            if not key or "=" in key or "\0" in key or "\0" in value:
                raise ValueError(f"{self.name}: invalid environment variable {key!r}")


@dataclass
class InvokeResult:
    payload: bytes  # what the function returned, or Lambda's error document
    function_error: str | None  # None on success, "Unhandled" as X-Amz-Function-Error says
    request_id: str
    duration_ms: float
    environment_retired: bool  # the runtime exited during or right after this invocation


class EnvironmentInitError(Exception):
    """The runtime failed its init: it posted /runtime/init/error, exited, or never asked for work.

    `document` is what Lambda answers an invocation with in that case (the error the runtime posted,
    or a Runtime.ExitError / Sandbox.Timedout document); `logs` is the tail of the runtime's output.
    """

    def __init__(self, message: str, *, document: bytes, logs: str = "") -> None:
        super().__init__(f"{message}\n--- runtime output ---\n{logs}" if logs else message)
        self.document = document
        self.logs = logs
