"""A Judge0 CE submission (the body of its POST /submissions) and what it becomes here: an
execution request of the contract, and the small document kept beside its result to answer in
Judge0's terms (docs/compat.md).

Judge0's limits map onto the contract's: its CPU and wall-clock limits onto the one `time_ms`
(the smaller of the two: it bounds both wall-clock and CPU time here), `memory_limit` (KB) onto
`memory_mb`, `max_file_size` (KB; Judge0 bounds the output with it) onto `output_bytes`,
`max_processes_and_or_threads` onto `processes`. A value over what this deployment allows is a
422 naming the field, as Judge0 answers one over its maxima.
"""

from __future__ import annotations

import base64
import binascii
import math
import shlex
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from glimpse.api.asynchronous import Submission
from glimpse.api.errors import InvalidRequest, refusal
from glimpse.api.judge0.files import additional_files
from glimpse.languages import Recipe
from glimpse.models import KIB, LIMIT_BOUNDS, MAX_SOURCE_BYTES, Limits

STACK_KB = 8 * KIB  # the sandbox's RLIMIT_STACK, whatever stack_limit asks
MAX_OUTPUT_KB = LIMIT_BOUNDS["output_bytes"].maximum // KIB
MAX_MEMORY_KB = LIMIT_BOUNDS["memory_mb"].maximum * KIB
MIN_MEMORY_KB = 2048  # Judge0's own minimum
MAX_CPU_EXTRA_TIME_S = 5.0  # accepted up to Judge0's maximum, and not used: time_ms has no grace period
# Judge0's names for the contract's fields, in the errors a request gets.
_RENAMED = {"files": "additional_files", "tests": "expected_output", "args": "command_line_arguments",
            "compile_options": "compiler_options"}


