"""One emulated Lambda execution environment: cold start, reuse, one invocation at a time.

Lambda's rules, as kept here:
- an invocation is answered when the runtime POSTs /response or /error; the environment is ready
  again when the runtime asks for the next one, and retired if it exits instead;
- the function's timeout kills the environment; the caller gets Sandbox.Timedout;
- a runtime that exits mid-invocation yields Runtime.ExitError; the next invocation re-inits;
- an init that fails answers the invocation with the init error (Lambda re-inits next time).
"""

import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from .bwrap import BwrapCommand
from .config import PROFILES, EnvironmentInitError, FunctionConfig, InvokeResult
from .confinement import Confinement
from .layout import SETPRIV, runtime_command
from .logs import LogBuffer
from .runtime_api import Invocation
from .runtime_process import RuntimeProcess
from .variables import function_arn

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase of an on-demand environment
_TENANT_ID = re.compile(r"[A-Za-z0-9._:/=+\-@ ]{1,256}")  # and never CR/LF: it becomes a header
_ERROR_LOG_CHARS = 4000


class ExecutionEnvironment:
    def __init__(
        self,
        function: FunctionConfig,
        *,
        profile: str = "lambda",
        runtime_dir: Path,
        python_home: Path | None = None,
        log_sink: Callable[[str], None] | None = None,
        init_timeout_s: float = INIT_TIMEOUT_S,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}, not {profile!r}")
        self.function = function
        self.profile = profile
        self._runtime_dir = Path(runtime_dir)
        self._python_home = Path(python_home or sys.base_prefix)
        self._as_root = os.geteuid() == 0
        _check_host(function, self._runtime_dir, self._python_home, self._as_root)
        self._init_timeout_s = init_timeout_s
        self._log_buffer = LogBuffer()  # kept even beside a caller's sink: init errors quote it
        self._log_sink = self._log_buffer if log_sink is None else _tee(log_sink, self._log_buffer)
        self._arn = function_arn(function)
        self._invoke_lock = threading.Lock()  # one invocation at a time, as Lambda does
        self._lifecycle_lock = threading.Lock()  # start and stop
        self._process: RuntimeProcess | None = None
        self.starts = 0

    def __enter__(self) -> "ExecutionEnvironment":
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    @property
    def alive(self) -> bool:
        process = self._process
        return process is not None and not process.api.exited

    @property
    def confinement(self) -> Confinement | None:
        """What the current (or last) life holds on the host: kernel ids, cgroups."""
        process = self._process
        return process.confinement if process is not None else None

    @property
    def runtime_pid(self) -> int | None:
        process = self._process
        return process.runtime_pid() if process is not None and self.alive else None

    def logs(self) -> str:
        """The runtime's recent stdout and stderr lines, across restarts."""
        return self._log_buffer.text()

    def start(self) -> None:
        """Cold start; return once the runtime asks for its first invocation."""
        self._ensure_started()

    def stop(self) -> None:
        """Kill everything this environment runs; idempotent."""
        with self._lifecycle_lock:
            if self._process is not None:
                self._process.stop()
                self._process = None

    def invoke(self, payload: bytes, *, tenant_id: str | None = None) -> InvokeResult:
        if tenant_id is not None and not _TENANT_ID.fullmatch(tenant_id):
            raise ValueError(f"invalid tenant id {tenant_id!r}")
        with self._invoke_lock:
            try:
                process = self._ensure_started()
            except EnvironmentInitError as error:
                return InvokeResult(error.document, "Unhandled", str(uuid.uuid4()), 0.0, environment_retired=True)
            return self._invoke_in(process, self._new_invocation(payload, tenant_id))

    def _ensure_started(self) -> RuntimeProcess:
        with self._lifecycle_lock:
            if self.alive:
                return self._process
            if self._process is not None:
                self._process.stop()  # already dead: collect its thread
                self._process = None
            confinement = Confinement(as_root=self._as_root, memory_mb=self.function.memory_mb)
            private_network = self._as_root and self.function.network == "private"
            process = RuntimeProcess(self._command_for, namespaced=private_network, confinement=confinement,
                                     log_sink=self._log_sink, name=self.function.name)
            process.start()
            self._process = process
            self.starts += 1
            self._await_init(process)
            return process

    def _command_for(self, runtime_api: str, user_namespace: int | None) -> BwrapCommand:
        return runtime_command(
            self.function, profile=self.profile, runtime_dir=self._runtime_dir, python_home=self._python_home,
            runtime_api=runtime_api, as_root=self._as_root, user_namespace=user_namespace,
        )

    def _await_init(self, process: RuntimeProcess) -> None:
        api = process.api
        deadline = time.monotonic() + self._init_timeout_s
        api.wait_until(lambda: api.polled or api.init_error is not None or api.exited, deadline)
        if api.polled:
            return
        exit_status = api.exit_status  # None here: it never asked for work in time
        process.stop()
        logs = self.logs()[-_ERROR_LOG_CHARS:]
        if api.init_error is not None:
            raise EnvironmentInitError("the runtime reported an init error", document=api.init_error, logs=logs)
        request_id = str(uuid.uuid4())
        if exit_status is not None:
            raise EnvironmentInitError(f"the runtime exited during init: {_exit_reason(exit_status)}",
                                       document=_exit_document(request_id, exit_status), logs=logs)
        raise EnvironmentInitError(f"the runtime did not ask for work within {self._init_timeout_s} s",
                                   document=_timeout_document(request_id, self._init_timeout_s), logs=logs)

    def _new_invocation(self, payload: bytes, tenant_id: str | None) -> Invocation:
        request_id = str(uuid.uuid4())
        deadline_ms = int((time.time() + self.function.timeout_s) * 1000)
        headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", request_id),
            ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", self._arn),
            ("Lambda-Runtime-Trace-Id", _trace_id()),
        ]
        if tenant_id is not None:
            headers.append(("Lambda-Runtime-Aws-Tenant-Id", tenant_id))
        return Invocation(request_id, bytes(payload), tuple(headers))

    def _invoke_in(self, process: RuntimeProcess, invocation: Invocation) -> InvokeResult:
        api = process.api
        started = time.monotonic()
        deadline = started + self.function.timeout_s
        if api.dispatch(invocation):
            api.wait_until(lambda: invocation.answered or api.exited, deadline)
        if not invocation.answered:
            return self._unanswered(process, invocation, started)
        duration_ms = (invocation.answered_at - started) * 1000
        # Ready again when the runtime asks for more work; one still busy when its time is up is reset.
        if not api.wait_until(lambda: api.idle or api.exited, deadline):
            process.stop()
        return InvokeResult(invocation.answer, invocation.function_error, invocation.request_id, duration_ms,
                            environment_retired=api.exited)

    def _unanswered(self, process: RuntimeProcess, invocation: Invocation, started: float) -> InvokeResult:
        api = process.api
        if api.exited:
            document = _exit_document(invocation.request_id, api.exit_status)
        else:
            process.stop()
            document = _timeout_document(invocation.request_id, self.function.timeout_s)
        duration_ms = (time.monotonic() - started) * 1000
        return InvokeResult(document, "Unhandled", invocation.request_id, duration_ms, environment_retired=True)


