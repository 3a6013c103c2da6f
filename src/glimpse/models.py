"""The public contract, version 1 (docs/api.md): what a runner receives and what it answers.

Every byte of a request is hostile, so the models bound every size and every count, and the
limits a caller asks for are capped at the server's maxima rather than trusted.
"""

from __future__ import annotations

import base64
import binascii
import enum
import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from glimpse.paths import check_relative_name

KIB = 1024
MIB = 1024 * KIB

MAX_FILES = 64
MAX_SOURCE_BYTES = 2 * MIB  # all files together, decoded; Lambda's synchronous payload cap is 6 MB
MAX_STDIN_BYTES = 2 * MIB
MAX_ARGS = 64
MAX_ARG_CHARS = 4096
MAX_TESTS = 64
# Judge mode (docs/limits.md). An expected output longer than the largest output a run may keep
# could never match; all tests' input and expected output together stay well inside Lambda's
# 6 MB payload beside 2 MiB of sources.
MAX_EXPECTED_BYTES = 1 * MIB
MAX_TESTS_BYTES = 3 * MIB
DEFAULT_FLOAT_TOLERANCE = 1e-6
MAX_FLOAT_TOLERANCE = 1.0


class Strict(BaseModel):
    """A request model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Answer(BaseModel):
    """A model of a runner's answer. The router reads it from a Lambda environment where untrusted
    code ran, so it is checked as strictly as a request: unknown fields are an error and every
    size is bounded (docs/security.md)."""

    model_config = ConfigDict(extra="forbid")


# What one output stream of an answer may hold: the largest output a run keeps, as base64.
MAX_STREAM_CHARS = 4 * (1 * MIB // 3 + 1)
MAX_MESSAGE_CHARS = 2000
MAX_COUNT = 10**12  # any time in ms, CPU time or memory in KiB a real run reports is far below
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Stream = Annotated[str, Field(max_length=MAX_STREAM_CHARS)]
Message = Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]
SignalName = Annotated[str, Field(pattern=r"^SIG[A-Z0-9+-]{1,12}$")]
ExitCode = Annotated[int, Field(ge=-(2**31), lt=2**31)]


class LimitBound(BaseModel):
    """The default and the server maximum of one limit."""

    default: int
    maximum: int


# Defaults and server maxima, documented in docs/limits.md. Asking for more than a maximum is
# not an error: the limit is capped at the maximum and the result reports what was applied.
LIMIT_BOUNDS: dict[str, LimitBound] = {
    "time_ms": LimitBound(default=5_000, maximum=30_000),
    "memory_mb": LimitBound(default=256, maximum=2_048),
    "output_bytes": LimitBound(default=64 * KIB, maximum=1 * MIB),
    "processes": LimitBound(default=64, maximum=256),
}


def _capped(name: str):
    bound = LIMIT_BOUNDS[name]
    return Annotated[
        int,
        Field(default=bound.default, ge=1, description=f"default {bound.default}, maximum {bound.maximum}"),
        AfterValidator(lambda value: min(value, bound.maximum)),
    ]


class Limits(Strict):
    time_ms: _capped("time_ms")
    memory_mb: _capped("memory_mb")
    output_bytes: _capped("output_bytes")
    processes: _capped("processes")

    def cut_to(self, time_ms: int) -> Limits:
        """These limits with at most `time_ms` (at least 1) of time: what a budget has left."""
        return self if time_ms >= self.time_ms else self.model_copy(update={"time_ms": max(time_ms, 1)})


class SourceFile(Strict):
    name: Annotated[str, AfterValidator(check_relative_name)]
    content: str = Field(max_length=4 * MAX_SOURCE_BYTES)
    encoding: Literal["utf8", "base64"] = "utf8"

    @model_validator(mode="after")
    def _decodable(self) -> SourceFile:
        self.data()  # raises ValueError, reported against this file
        return self

    def data(self) -> bytes:
        if self.encoding == "utf8":
            return self.content.encode("utf-8", errors="surrogatepass")
        try:
            return base64.b64decode(self.content, validate=True)
        except binascii.Error as error:
            raise ValueError(f"content is not valid base64: {error}") from None


def _utf8_size(value: str) -> int:
    return len(value.encode("utf-8", errors="surrogatepass"))


def _at_most_bytes(limit: int):
    def check(value: str) -> str:
        if _utf8_size(value) > limit:
            raise ValueError(f"must be at most {limit} bytes")
        return value

    return AfterValidator(check)


class TestCase(Strict):
    """One test of judge mode: the program's stdin, and the stdout it must print."""

    __test__ = False  # not a pytest test class, whatever its name

    stdin: Annotated[str, Field(default="", max_length=MAX_STDIN_BYTES), _at_most_bytes(MAX_STDIN_BYTES)]
    expected_stdout: Annotated[str, Field(max_length=MAX_EXPECTED_BYTES), _at_most_bytes(MAX_EXPECTED_BYTES)]


