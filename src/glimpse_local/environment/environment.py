"""One emulated Lambda execution environment: cold start, reuse, one invocation at a time.

RAPID (Lambda's own Runtime API) serves the runtime; the environment keeps Lambda's rules around it:
- the runtime inits within Lambda's init limit: at start(), ahead of demand (provisioned
  concurrency, the warm pools), where a failure raises EnvironmentInitError; or at the first
  invocation of an environment it starts itself (an on-demand cold start), which then answers the
  init's failure; the next invocation starts afresh;
- an invocation is answered with what the runtime POSTed to /response or /error; one answered
  just before the runtime exits is still delivered;
- the function's timeout kills the environment; the caller gets Sandbox.Timedout;
- a runtime that exits mid-invocation yields Runtime.ExitError; one that exits at any time retires
  the environment and everything in it (Lambda resets it), and the next invocation cold-starts.
"""

import http.client
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
from .config import PROFILES, TENANT_ID, EnvironmentInitError, FunctionConfig, InvokeResult
from . import identity
from .confinement import Confinement
from .identity import RAPID_UID
from .layout import SETPRIV, runtime_command
from .logs import LogBuffer
from .runtime_process import RuntimeProcess

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase of an on-demand environment
_INIT_POLL_S = 0.01  # how often the init's end is looked for in RAPID's log
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


