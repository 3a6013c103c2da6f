"""What the two compatibility APIs (Piston's and the original Glimpse's) both need: their request
as the contract's, and from a result a stage's output as text and a sentence for why a stage did
not end well."""

from __future__ import annotations

import base64
from typing import Literal

from pydantic import ValidationError

from glimpse.api.errors import refusal
from glimpse.models import ExecutionRequest, Stage, Status


def stage_text(stage: Stage, stream: Literal["stdout", "stderr"]) -> str:
    """The stream as text: bytes that are not UTF-8 (sent base64-encoded) become U+FFFD, as these
    APIs only carry strings."""
    value = getattr(stage, stream)
    if getattr(stage, f"{stream}_encoding") == "base64":
        return base64.b64decode(value).decode("utf-8", errors="replace")
    return value


def problem(stage: Stage) -> str | None:
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
