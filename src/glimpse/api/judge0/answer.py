"""A stored execution as Judge0 CE 1.13 answers a submission: its fields (all of them for
`fields=*`, eight by default), its status from Judge0's table of 14, its texts base64-encoded
when the caller asks. Only Judge0's own field names appear: its Python SDK refuses any other.

Judge0 has no status for a memory or an output limit: a memory_limit is 12, Runtime Error
(Other), and an output_limit is 8, Runtime Error (SIGXFSZ), which is what Judge0 answers when a
program writes past its max_file_size (docs/compat.md).
"""

from __future__ import annotations

import base64
import signal
import time
from typing import Any

from glimpse.api.compat import problem, stream_bytes
from glimpse.api.store import StoredExecution
from glimpse.models import ExecutionResult, Stage, Status, TestResult

# Judge0's statuses (app/enumerations/status.rb), by id.
STATUSES = {
    1: "In Queue", 2: "Processing", 3: "Accepted", 4: "Wrong Answer", 5: "Time Limit Exceeded", 6: "Compilation Error",
    7: "Runtime Error (SIGSEGV)", 8: "Runtime Error (SIGXFSZ)", 9: "Runtime Error (SIGFPE)", 10: "Runtime Error (SIGABRT)",
    11: "Runtime Error (NZEC)", 12: "Runtime Error (Other)", 13: "Internal Error", 14: "Exec Format Error",
}
IN_QUEUE, PROCESSING, ACCEPTED, WRONG_ANSWER, COMPILATION_ERROR, OTHER_ERROR, INTERNAL_ERROR = 1, 2, 3, 4, 6, 12, 13
_BY_STATUS = {Status.OK: ACCEPTED, Status.ACCEPTED: ACCEPTED, Status.WRONG_ANSWER: WRONG_ANSWER, Status.TIME_LIMIT: 5,
              Status.OUTPUT_LIMIT: 8, Status.MEMORY_LIMIT: OTHER_ERROR, Status.INTERNAL_ERROR: INTERNAL_ERROR}
_BY_SIGNAL = {"SIGSEGV": 7, "SIGBUS": 7, "SIGXFSZ": 8, "SIGFPE": 9, "SIGABRT": 10}
NZEC = 11

DEFAULT_FIELDS = ("token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status")
# Judge0 1.13's serializer: the submissions table's columns, status and language.
ALL_FIELDS = (
    "source_code", "language_id", "stdin", "expected_output", "stdout", "status_id", "created_at", "finished_at", "time", "memory",
    "stderr", "token", "number_of_runs", "cpu_time_limit", "cpu_extra_time", "wall_time_limit", "memory_limit", "stack_limit",
    "max_processes_and_or_threads", "enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit",
    "max_file_size", "compile_output", "exit_code", "exit_signal", "message", "wall_time", "compiler_options",
    "command_line_arguments", "redirect_stderr_to_stdout", "callback_url", "additional_files", "enable_network", "status", "language",
)
_TEXTS = ("stdout", "stderr", "compile_output", "message", "source_code", "stdin", "expected_output")
# Decimal columns in Judge0: JSON strings.
_SECONDS = ("cpu_time_limit", "cpu_extra_time", "wall_time_limit")
NOT_UTF8 = "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter"


class NotUtf8(Exception):
    """An output that is not UTF-8, asked for as text."""


def fields_wanted(requested: str | None) -> tuple[str, ...]:
    """The fields a `fields` parameter names: Judge0's default eight when empty, all for `*`;
    raises ValueError with Judge0's message for unknown ones."""
    if not requested:
        return DEFAULT_FIELDS
    if requested.strip() == "*":
        return ALL_FIELDS
    names = tuple(name.strip() for name in requested.split(","))
    unknown = [name for name in names if name not in ALL_FIELDS]
    if unknown:
        raise ValueError(f"invalid fields: [{', '.join(unknown)}]")
    return names