class ExecutionEnvironment:
    def __init__(
        self,
        function: FunctionConfig,
        *,
        profile: str = "lambda",
        runtime_dir: Path,
        rapid: Path | None = None,
        python_home: Path | None = None,
        log_sink: Callable[[str], None] | None = None,
        init_timeout_s: float = INIT_TIMEOUT_S,
        sam_local: bool = False,
    ) -> None:
        """`runtime_dir` is what Lambda has at /var/runtime; `rapid` the aws-lambda-rie binary
        (by default beside it, as `make build` lays them out: build/rapid/aws-lambda-rie).
        `sam_local`: the runtime starts as root, as `sam local invoke` starts it (needs root and
        user namespaces here; it is root only in the environment's own user namespace)."""
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}, not {profile!r}")
        self.function = function
        self.profile = profile
        self._runtime_dir = Path(runtime_dir)
        self._rapid = Path(rapid) if rapid is not None else self._runtime_dir.parent / "rapid" / "aws-lambda-rie"
        self._python_home = Path(python_home or sys.base_prefix)
        self._as_root = os.geteuid() == 0
        _check_host(function, self._runtime_dir, self._rapid, self._python_home, self._as_root)
        if sam_local and not (self._as_root and identity.user_namespaces_work()):
            raise ValueError("sam_local needs root and user namespaces: the runtime's root is the namespace's own")
        self._sam_local = sam_local
        self._init_timeout_s = init_timeout_s
        self._log_buffer = LogBuffer()  # kept even beside a caller's sink
        self._log_sink = self._log_buffer if log_sink is None else _tee(log_sink, self._log_buffer)
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
        return process is not None and not process.exited and process.rapid_log.runtime_exit is None

    @property
    def confinement(self) -> Confinement | None:
        """What the current (or last) life holds on the host: kernel ids, cgroups."""
        process = self._process
        return process.confinement if process is not None else None

    @property
    def runtime_pid(self) -> int | None:
        """The runtime's host pid, once an invocation has started it."""
        process = self._process
        return process.runtime_pid() if process is not None and self.alive else None

    @property
    def rapid_pid(self) -> int | None:
        """RAPID's host pid: the runtime's parent."""
        process = self._process
        return process.rapid_pid() if process is not None and self.alive else None

    @property
    def init_pid(self) -> int | None:
        """The host pid of the sandbox's init, which every process of the environment descends from."""
        process = self._process
        return process.init_pid if process is not None and self.alive else None

    def logs(self) -> str:
        """The runtime's recent stdout and stderr lines, across restarts."""
        return self._log_buffer.text()

    def start(self) -> None:
        """Start the environment and its runtime, and return once the runtime asks for work, as
        Lambda inits an environment ahead of demand (provisioned concurrency). Raises
        EnvironmentInitError when the init fails; an environment that an invocation starts inits
        at that invocation instead, which answers the init's failure."""
        self._ensure_started(init=True)

    def stop(self) -> None:
        """Kill everything this environment runs; idempotent."""
        with self._lifecycle_lock:
            if self._process is not None:
                self._process.stop()
                self._process = None

    def invoke(self, payload: bytes, *, tenant_id: str | None = None, request_id: str | None = None) -> InvokeResult:
        """`request_id`: the invocation's id, a new one by default (a test may need to know it first)."""
        if tenant_id is not None and not TENANT_ID.fullmatch(tenant_id):
            raise ValueError(f"invalid tenant id {tenant_id!r}")
        request_id = request_id or str(uuid.uuid4())
        if not _REQUEST_ID.fullmatch(request_id):
            raise ValueError(f"invalid request id {request_id!r}")
        with self._invoke_lock:
            try:
                process = self._ensure_started()
            except EnvironmentInitError as error:
                return InvokeResult(error.document, "Unhandled", request_id, 0.0, environment_retired=True)
            return self._invoke_in(process, payload, request_id, tenant_id)

    def _ensure_started(self, init: bool = False) -> RuntimeProcess:
        with self._lifecycle_lock:
            if self.alive:
                return self._process
            if self._process is not None:
                self._process.stop()  # its runtime is gone: Lambda resets the environment
                self._process = None
            confinement = Confinement(as_root=self._as_root, memory_mb=self.function.memory_mb,
                                      rapid_uid=0 if self._sam_local else RAPID_UID)
            private_network = self._as_root and self.function.network == "private"
            process = RuntimeProcess(self._command_for, namespaced=private_network, confinement=confinement,
                                     log_sink=self._log_sink, name=self.function.name)
            try:
                process.start()
            except (OSError, RuntimeError) as error:
                raise EnvironmentInitError(f"the environment could not start: {error}",
                                           document=_error_document("Runtime.Unknown", str(error)), logs=self.logs()) from error
            self._process = process
            self.starts += 1
            if init:
                self._init(process)
            return process

    def _init(self, process: RuntimeProcess) -> None:
        log = process.rapid_log
        try:
            process.start_init()
        except (OSError, RuntimeError, http.client.HTTPException) as error:
            self._fail_init(process, _error_document("Runtime.Unknown", f"the init could not be started: {error}"))
        ready = log.wait_for(lambda: log.init_status is not None or log.runtime_exit is not None or log.closed,
                             self._init_timeout_s)
        if log.init_status == "success" and log.runtime_exit is None:
            return
        if not ready:
            self._fail_init(process, _timeout_document(str(uuid.uuid4()), self._init_timeout_s))
        reason = f"Runtime exited during its init: {_exit_message(log.runtime_exit)}" if log.runtime_exit else "the runtime's init failed"
        self._fail_init(process, _error_document(log.init_error_type or "Runtime.InitError", reason))

    def _fail_init(self, process: RuntimeProcess, document: bytes) -> None:
        process.stop()
        self._process = None
        raise EnvironmentInitError(json.loads(document)["errorMessage"], document=document, logs=self.logs()[-4000:])

    def _command_for(self, runtime_api: str, invoke_api: str, user_namespace: int | None) -> BwrapCommand:
        return runtime_command(
            self.function, profile=self.profile, runtime_dir=self._runtime_dir, python_home=self._python_home,
            rapid=self._rapid, runtime_api=runtime_api, invoke_api=invoke_api, as_root=self._as_root,
            user_namespace=user_namespace, sam_local=self._sam_local,
        )

    def _invoke_in(self, process: RuntimeProcess, payload: bytes, request_id: str, tenant_id: str | None) -> InvokeResult:
        headers = {"Content-Type": "application/json", "X-Amzn-RequestId": request_id, "X-Amzn-Trace-Id": _trace_id()}
        if tenant_id is not None:
            headers["X-Amz-Tenant-Id"] = tenant_id
        started = time.monotonic()
        process.invoking = True  # a runtime exit is then this invocation's to report
        try:
            body = self._exchange(process, payload, headers)
        except _OutOfTime as out:
            process.stop()
            return InvokeResult(_timeout_document(request_id, out.limit_s), "Unhandled", request_id,
                                (time.monotonic() - started) * 1000, environment_retired=True)
        finally:
            process.invoking = False
        duration_ms = (time.monotonic() - started) * 1000
        log = process.rapid_log
        if body is None:  # RAPID itself is gone: the environment was killed (its memory, or a stop)
            process.stop()
            return InvokeResult(_exit_document(request_id, _exit_words(process.exit_status)), "Unhandled", request_id, duration_ms,
                                environment_retired=True)
        retired = log.runtime_exit is not None
        if retired:
            process.stop()  # Lambda resets an environment whose runtime exited
        # RAPID's body is the runtime's answer once it took one (even when the runtime then exited),
        # else its own error document (Runtime.ExitError, or the init's error), which it leaves
        # empty for a runtime that exited during its init.
        succeeded = log.events.answered and not log.events.error
        if not log.events.answered and not body and retired:
            body = _exit_document(request_id, log.runtime_exit)
        return InvokeResult(body, None if succeeded else "Unhandled", request_id, duration_ms, environment_retired=retired)

    def _exchange(self, process: RuntimeProcess, payload: bytes, headers: dict[str, str]) -> bytes | None:
        """RAPID's answer, or None when RAPID is gone. Raises _OutOfTime with the limit that ran out:
        the init's, or, from the invocation's start after the init, the function's timeout, whether
        this clock or RAPID's (its whole seconds) saw it first."""
        log = process.rapid_log
        try:
            process.send_invocation(payload, headers)
            initialising = not log.initialised
            deadline = time.monotonic() + (self._init_timeout_s if initialising else self.function.timeout_s)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _OutOfTime(self._init_timeout_s if initialising else self.function.timeout_s)
                if process.await_answer(min(left, _INIT_POLL_S) if initialising else left):
                    answer = process.read_answer()
                    if log.events.timed_out:
                        raise _OutOfTime(self.function.timeout_s)
                    return answer
                if initialising and log.events.started:
                    initialising, deadline = False, time.monotonic() + self.function.timeout_s
        except (OSError, http.client.HTTPException):
            return None


