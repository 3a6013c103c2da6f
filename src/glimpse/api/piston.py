"""Piston's API (engineer-man/piston, api/v2), so its clients work unchanged:
`POST /api/v2/execute` and `GET /api/v2/runtimes`, with the request and response shapes of its
documentation.

Where Glimpse differs: each language has one version, so `version` selects nothing (the response
names the version that ran); `compile_timeout`, `*_cpu_time` and `compile_memory_limit` are
accepted and not used (one `time_ms` bounds each stage, from `run_timeout`; CPU time is capped at
the same number of seconds); `output` is stdout then stderr, not their interleaving.
"""

from __future__ import annotations

import base64
import math
from typing import Literal

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel, Field

from glimpse.api.compat import contract_request, problem, stage_text
from glimpse.api.errors import ApiError, InvalidRequest
from glimpse.api.executions import Executions
from glimpse.api.routing import ApiRouter, EndUser, documented_errors, json_response
from glimpse.languages import Recipe
from glimpse.models import MIB, ExecutionRequest, ExecutionResult, Stage, Status


class PistonFile(BaseModel):
    name: str | None = Field(default=None, description="the file's name; the first file is the main one")
    content: str
    encoding: Literal["base64", "hex", "utf8"] = "utf8"


class PistonExecuteRequest(BaseModel):
    language: str = Field(max_length=32, description="a language or one of its aliases, as /api/v2/runtimes lists them")
    version: str = Field(default="*", max_length=32, description="accepted; each language has one version here")
    files: list[PistonFile] = Field(min_length=1)
    stdin: str = ""
    args: list[str] = Field(default_factory=list)
    compile_timeout: int | None = Field(default=None, ge=1)
    run_timeout: int | None = Field(default=None, ge=1, description="milliseconds; the time limit of each stage")
    compile_cpu_time: int | None = Field(default=None, ge=1)
    run_cpu_time: int | None = Field(default=None, ge=1)
    compile_memory_limit: int | None = Field(default=None, ge=-1)
    run_memory_limit: int | None = Field(default=None, ge=-1, description="bytes; -1 for the default")


class PistonStage(BaseModel):
    stdout: str
    stderr: str
    output: str
    code: int | None
    signal: str | None
    message: str | None
    status: Literal["RE", "SG", "TO", "OL", "EL", "XX"] | None
    cpu_time: int
    wall_time: int
    memory: int = Field(description="bytes")


class PistonExecuteResponse(BaseModel):
    language: str
    version: str
    run: PistonStage | None = Field(default=None, description="absent when the compile stage failed")
    compile: PistonStage | None = Field(default=None, description="present for compiled languages")

    def document(self) -> dict:
        """Piston leaves out a stage that did not happen, and keeps a stage's null fields."""
        return {key: value for key, value in self.model_dump(mode="json").items() if value is not None}


class PistonRuntime(BaseModel):
    language: str
    version: str
    aliases: list[str]


def runtime(recipe: Recipe) -> PistonRuntime:
    return PistonRuntime(language=recipe.id, version=recipe.version, aliases=recipe.aliases)


def execution_request(request: PistonExecuteRequest, recipe: Recipe) -> ExecutionRequest:
    files = []
    for index, file in enumerate(request.files):
        name = file.name or (recipe.file_name if index == 0 else f"file{index}")
        content, encoding = file.content, "utf8"
        if file.encoding != "utf8":
            content, encoding = _base64(file.content, file.encoding, index), "base64"
        files.append({"name": name, "content": content, "encoding": encoding})
    limits = {}
    if request.run_timeout is not None:
        limits["time_ms"] = request.run_timeout
    if request.run_memory_limit is not None and request.run_memory_limit > 0:
        limits["memory_mb"] = math.ceil(request.run_memory_limit / MIB)
    return contract_request({"language": recipe.id, "files": files, "stdin": request.stdin, "args": request.args, "limits": limits},
                            renamed={"limits": "run_timeout"})


def response(result: ExecutionResult) -> PistonExecuteResponse:
    return PistonExecuteResponse(
        language=result.language, version=result.version,
        run=_stage(result.run) if result.run else None,
        compile=_stage(result.compile) if result.compile else None,
    )


def error_response(error: ApiError, request_id: str) -> Response:
    """Piston answers every problem with the request as 400 {"message"}."""
    status = 400 if isinstance(error, InvalidRequest) else int(error.status)
    return Response(status, content_types.APPLICATION_JSON, {"message": error.message, "request_id": request_id}, headers=error.headers())


def piston_router(executions: Executions) -> ApiRouter:
    router = ApiRouter(error_response)

    @router.post("/api/v2/execute", summary="Piston's execute", tags=["Piston"],
                 responses={200: {"description": "Piston's result", "content": {content_types.APPLICATION_JSON: {"model": PistonExecuteResponse}}},
                            **documented_errors(400, 403, 413, 429, 502, 504)})
    def piston_execute(request: PistonExecuteRequest, end_user: EndUser = None):
        recipe = executions.recipe(request.language)  # Piston's version selects nothing: each language has one
        result = executions.run(recipe, execution_request(request, recipe), router.tenant(end_user),
                                request_id=router.request_id(), route="piston")
        return json_response(200, response(result).document())

    @router.get("/api/v2/runtimes", summary="Piston's runtimes", tags=["Piston"], responses=documented_errors(403))
    def piston_runtimes() -> list[PistonRuntime]:
        return [runtime(recipe) for recipe in executions.deployed()]

    return router


def _base64(content: str, encoding: str, index: int) -> str:
    if encoding == "base64":
        return content
    try:
        return base64.b64encode(bytes.fromhex(content)).decode()
    except ValueError:
        raise InvalidRequest.for_field(f"files.{index}.content", "is not valid hex") from None


# Piston's two-letter statuses (isolate's): runtime error, signal, timeout, output limit, internal.
_STATUS: dict[Status, Literal["RE", "SG", "TO", "OL", "XX"]] = {
    Status.TIME_LIMIT: "TO", Status.OUTPUT_LIMIT: "OL", Status.MEMORY_LIMIT: "SG", Status.INTERNAL_ERROR: "XX",
}


def _stage(stage: Stage) -> PistonStage:
    stdout, stderr = stage_text(stage, "stdout"), stage_text(stage, "stderr")
    status = None
    if stage.status != Status.OK:
        status = _STATUS.get(stage.status) or ("SG" if stage.signal else "RE")
    signal = stage.signal or ("SIGKILL" if status in ("TO", "OL") else None)
    return PistonStage(
        stdout=stdout, stderr=stderr, output=stdout + stderr,
        code=None if signal else stage.exit_code, signal=signal, message=problem(stage), status=status,
        cpu_time=stage.cpu_ms, wall_time=stage.time_ms, memory=stage.memory_kb * 1024,
    )