class Compare(enum.StrEnum):
    """How judge mode compares a test's stdout with its expected_stdout (docs/api.md)."""

    EXACT = "exact"  # the same bytes
    TRIM = "trim"  # the same, once trailing whitespace of each line and trailing blank lines are ignored
    TOKENS = "tokens"  # the same whitespace-separated tokens
    FLOAT = "float"  # tokens, numbers within float_tolerance (absolute or relative)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Argument = Annotated[str, Field(max_length=MAX_ARG_CHARS), AfterValidator(_no_nul)]
MAX_COMPILE_OPTIONS = 16
CompileOption = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_no_nul)]


class ExecutionRequest(Strict):
    """The runner event, and the body of POST /v1/executions."""

    id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    language: str = Field(min_length=1, max_length=32)
    version: str | None = Field(default=None, max_length=32)
    code: str | None = Field(default=None, max_length=MAX_SOURCE_BYTES)
    files: list[SourceFile] | None = Field(default=None, min_length=1, max_length=MAX_FILES)
    # Before stdin: stdin's check reads it (a field's validator sees only the fields before it).
    tests: list[TestCase] | None = Field(default=None, min_length=1, max_length=MAX_TESTS,
                                         description="judge mode: compile once, run once per test")
    stdin: str = Field(default="", max_length=MAX_STDIN_BYTES)
    args: list[Argument] = Field(default_factory=list, max_length=MAX_ARGS)
    compile_options: list[CompileOption] = Field(
        default_factory=list, max_length=MAX_COMPILE_OPTIONS,
        description="options for the compiler, each one the language allows (GET /v1/languages: compile_options)",
    )
    limits: Limits = Field(default_factory=Limits)
    # Judge mode's options; each is refused without `tests`.
    compare: Compare = Compare.TRIM
    float_tolerance: float | None = Field(
        default=None, ge=0, le=MAX_FLOAT_TOLERANCE, allow_inf_nan=False,
        description=f"compare=float only; default {DEFAULT_FLOAT_TOLERANCE}, absolute or relative to the expected number",
    )
    stop_on_first_failure: bool = Field(default=False, description="later tests are not run, and listed as skipped")
    return_outputs: bool = Field(default=False, description="each test result carries its stdout and stderr")

    @model_validator(mode="after")
    def _one_source(self) -> ExecutionRequest:
        if (self.code is None) == (self.files is None):
            raise ValueError("give exactly one of `code` or `files`")
        if self.files is not None:
            names = [file.name for file in self.files]
            if len(set(names)) != len(names):
                raise ValueError("files: two files have the same name")
            if sum(len(file.data()) for file in self.files) > MAX_SOURCE_BYTES:
                raise ValueError(f"files: more than {MAX_SOURCE_BYTES} bytes in all")
        return self

    @field_validator("stdin")
    @classmethod
    def _stdin_size(cls, value: str, info: ValidationInfo) -> str:
        if _utf8_size(value) > MAX_STDIN_BYTES:
            raise ValueError(f"must be at most {MAX_STDIN_BYTES} bytes")
        if value and info.data.get("tests") is not None:
            raise ValueError("not allowed with `tests`: each test has its own `stdin`")
        return value

    @field_validator("tests")
    @classmethod
    def _tests_size(cls, value: list[TestCase] | None) -> list[TestCase] | None:
        total = sum(_utf8_size(test.stdin) + _utf8_size(test.expected_stdout) for test in value or [])
        if total > MAX_TESTS_BYTES:
            raise ValueError(f"more than {MAX_TESTS_BYTES} bytes of stdin and expected_stdout in all")
        return value

    @field_validator("compare", "float_tolerance", "stop_on_first_failure", "return_outputs")
    @classmethod
    def _judge_options(cls, value, info: ValidationInfo):
        default = cls.model_fields[info.field_name].default
        if value != default and "tests" in info.data and info.data["tests"] is None:
            raise ValueError("only with `tests` (judge mode)")
        if info.field_name == "float_tolerance" and value is not None and info.data.get("compare") not in (None, Compare.FLOAT):
            raise ValueError("only with `compare`: \"float\"")
        return value

    def execution_id(self) -> str:
        return self.id or uuid.uuid4().hex


