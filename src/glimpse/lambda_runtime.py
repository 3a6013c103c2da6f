"""The runner's own Lambda runtime loop: each invocation's answer is claimed before the handler runs.

In Lambda every process of the environment can reach the Runtime API (127.0.0.1:9001): there is no
network namespace, seccomp filter or Landlock rule between a program and it. RAPID, which serves it
(aws/aws-lambda-runtime-interface-emulator, `internal/lambda/core/states.go`), accepts a
`GET /invocation/next` while an invocation is in flight and renders that invocation again, request
id included (`RuntimeRunningState.Ready` returns nil); it then takes the first `/response` or
`/error` posted with that id as the function's answer, and the next `/next` gets the next request
sent to the environment. A program the runner runs could therefore answer for the runner and take
the next request, another caller's code and input included.

RAPID moves to its invocation-response state when the headers of a `/response` request arrive,
before it reads the body (`rapi/handler/invocationresponse.go`), and in that state it answers any
other `/next`, `/response` or `/error` with 403 InvalidStateTransition. So, right after its own
`/next`, this loop opens the response (chunked, `Expect: 100-continue`) and waits for RAPID's
`100 Continue`, which Go's server sends only once the handler reads the body, that is after the
state changed. Only then does the handler run; the body follows when it returns. A handler that
fails, and an answer that cannot be delivered, end the process: Lambda then replaces the
environment, and nothing else can answer in the runtime's place (docs/security.md).
"""

from __future__ import annotations

import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

API_VERSION = "2018-06-01"
# Lambda's limit for a synchronous answer. RAPID refuses more (413) and the caller gets
# Function.ResponseSizeTooLarge instead of the answer.
MAX_ANSWER_BYTES = 6 * 1024 * 1024
CLAIM_TIMEOUT_S = 5.0  # RAPID's 100 Continue follows the headers at once; silence means it is not there
SAM_LOCAL_UID, SAM_LOCAL_GID = 993, 990  # Lambda's sbx_user1051


class RuntimeApiError(RuntimeError):
    """The Runtime API refused or broke a request the runtime cannot do without."""


@dataclass(frozen=True)
class Invocation:
    request_id: str
    event: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str | None
    tenant_id: str | None


class LambdaContext:
    """The context object a Python handler gets (what Powertools and the handler read of it)."""

    def __init__(self, invocation: Invocation) -> None:
        self.aws_request_id = invocation.request_id
        self.invoked_function_arn = invocation.function_arn
        self.tenant_id = invocation.tenant_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = invocation.deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


class RuntimeApi:
    """The runtime's side of the Runtime API, over one kept-alive connection."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._connection = http.client.HTTPConnection(host, int(port))
        self._base = f"/{API_VERSION}/runtime"

    def next_invocation(self) -> Invocation:
        """Wait for the next invocation (as long as it takes: Lambda freezes an idle environment)."""
        self._wait_at_most(None)
        self._connection.request("GET", f"{self._base}/invocation/next")
        answer = self._connection.getresponse()
        event = answer.read()
        if answer.status != 200:
            raise RuntimeApiError(f"GET /invocation/next answered {answer.status}: {event[:200]!r}")
        headers = answer.headers
        return Invocation(
            request_id=headers["Lambda-Runtime-Aws-Request-Id"],
            event=event,
            deadline_ms=int(headers.get("Lambda-Runtime-Deadline-Ms", "0")),
            function_arn=headers.get("Lambda-Runtime-Invoked-Function-Arn", ""),
            trace_id=headers.get("Lambda-Runtime-Trace-Id"),
            tenant_id=headers.get("Lambda-Runtime-Aws-Tenant-Id"),
        )

    def claim_answer(self, request_id: str) -> ClaimedAnswer:
        """Open the invocation's response and return once RAPID is in its response state, where
        no other process can read the invocation again or answer it."""
        connection = self._connection
        self._wait_at_most(CLAIM_TIMEOUT_S)
        connection.putrequest("POST", f"{self._base}/invocation/{request_id}/response", skip_accept_encoding=True)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.putheader("Expect", "100-continue")
        connection.endheaders()
        connection.sock.settimeout(CLAIM_TIMEOUT_S)  # connected just now if RAPID had closed it
        interim = _read_interim_head(connection.sock)
        if not interim.startswith(b"HTTP/1.1 100 "):
            raise RuntimeApiError(f"the response of {request_id} could not be claimed: {interim[:200]!r}")
        return ClaimedAnswer(connection)

    def _wait_at_most(self, seconds: float | None) -> None:
        """The timeout of the connection's next exchange: on its kept-alive socket too, which
        keeps the timeout it had (http.client applies `timeout` only to a new socket). Otherwise
        the wait for the next invocation would keep the claim's 5 s, and an environment idle
        longer would lose its runtime."""
        self._connection.timeout = seconds
        if self._connection.sock is not None:
            self._connection.sock.settimeout(seconds)

    def report_init_error(self, error_type: str, message: str) -> None:
        body = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
        self._wait_at_most(CLAIM_TIMEOUT_S)
        self._connection.request("POST", f"{self._base}/init/error", body=body,
                                 headers={"Lambda-Runtime-Function-Error-Type": error_type})
        self._connection.getresponse().read()


class ClaimedAnswer:
    """An invocation's response whose headers RAPID has: only its body is left to send."""

    def __init__(self, connection: http.client.HTTPConnection) -> None:
        self._connection = connection

    def send(self, body: bytes) -> None:
        chunk = f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b""
        self._connection.send(chunk + b"0\r\n\r\n")
        answer = self._connection.getresponse()
        text = answer.read()
        if answer.status != 202:
            raise RuntimeApiError(f"the answer was refused with {answer.status}: {text[:200]!r}")