class Judge0Submission(BaseModel):
    """Judge0's submission fields. Unknown fields are refused (Judge0 ignores them), so a typo is
    not a silent default; numbers may arrive as floats or numeric strings, as Judge0's clients send
    them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_code: str = Field(description="base64 when base64_encoded=true")
    language_id: int = Field(description="Judge0's id of the language: GET /languages lists them")
    compiler_options: str | None = Field(default=None, max_length=512, description="split as a shell would; each option one "
                                                                                  "the language allows (docs/languages.md)")
    command_line_arguments: str | None = Field(default=None, max_length=512, description="split as a shell would")
    stdin: str | None = None
    expected_output: str | None = Field(default=None, description="the run is Accepted (3) or Wrong Answer (4)")
    cpu_time_limit: float | None = Field(default=None, ge=0, allow_inf_nan=False, description="seconds")
    cpu_extra_time: float | None = Field(default=None, ge=0, le=MAX_CPU_EXTRA_TIME_S, allow_inf_nan=False)
    wall_time_limit: float | None = Field(default=None, ge=0, allow_inf_nan=False, description="seconds")
    memory_limit: int | None = Field(default=None, ge=MIN_MEMORY_KB, le=MAX_MEMORY_KB, description="KB")
    stack_limit: int | None = Field(default=None, ge=0, le=128_000, description="KB; the stack is 8 MB whatever it says")
    max_processes_and_or_threads: int | None = Field(default=None, ge=1, le=LIMIT_BOUNDS["processes"].maximum)
    enable_per_process_and_thread_time_limit: bool | None = None
    enable_per_process_and_thread_memory_limit: bool | None = None
    max_file_size: int | None = Field(default=None, ge=1, le=MAX_OUTPUT_KB, description="KB of output")
    redirect_stderr_to_stdout: bool | None = None
    enable_network: bool | None = None
    number_of_runs: int | None = Field(default=None, ge=1, le=1, description="one run: several are not averaged here")
    additional_files: str | None = Field(default=None, description="a zip, base64 whatever base64_encoded says")
    callback_url: str | None = Field(default=None, max_length=2048)

    def submission(self, recipe: Recipe, *, encoded: bool, max_time_s: float) -> Submission:
        """The contract's request (with its callback), or an InvalidRequest naming Judge0's field."""
        self._check_switches()
        source = _decoded("source_code", self.source_code, encoded)
        files = [{"name": recipe.file_name, "content": base64.b64encode(source).decode(), "encoding": "base64"}]
        if self.additional_files:
            files += additional_files(self.additional_files, taken={recipe.file_name}, room=MAX_SOURCE_BYTES - len(source))
        stdin = _text("stdin", self.stdin, encoded)
        document: dict[str, Any] = {"language": recipe.id, "files": files, "args": self._arguments(), "limits": self._limits(max_time_s),
                                    "compile_options": self._compile_options(recipe)}
        if self.expected_output is not None:
            document |= {"tests": [{"stdin": stdin, "expected_stdout": _text("expected_output", self.expected_output, encoded)}],
                         "return_outputs": True}
        else:
            document["stdin"] = stdin
        if self.callback_url is not None:
            document["callback_url"] = self.callback_url
        try:
            return Submission.model_validate(document)
        except ValidationError as error:
            raise refusal(error.errors(include_input=False), _RENAMED) from None

    def settings(self, limits: Limits) -> dict[str, Any]:
        """The limits and switches as applied (`limits`: the validated request's), for Judge0's
        fields of the same names; never the code or its input."""
        return {
            "cpu_time_limit": limits.time_ms / 1000, "cpu_extra_time": 0.0, "wall_time_limit": limits.time_ms / 1000,
            "memory_limit": limits.memory_mb * KIB, "stack_limit": STACK_KB, "max_processes_and_or_threads": limits.processes,
            "enable_per_process_and_thread_time_limit": False, "enable_per_process_and_thread_memory_limit": False,
            "max_file_size": limits.output_bytes // KIB,
            "redirect_stderr_to_stdout": bool(self.redirect_stderr_to_stdout), "enable_network": False, "number_of_runs": 1,
            "compiler_options": self.compiler_options, "callback_url": self.callback_url,
        }

    def _check_switches(self) -> None:
        refused = {"enable_per_process_and_thread_time_limit": "this option cannot be enabled",
                   "enable_per_process_and_thread_memory_limit": "this option cannot be enabled",
                   "enable_network": "enabling network is not allowed"}
        for name, message in refused.items():
            if getattr(self, name):
                raise InvalidRequest.for_field(name, message)

    def _compile_options(self, recipe: Recipe) -> list[str]:
        """The options, split as a shell would; each must be one the language allows."""
        options = _split("compiler_options", self.compiler_options)
        refused = recipe.option_refusal(options)
        if refused is not None:
            raise InvalidRequest.for_field("compiler_options", refused)
        return options

    def _arguments(self) -> list[str]:
        return _split("command_line_arguments", self.command_line_arguments)

    def _limits(self, max_time_s: float) -> dict[str, int]:
        limits = {}
        times = {name: value for name in ("cpu_time_limit", "wall_time_limit") if (value := getattr(self, name)) is not None}
        for name, value in times.items():
            if value > max_time_s:
                raise InvalidRequest.for_field(name, f"must be less than or equal to {max_time_s}")
        if times:
            limits["time_ms"] = max(1, math.ceil(min(times.values()) * 1000))
        if self.memory_limit is not None:
            limits["memory_mb"] = math.ceil(self.memory_limit / KIB)
        if self.max_file_size is not None:
            limits["output_bytes"] = self.max_file_size * KIB
        if self.max_processes_and_or_threads is not None:
            limits["processes"] = self.max_processes_and_or_threads
        return limits


def _split(field: str, value: str | None) -> list[str]:
    try:
        return shlex.split(value or "")
    except ValueError as error:
        raise InvalidRequest.for_field(field, f"cannot be split into arguments: {error}") from None


def _decoded(field: str, value: str, encoded: bool) -> bytes:
    if not encoded:
        return value.encode("utf-8", errors="surrogatepass")
    try:  # Ruby's encoder, Judge0's own, breaks lines every 60 characters
        return base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
    except binascii.Error:
        raise InvalidRequest.for_field(field, "is not valid base64 (base64_encoded=true)") from None


def _text(field: str, value: str | None, encoded: bool) -> str:
    """A text field: the contract carries stdin and expected output as UTF-8 text."""
    try:
        return _decoded(field, value or "", encoded).decode()
    except UnicodeDecodeError:
        raise InvalidRequest.for_field(field, "is not UTF-8 once decoded from base64") from None