class Status(enum.StrEnum):
    OK = "ok"
    COMPILE_ERROR = "compile_error"
    RUNTIME_ERROR = "runtime_error"
    TIME_LIMIT = "time_limit"
    MEMORY_LIMIT = "memory_limit"
    OUTPUT_LIMIT = "output_limit"
    INTERNAL_ERROR = "internal_error"
    # judge mode verdicts
    ACCEPTED = "accepted"
    WRONG_ANSWER = "wrong_answer"
    SKIPPED = "skipped"  # a test not run, after a failure with stop_on_first_failure


@dataclass(frozen=True)
class Measurements:
    """How one run ended and what it used, as the sandbox measured it: the record that goes from
    the sandbox to the result, where a stage and a test result report each field under its name."""

    exit_code: int | None = None
    signal: str | None = None  # a name such as SIGKILL
    time_ms: int = 0  # wall-clock time, from spawn to exit
    cpu_ms: int = 0  # of every reaped descendant, and of the processes the sweep killed
    memory_kb: int = 0  # peak, of the whole process tree
    truncated: bool = False  # a stream went over its output_bytes

    def reported(self) -> dict[str, int | str | bool | None]:
        """The fields, as keyword arguments of Stage and TestResult."""
        return vars(self)


class Stage(Answer):
    """One stage (compile or run) of an execution."""

    status: Status
    stdout: Stream = ""
    stderr: Stream = ""
    # "utf8" when the bytes were valid UTF-8 (as is), else "base64" (the exact bytes, encoded).
    stdout_encoding: Literal["utf8", "base64"] = "utf8"
    stderr_encoding: Literal["utf8", "base64"] = "utf8"
    exit_code: ExitCode | None = None
    signal: SignalName | None = None
    time_ms: Count = 0
    cpu_ms: Count = 0
    memory_kb: Count = 0
    truncated: bool = False
    message: Message | None = Field(default=None, description="why the stage ended, when not by itself")


class TestResult(Answer):
    """One test of judge mode: its verdict and its run's accounts. stdout and stderr are there only
    when the request asked for them (`return_outputs`)."""

    __test__ = False  # not a pytest test class, whatever its name

    index: int = Field(ge=0, lt=MAX_TESTS, description="the test's position in the request's `tests`, from 0")
    status: Status
    time_ms: Count = 0
    cpu_ms: Count = 0
    memory_kb: Count = 0
    exit_code: ExitCode | None = None
    signal: SignalName | None = None
    message: Message | None = Field(default=None, description="why the test ended or was not run, when not by itself")
    truncated: bool = False
    stdout: Stream | None = None
    stderr: Stream | None = None
    stdout_encoding: Literal["utf8", "base64"] | None = None
    stderr_encoding: Literal["utf8", "base64"] | None = None


class Isolation(Answer):
    profile: str = Field(max_length=16, pattern=r"^[a-z-]+$")
    protections: list[Annotated[str, Field(max_length=32, pattern=r"^[a-z_]+$")]] = Field(max_length=32)


class ExecutionResult(Answer):
    id: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    language: str = Field(max_length=32)
    version: str = Field(max_length=32)
    status: Status
    compile: Stage | None = None
    run: Stage | None = None
    tests: list[TestResult] | None = Field(default=None, max_length=MAX_TESTS)
    limits: Limits
    isolation: Isolation


def _cut(limit: int):
    """A string kept to `limit` characters: a field error may quote the name of an unknown field,
    which the request chose, and must never fail to be made for it."""
    return BeforeValidator(lambda value: value[:limit] if isinstance(value, str) else value)


class FieldError(Answer):
    field: Annotated[str, _cut(200)]
    message: Annotated[str, _cut(MAX_MESSAGE_CHARS)]


class Rejection(Answer):
    """The runner's answer to an event it will not run: nothing was written, nothing ran."""

    error: Literal["invalid_request"] = "invalid_request"
    message: Annotated[str, _cut(MAX_MESSAGE_CHARS)]
    fields: list[FieldError] = Field(default_factory=list, max_length=100)

    @classmethod
    def of_errors(cls, errors: list[dict], renamed: dict[str, str] | None = None) -> Rejection:
        """pydantic's errors (a ValidationError's, or Powertools' RequestValidationError's, whose
        places start with body, header or query) as the fields they name, the first few summed up
        in the message; `renamed` gives a field another name. The input that failed is never
        quoted: it may be the caller's code."""
        fields = []
        for error in errors:
            location = [str(part) for part in error["loc"]]
            if location[:1] in (["body"], ["header"], ["query"]):
                location = location[1:]
            field = ".".join(location) or "body"
            head = field.split(".", 1)[0]
            if renamed and head in renamed:
                field = renamed[head] + field[len(head):]
            fields.append(FieldError(field=field, message=str(error.get("msg", error["type"])).removeprefix("Value error, ")))
        return cls(message="invalid request: " + "; ".join(f"{item.field}: {item.message}" for item in fields[:5]), fields=fields)