def submission_document(stored: StoredExecution, names: tuple[str, ...], *, encoded: bool, language_name: str) -> dict[str, Any]:
    """The submission's `names` fields; raises NotUtf8 when an output is not text and not `encoded`."""
    client = stored.client or {}
    settings = client.get("settings", {})
    document: dict[str, Any] = {name: None for name in ALL_FIELDS}
    document |= {name: settings.get(name) for name in ALL_FIELDS if name in settings}
    document |= {name: f"{settings[name]:.1f}" for name in _SECONDS if name in settings}
    language_id = client.get("language_id")
    document |= {"token": stored.id, "language_id": language_id, "language": {"id": language_id, "name": language_name},
                 "created_at": _timestamp(stored.created_ms), "finished_at": _timestamp(stored.finished_ms)}
    document |= _outcome(stored, redirect=bool(settings.get("redirect_stderr_to_stdout")))
    document["status_id"] = document["status"]["id"]
    return {name: _encoded(document[name], encoded) if name in _TEXTS else document[name] for name in names}


def _outcome(stored: StoredExecution, *, redirect: bool) -> dict[str, Any]:
    if stored.state != "finished" or stored.result is None:
        return {"status": _status(IN_QUEUE if stored.state == "queued" else PROCESSING)}
    if stored.result.get("status") == "failed":  # it never ran: the router's or the dispatcher's error
        return {"status": _status(INTERNAL_ERROR), "message": stored.result.get("message", "").encode()}
    result = ExecutionResult.model_validate(stored.result)
    if result.compile is not None and result.compile.status != Status.OK:
        return _compile_failure(result.compile)
    ran = result.tests[0] if result.tests else result.run
    if ran is None:
        return {"status": _status(INTERNAL_ERROR), "message": str(result.status).encode()}
    stdout, stderr = stream_bytes(ran, "stdout"), stream_bytes(ran, "stderr")
    if redirect:  # stdout then stderr: the two streams are captured apart, not interleaved
        stdout, stderr = stdout + stderr, b""
    status = _run_status(ran)
    message = problem(ran) if status not in (ACCEPTED, WRONG_ANSWER) else None
    return {"status": _status(status), "stdout": stdout, "stderr": stderr, "message": (message or "").encode(),
            "time": f"{ran.cpu_ms / 1000:.3f}", "wall_time": f"{ran.time_ms / 1000:.3f}", "memory": ran.memory_kb,
            "exit_code": 0 if ran.exit_code is None and ran.signal is None else ran.exit_code,
            "exit_signal": _signal_number(ran.signal), "compile_output": _compile_output(result.compile)}


def _compile_failure(stage: Stage) -> dict[str, Any]:
    if stage.status == Status.TIME_LIMIT:
        output = b"Compilation time limit exceeded."
    else:
        output = _compile_output(stage) or (problem(stage) or "").encode()
    return {"status": _status(COMPILATION_ERROR), "compile_output": output}


def _compile_output(stage: Stage | None) -> bytes:
    return b"" if stage is None else stream_bytes(stage, "stdout") + stream_bytes(stage, "stderr")


def _run_status(ran: Stage | TestResult) -> int:
    if ran.status == Status.RUNTIME_ERROR:
        return _BY_SIGNAL.get(ran.signal or "", OTHER_ERROR if ran.signal else NZEC)
    return _BY_STATUS.get(ran.status, INTERNAL_ERROR)


def _status(status_id: int) -> dict[str, Any]:
    return {"id": status_id, "description": STATUSES[status_id]}


def _signal_number(name: str | None) -> int | None:
    try:
        return signal.Signals[name].value if name else None
    except KeyError:
        return None


def _timestamp(epoch_ms: int | None) -> str | None:
    """Rails' form, which Judge0's SDK parses: milliseconds and a Z."""
    if not epoch_ms:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_ms / 1000)) + f".{epoch_ms % 1000:03d}Z"


def _encoded(value: bytes | str | None, encoded: bool) -> str | None:
    """A text field as Judge0 answers it: null when empty, else base64 or the text itself."""
    data = value.encode() if isinstance(value, str) else value
    if not data:
        return None
    if encoded:
        return base64.b64encode(data).decode()
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise NotUtf8(NOT_UTF8) from None
