"""What the compatibility APIs (Judge0's, Piston's and the original Glimpse's) need: their request
as the contract's, and from a result a stage's output as text and a sentence for why a stage did
not end well."""

from __future__ import annotations

import base64
from typing import Literal

from pydantic import ValidationError

from glimpse.api.errors import refusal
from glimpse.models import ExecutionRequest, Stage, Status, TestResult


def stage_text(stage: Stage, stream: Literal["stdout", "stderr"]) -> str:
    """The stream as text: bytes that are not UTF-8 (sent base64-encoded) become U+FFFD, as these
    APIs only carry strings."""
    return stream_bytes(stage, stream).decode("utf-8", errors="replace")


def stream_bytes(output: Stage | TestResult, stream: Literal["stdout", "stderr"]) -> bytes:
    """The bytes a stage or a test's run wrote on the stream (a test's, when it kept its outputs)."""
    value = getattr(output, stream) or ""
    if getattr(output, f"{stream}_encoding") == "base64":
        return base64.b64decode(value)
    return value.encode("utf-8", errors="surrogatepass")


def problem(stage: Stage | TestResult) -> str | None:
    """Why the stage ended badly, in words; None when it ended well."""
    if stage.status == Status.OK:
        return None
    if stage.message:
        return stage.message
    if stage.signal:
        return f"killed by {stage.signal}"
    if stage.exit_code:
        return f"exited with code {stage.exit_code}"
    return str(stage.status)


def contract_request(document: dict, renamed: dict[str, str]) -> ExecutionRequest:
    """A compatibility API's request as the contract's, validated once; a 422 names each field
    with the API's own name for it (`renamed`: the contract's name → the API's)."""
    try:
        return ExecutionRequest.model_validate(document)
    except ValidationError as error:
        raise refusal(error.errors(include_input=False), renamed) from None