def _check_host(function: FunctionConfig, runtime_dir: Path, python_home: Path, as_root: bool) -> None:
    interpreter = python_home / "bin" / function.runtime
    if not interpreter.is_file():
        raise ValueError(f"python_home {python_home} has no bin/{function.runtime} for runtime {function.runtime}")
    if not (runtime_dir / "awslambdaric").is_dir():
        raise ValueError(f"runtime_dir {runtime_dir} does not hold awslambdaric (what Lambda has at /var/runtime)")
    if not function.code_dir.is_dir():
        raise ValueError(f"code_dir {function.code_dir} is not a directory")
    if as_root and not Path(SETPRIV).is_file():
        raise RuntimeError(f"{SETPRIV} (util-linux) is needed to drop to uid 993 as root")
    if not as_root and not _user_namespaces_allowed():
        raise PermissionError("without root, the environment needs unprivileged user namespaces, which this host "
                              "does not allow (user.max_user_namespaces, kernel.unprivileged_userns_clone or "
                              "kernel.apparmor_restrict_unprivileged_userns); run as root instead")


def _user_namespaces_allowed() -> bool:
    limits = {
        "/proc/sys/user/max_user_namespaces": lambda value: int(value) > 0,
        "/proc/sys/kernel/unprivileged_userns_clone": lambda value: value != "0",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns": lambda value: value != "1",
    }
    for path, allows in limits.items():
        try:
            value = Path(path).read_text().strip()
        except FileNotFoundError:
            continue
        if not allows(value):
            return False
    return True


def _tee(first: Callable[[str], None], second: Callable[[str], None]) -> Callable[[str], None]:
    def both(line: str) -> None:
        first(line)
        second(line)
    return both


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


def _exit_reason(exit_status: int) -> str:
    """Lambda's words (Go's os/exec) for how the runtime ended; bwrap reports a signal as 128+N."""
    if exit_status == 0:
        return "Runtime exited without providing a reason"
    if exit_status > 128 and exit_status - 128 in signal.valid_signals():
        text = signal.strsignal(exit_status - 128) or f"signal {exit_status - 128}"
        # Go's names are glibc's with a lower-case first word ("killed", "segmentation fault"),
        # acronyms kept ("CPU time limit exceeded").
        if not text[1:2].isupper():
            text = text[0].lower() + text[1:]
        return f"Runtime exited with error: signal: {text}"
    return f"Runtime exited with error: exit status {exit_status}"


def _exit_document(request_id: str, exit_status: int) -> bytes:
    return _error_document("Runtime.ExitError", f"RequestId: {request_id} Error: {_exit_reason(exit_status)}")


def _timeout_document(request_id: str, timeout_s: float) -> bytes:
    return _error_document("Sandbox.Timedout", f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds")


def _error_document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()
