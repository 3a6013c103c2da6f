"""The runner's core: from an event to a result, for one language. Knows nothing of AWS."""

from __future__ import annotations

import logging
import runpy
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from glimpse.languages import Recipe, placeholders
from glimpse.models import (
    ExecutionRequest,
    Limits,
    ExecutionResult,
    FieldError,
    Isolation,
    Rejection,
    SourceFile,
    Stage,
    Status,
)
from glimpse.sandbox import Command, Outcome, Sandbox, Workspace, encode

log = logging.getLogger(__name__)


# A compile is the service's work on the user's behalf: it gets its own limits, whatever the run's.
COMPILE_LIMITS = Limits(time_ms=20_000, memory_mb=1_024, output_bytes=64 * 1024, processes=128)


class Runner:
    def __init__(self, recipe: Recipe, sandbox: Sandbox, profile: str, toolchains: Path = Path("/opt")):
        self.recipe = recipe
        self.sandbox = sandbox
        self.isolation = Isolation(profile=profile, protections=sandbox.protection_names)
        self.toolchains = toolchains
        self.seed_cache = None
        if recipe.seed is not None:
            script = recipe.seed.install.format_map(self._placeholders("", Path("/"), 0))
            install = runpy.run_path(script)["install"]  # loaded once: it is the layer's own code
            self.seed_cache = sandbox.seed_cache(install, recipe.id)
        self.compiler = None
        if recipe.compile is not None and recipe.compile.server is not None:
            self.compiler = sandbox.warm_compiler(recipe.compile.server_argv(self._placeholders("", Path("/"), 0)))
            self.compiler.start()  # its JVM boots while the runtime waits for the first event

    def _placeholders(self, main: str, workspace: Path, memory_mb: int) -> dict[str, str]:
        return placeholders(main=main, toolchains=self.toolchains, workspace=workspace, memory_mb=memory_mb)

    def handle(self, event: Any) -> dict[str, Any]:
        """Answer an event: a result document, or a rejection when the event is not runnable."""
        try:
            request = ExecutionRequest.model_validate(event)
        except ValidationError as error:
            return _rejection(error).model_dump(mode="json")
        problem = self._unsupported(request)
        if problem is not None:
            return Rejection(message=f"{problem.field}: {problem.message}", fields=[problem]).model_dump(mode="json")
        return self.execute(request).model_dump(mode="json", exclude_none=True)

    def _unsupported(self, request: ExecutionRequest) -> FieldError | None:
        recipe = self.recipe
        if request.language.lower() not in (recipe.id, *recipe.aliases):
            return FieldError(field="language", message=f"this runner runs {recipe.id}, not {request.language!r}")
        if not recipe.accepts_version(request.version):
            return FieldError(field="version", message=f"{recipe.id} is at version {recipe.version}, not {request.version!r}")
        if request.tests is not None:
            return FieldError(field="tests", message="judge mode is not available yet")
        reserved = {self.recipe.seed.into} if self.recipe.seed is not None else set()
        for index, file in enumerate(request.files or []):
            if file.name.split("/")[0] in reserved:
                return FieldError(field=f"files.{index}.name", message=f"{file.name!r} is reserved for the toolchain's cache")
        return None

    def execute(self, request: ExecutionRequest) -> ExecutionResult:
        with self.sandbox.workspace() as workspace:
            try:
                compile_stage, run_stage = self._stages(request, workspace)
            except Exception:  # a bug of ours: logged here, never a stack trace to the caller
                log.exception("execution failed inside the runner")
                compile_stage, run_stage = None, Stage(status=Status.INTERNAL_ERROR, message="the runner failed")
            if self.seed_cache is not None:
                self.seed_cache.take_back(workspace.path / self.recipe.seed.into)
        return ExecutionResult(
            id=request.execution_id(), language=self.recipe.id, version=self.recipe.version,
            status=_overall(compile_stage, run_stage), compile=compile_stage, run=run_stage,
            limits=request.limits, isolation=self.isolation,
        )

    def _stages(self, request: ExecutionRequest, workspace: Workspace) -> tuple[Stage | None, Stage | None]:
        """Write the files, compile if the language compiles, run if that succeeded."""
        files = request.files or [SourceFile(name=self.recipe.file_name, content=request.code or "")]
        sent = {file.name for file in files}
        defaults = [(name, text.encode()) for name, text in self.recipe.default_files.items() if name not in sent]
        try:
            workspace.write([(file.name, file.data()) for file in files] + defaults)
            if self.seed_cache is not None:
                self.seed_cache.lend(workspace.path / self.recipe.seed.into)
        except OSError as error:  # a full disk is the service's failure, not the program's
            return None, Stage(status=Status.INTERNAL_ERROR, message=f"could not write the files: {error.strerror}")
        values = self._placeholders(files[0].name, workspace.path, request.limits.memory_mb)
        sources = [file.name for file in files if Path(file.name).suffix.lower() in self.recipe.extensions]
        compile_stage = None
        if self.recipe.compile is not None:
            compile_stage = self._compile(sources, values, workspace)
            if self.seed_cache is not None:
                self.seed_cache.seal(workspace.path / self.recipe.seed.into)
            if compile_stage.status != Status.OK:
                return compile_stage, None
        run = self.recipe.run
        command = Command(
            argv=run.argv(values, extra=request.args), limits=request.limits, env=run.environment(values),
            stdin=request.stdin.encode("utf-8", errors="surrogatepass"),
            address_space_limit=self.recipe.address_space_limit,
            out_of_memory_markers=tuple(self.recipe.out_of_memory_markers),
        )
        return compile_stage, to_stage(self.sandbox.execute(command, workspace))

    def _compile(self, sources: list[str], values: dict[str, str], workspace: Workspace) -> Stage:
        step = self.recipe.compile
        if self.compiler is not None:
            stage = self._compile_in_server(step, sources, values, workspace)
        else:
            command = Command(argv=step.argv(values, sources=sources), limits=COMPILE_LIMITS, env=step.environment(values))
            stage = to_stage(self.sandbox.execute(command, workspace))
        if stage.status not in (Status.OK, Status.INTERNAL_ERROR):
            stage.status = Status.COMPILE_ERROR
        # Compilers name files by their absolute paths, or relative to their own directory (the
        # warm compiler's is /); the user knows them relative to the workspace.
        for prefix in (f"{workspace.path}/", f"{workspace.path.relative_to('/')}/"):
            stage.stdout, stage.stderr = (text.replace(prefix, "") for text in (stage.stdout, stage.stderr))
        return stage

    def _compile_in_server(self, step, sources: list[str], values: dict[str, str], workspace: Workspace) -> Stage:
        output = workspace.path / step.output
        if not output.suffix:
            output.mkdir()  # a class directory
        answer = self.compiler.compile(
            self.recipe.id, output, [workspace.path / source for source in sources], COMPILE_LIMITS.time_ms / 1000
        )
        messages, status = answer.messages, answer.status
        if status == "ok" and answer.main_class is None:
            messages, status = messages + f"{sources[0]}: no main function to run\n".encode(), "error"
        values["main_class"] = answer.main_class or ""
        limit = COMPILE_LIMITS.output_bytes
        stderr, encoding = encode(messages[:limit], truncated=len(messages) > limit)
        statuses = {"ok": Status.OK, "time_limit": Status.TIME_LIMIT, "unavailable": Status.INTERNAL_ERROR}
        return Stage(
            status=statuses.get(status, Status.COMPILE_ERROR), stderr=stderr, stderr_encoding=encoding,
            exit_code=0 if status == "ok" else 1, time_ms=answer.time_ms, cpu_ms=answer.cpu_ms,
            truncated=len(messages) > limit,
        )


def to_stage(outcome: Outcome) -> Stage:
    stdout, stdout_encoding = encode(outcome.stdout, outcome.truncated)
    stderr, stderr_encoding = encode(outcome.stderr, outcome.truncated)
    return Stage(
        status=outcome.status, stdout=stdout, stderr=stderr, stdout_encoding=stdout_encoding,
        stderr_encoding=stderr_encoding, exit_code=outcome.exit_code, signal=outcome.signal,
        time_ms=outcome.time_ms, cpu_ms=outcome.cpu_ms, memory_kb=outcome.memory_kb,
        truncated=outcome.truncated, message=outcome.message,
    )


def _overall(compile_stage: Stage | None, run_stage: Stage | None) -> Status:
    if compile_stage is not None and compile_stage.status != Status.OK:
        return compile_stage.status
    return run_stage.status if run_stage is not None else Status.INTERNAL_ERROR


def _rejection(error: ValidationError) -> Rejection:
    fields = [
        FieldError(field=".".join(str(part) for part in item["loc"]) or "event", message=item["msg"])
        for item in error.errors(include_input=False, include_url=False)
    ]
    summary = "; ".join(f"{item.field}: {item.message}" for item in fields[:5])
    return Rejection(message=f"invalid request: {summary}", fields=fields)