def _read_interim_head(sock) -> bytes:
    """The interim response's head. Nothing follows it before the body is sent, so reading
    to the blank line takes exactly it."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte:
            raise RuntimeApiError("the Runtime API closed the connection instead of accepting the response")
        head += byte
        if len(head) > 4096:
            break
    return head


def serve(handler: Callable[[Any, LambdaContext], Any], *, retire: Callable[[], bool] = lambda: False) -> None:
    """Answer invocations for ever. `handler(event, context)` returns a JSON-serialisable answer;
    after each answer `retire()` says whether this environment must end (the process exits)."""
    api = RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    while True:
        invocation = api.next_invocation()
        if invocation.trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id  # as Lambda's runtimes set it
        try:
            answer = api.claim_answer(invocation.request_id)
        except (OSError, RuntimeApiError):
            log.exception("could not claim the answer of %s; retiring the environment", invocation.request_id)
            os._exit(1)
        body, healthy = _answer_body(handler, invocation)
        try:
            answer.send(body)
        except (OSError, RuntimeApiError):
            log.exception("could not deliver the answer of %s; retiring the environment", invocation.request_id)
            os._exit(1)
        if not healthy or retire():
            os._exit(0)  # Lambda replaces the environment before another invocation meets it


def _answer_body(handler: Callable[[Any, LambdaContext], Any], invocation: Invocation) -> tuple[bytes, bool]:
    """The answer's bytes, and whether the runtime is still fit to serve. A handler that fails, or
    whose answer is not JSON within Lambda's limit, gets Lambda's error document as its answer."""
    try:
        event = json.loads(invocation.event)
        body = json.dumps(handler(event, LambdaContext(invocation)), separators=(",", ":")).encode()
    except Exception as error:
        log.exception("the handler failed")
        return _error_document(type(error).__name__, str(error)), False
    if len(body) > MAX_ANSWER_BYTES:
        return _error_document("Function.ResponseSizeTooLarge",
                               f"the answer has {len(body)} bytes, more than Lambda's {MAX_ANSWER_BYTES}"), True
    return body, True


def _error_document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message[:1000]}).encode()


def leave_sam_locals_root() -> None:
    """`sam local invoke` runs a function in its container as root (it passes a user only with
    `--mount-with WRITE`); Lambda never does, and the sandbox refuses root. There, and only there
    (AWS_SAM_LOCAL=true), the runtime becomes Lambda's 993:990 before anything else runs: every
    capability leaves the bounding set, then the groups, the gid and the uid go, and all three
    are checked. Root anywhere else stays root, and the sandbox refuses to start."""
    if os.geteuid() != 0 or os.environ.get("AWS_SAM_LOCAL") != "true":
        return
    # Here only: the loop itself needs nothing of the sandbox package.
    from glimpse.sandbox.protections.syscalls import PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, prctl

    with open("/proc/sys/kernel/cap_last_cap") as last:
        for capability in range(int(last.read()) + 1):
            prctl(PR_CAPBSET_DROP, capability)
    if os.getgroups():
        os.setgroups([])
    os.setresgid(SAM_LOCAL_GID, SAM_LOCAL_GID, SAM_LOCAL_GID)
    os.setresuid(SAM_LOCAL_UID, SAM_LOCAL_UID, SAM_LOCAL_UID)
    if os.getresuid() != (SAM_LOCAL_UID,) * 3 or os.getresgid() != (SAM_LOCAL_GID,) * 3 or os.getgroups():
        raise RuntimeError("could not leave root")
    try:
        prctl(PR_SET_NO_NEW_PRIVS, 1)  # no setuid program of the image gives root back
    except PermissionError:
        pass  # a seccomp filter forbids it (as Lambda's does): it stays as the host set it


def main() -> None:
    """Import the handler that _HANDLER names (`module.function`, from the function's code) and
    serve. The module may define `retire_environment()`, asked after each answer. An init failure
    is reported as Lambda's runtimes report it: POST /runtime/init/error, then exit."""
    leave_sam_locals_root()
    handler_name = os.environ.get("_HANDLER", "")
    module_name, _, function_name = handler_name.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        handler = getattr(module, function_name)
    except Exception as error:
        traceback.print_exc()
        RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"]).report_init_error(
            f"Runtime.{type(error).__name__}", f"Unable to load the handler {handler_name!r}: {error}")
        sys.exit(1)
    serve(handler, retire=getattr(module, "retire_environment", lambda: False))


if __name__ == "__main__":
    main()
