"""The original Glimpse's API, so its clients switch by changing the base URL:
`POST /run-code-lambda` {language: py|js|c|go|kt|..., code, input} → {statusCode, body: {output,
error, executionTime}} (the shapes of the original README)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel, Field

from glimpse.api.compat import contract_request, problem, stage_text
from glimpse.api.errors import ApiError
from glimpse.api.executions import Executions
from glimpse.api.routing import ApiRouter, EndUser, documented_errors
from glimpse.languages import catalogue
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
    """The language name the original's code stands for: it named languages by file extension (no
    extension is another language's id or alias); an id or alias is passed on as it is, and so is
    an unknown code, which the router's language check names."""
    for recipe in catalogue().recipes:
        if f".{code.lower()}" in recipe.extensions:
            return recipe.id
    return code


def execution_request(request: OriginalRunRequest) -> ExecutionRequest:
    return contract_request({"language": language_for_code(request.language), "code": request.code, "stdin": request.input or ""},
                            renamed={"stdin": "input"})


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


def error_response(error: ApiError, request_id: str) -> Response:
    """The original's shape, with the HTTP status in `statusCode` too."""
    body = {"statusCode": int(error.status), "body": {"output": None, "error": error.message, "executionTime": None},
            "request_id": request_id}
    return Response(int(error.status), content_types.APPLICATION_JSON, body, headers=error.headers())


def original_router(executions: Executions) -> ApiRouter:
    router = ApiRouter(error_response)

    @router.post("/run-code-lambda", summary="The original Glimpse's route", tags=["original Glimpse"],
                 responses=documented_errors(400, 403, 413, 422, 429, 502, 504))
    def run_code_lambda(request: OriginalRunRequest, end_user: EndUser = None) -> OriginalRunResponse:
        execution = execution_request(request)
        result = executions.run(executions.recipe(execution.language), execution, router.tenant(end_user),
                                request_id=router.request_id(), route="original")
        return response(result)

    return router
