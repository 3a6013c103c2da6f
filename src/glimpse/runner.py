"""The runner's core: from an event to a result, for one language. Knows nothing of AWS.

A plain run writes the files, builds them (glimpse.toolchain) and runs the program once; judge
mode (glimpse.judge) builds once and runs the program against each test."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from glimpse.judge import Judge
from glimpse.languages import Recipe, version_mismatch
from glimpse.models import (
    ExecutionRequest,
    ExecutionResult,
    FieldError,
    Isolation,
    Rejection,
    Stage,
    Status,
    TestResult,
)
from glimpse.sandbox import Sandbox, Workspace
from glimpse.toolchain import Toolchain

log = logging.getLogger(__name__)


class Runner:
    def __init__(self, recipe: Recipe, sandbox: Sandbox, profile: str, toolchains: Path = Path("/opt")):
        self.recipe = recipe
        self.sandbox = sandbox
        self.isolation = Isolation(profile=profile, protections=sandbox.protection_names)
        self.toolchain = Toolchain(recipe, sandbox, toolchains)
        self.judge = Judge(self.toolchain, sandbox)

    def handle(self, event: Any) -> dict[str, Any]:
        """Answer an event: a result document, or a rejection when the event is not runnable."""
        try:
            request = ExecutionRequest.model_validate(event)
        except ValidationError as error:
            return Rejection.of_errors(error.errors(include_input=False, include_url=False)).model_dump(mode="json")
        problem = self._unsupported(request)
        if problem is not None:
            return Rejection(message=f"{problem.field}: {problem.message}", fields=[problem]).model_dump(mode="json")
        return self.execute(request).model_dump(mode="json", exclude_none=True)

    def _unsupported(self, request: ExecutionRequest) -> FieldError | None:
        recipe = self.recipe
        if request.language.lower() not in (recipe.id, *recipe.aliases):
            return FieldError(field="language", message=f"this runner runs {recipe.id}, not {request.language!r}")
        mismatch = version_mismatch(recipe, request.version)
        if mismatch is not None:
            return FieldError(field="version", message=mismatch)
        refused = recipe.option_refusal(request.compile_options)
        if refused is not None:
            return FieldError(field="compile_options", message=refused)
        reserved = {self.recipe.seed.into} if self.recipe.seed is not None else set()
        for index, file in enumerate(request.files or []):
            if file.name.split("/")[0] in reserved:
                return FieldError(field=f"files.{index}.name", message=f"{file.name!r} is reserved for the toolchain's cache")
        return None

    def execute(self, request: ExecutionRequest) -> ExecutionResult:
        if request.tests is not None:
            judged = self.judge.judge(request)
            return self._result(request, judged.status, compile=judged.compile, tests=judged.tests)
        compile_stage, run_stage = self._run(request)
        return self._result(request, _overall(compile_stage, run_stage), compile=compile_stage, run=run_stage)

    def _run(self, request: ExecutionRequest) -> tuple[Stage | None, Stage | None]:
        """Write the files, compile if the language compiles, run if that succeeded, all within the
        execution's time (`SandboxSettings.execution_ms`)."""
        started = time.monotonic()
        with self.sandbox.workspace() as workspace:
            try:
                compile_stage, values = self.toolchain.build(request, workspace)
                run_stage = None
                if values is not None:
                    run_stage = self._run_built(request, values, workspace, started)
            except Exception:  # a bug of ours: logged here, never a stack trace to the caller
                log.exception("execution failed inside the runner")
                compile_stage, run_stage = None, Stage(status=Status.INTERNAL_ERROR, message="the runner failed")
            self.toolchain.take_back_seed(workspace)
        return compile_stage, run_stage

    def _run_built(self, request: ExecutionRequest, values: dict[str, str], workspace: Workspace, started: float) -> Stage:
        execution_ms = self.sandbox.settings.execution_ms
        limits = request.limits.cut_to(execution_ms - int((time.monotonic() - started) * 1000))
        stdin = request.stdin.encode("utf-8", errors="surrogatepass")
        stage = self.sandbox.execute(self.toolchain.run_command(request, values, stdin, limits), workspace).stage()
        if limits is not request.limits and stage.status == Status.TIME_LIMIT:  # the compile took the rest
            stage = stage.model_copy(update={"message": f"stopped when the execution's {execution_ms} ms, compile included, ran out"})
        return stage

    def _result(self, request: ExecutionRequest, status: Status, **parts: Stage | list[TestResult] | None) -> ExecutionResult:
        return ExecutionResult(
            id=request.execution_id(), language=self.recipe.id, version=self.recipe.version, status=status,
            limits=request.limits, isolation=self.isolation, **parts,
        )


def _overall(compile_stage: Stage | None, run_stage: Stage | None) -> Status:
    if compile_stage is not None and compile_stage.status != Status.OK:
        return compile_stage.status
    return run_stage.status if run_stage is not None else Status.INTERNAL_ERROR
