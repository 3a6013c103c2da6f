"""The original Glimpse's API, so its clients switch by changing the base URL:
`POST /run-code-lambda` {language: py|js|c|go|kt|..., code, input} → {statusCode, body: {output,
error, executionTime}} (the shapes of the original README)."""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationError

from glimpse.api.compat import problem, stage_text
from glimpse.api.errors import ApiError, InvalidRequest, field_errors
from glimpse.languages import UnknownLanguage, catalogue
from glimpse.models import ExecutionRequest, ExecutionResult


class OriginalRunRequest(BaseModel):
    language: str = Field(max_length=32, description="a file extension (py, js, c, go, kt, ts, cpp, java), or a language id or alias")
    code: str
    input: str | None = Field(default=None, description="what the program reads on standard input")


class OriginalRunBody(BaseModel):
    output: str | None = Field(description="the program's standard output")
    error: str | None = Field(description="its standard error, or why it did not end well; null when all went well")
    executionTime: int | None = Field(description="the run's wall-clock time in milliseconds")  # noqa: N815 (the original's name)


class OriginalRunResponse(BaseModel):
    statusCode: int  # noqa: N815 (the original's name)
    body: OriginalRunBody


def language_for_code(code: str) -> str:
    """The original named languages by file extension; an id or alias works too."""
    try:
        return catalogue().get(code).id
    except UnknownLanguage:
        pass
    for recipe in catalogue().recipes:
        if f".{code.lower()}" in recipe.extensions:
            return recipe.id
    return code  # unknown: the router's language check names it


def execution_request(request: OriginalRunRequest) -> ExecutionRequest:
    try:
        return ExecutionRequest.model_validate(
            {"language": language_for_code(request.language), "code": request.code, "stdin": request.input or ""}
        )
    except ValidationError as error:
        fields = field_errors(error.errors(include_input=False), renamed={"stdin": "input"})
        raise InvalidRequest("; ".join(f"{item.field}: {item.message}" for item in fields), fields) from None


def response(result: ExecutionResult) -> OriginalRunResponse:
    run, compile_stage = result.run, result.compile
    if compile_stage is not None and run is None:  # it did not compile: that is the error
        error = stage_text(compile_stage, "stderr") or problem(compile_stage)
        return OriginalRunResponse(statusCode=200, body=OriginalRunBody(output="", error=error or None, executionTime=None))
    if run is None:
        return OriginalRunResponse(statusCode=200, body=OriginalRunBody(output="", error=str(result.status), executionTime=None))
    errors = [text for text in (stage_text(run, "stderr"), problem(run)) if text]
    return OriginalRunResponse(statusCode=200, body=OriginalRunBody(
        output=stage_text(run, "stdout"), error="\n".join(errors) or None, executionTime=run.time_ms))


def error_document(error: ApiError, request_id: str) -> dict:
    return {"statusCode": int(error.status), "body": {"output": None, "error": error.message, "executionTime": None},
            "request_id": request_id}