class _OutOfTime(Exception):
    def __init__(self, limit_s: float) -> None:
        super().__init__(f"out of time after {limit_s} s")
        self.limit_s = limit_s


def _check_host(function: FunctionConfig, runtime_dir: Path, rapid: Path, python_home: Path, as_root: bool) -> None:
    interpreter = python_home / "bin" / function.runtime
    if not interpreter.is_file():
        raise ValueError(f"python_home {python_home} has no bin/{function.runtime} for runtime {function.runtime}")
    if not (runtime_dir / "awslambdaric").is_dir() or not (runtime_dir / "bootstrap").is_file():
        raise ValueError(f"runtime_dir {runtime_dir} does not hold awslambdaric and its bootstrap (what Lambda has "
                         "at /var/runtime; `make build` makes them)")
    if not os.access(rapid, os.X_OK):
        raise ValueError(f"{rapid} is not RAPID's binary (aws-lambda-rie; `make build` extracts it from aws-sam-cli)")
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


def _exit_words(exit_status: int) -> str:
    """How a process ended, in Go's os/exec words (RAPID's): bwrap reports a signal as 128+N."""
    if exit_status > 128 and exit_status - 128 in signal.valid_signals():
        text = signal.strsignal(exit_status - 128) or f"signal {exit_status - 128}"
        # Go's names are glibc's with a lower-case first word ("killed", "segmentation fault"),
        # acronyms kept ("CPU time limit exceeded").
        if not text[1:2].isupper():
            text = text[0].lower() + text[1:]
        return f"signal: {text}"
    return f"exit status {exit_status}"


def _exit_message(words: str) -> str:
    """Lambda's words for a runtime that ended as `words` say."""
    if words == "exit status 0":
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: {words}"


def _exit_document(request_id: str, words: str) -> bytes:
    return _error_document("Runtime.ExitError", f"RequestId: {request_id} Error: {_exit_message(words)}")


def _timeout_document(request_id: str, timeout_s: float) -> bytes:
    return _error_document("Sandbox.Timedout", f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds")


def _error_document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()
