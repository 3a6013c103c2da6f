"""The runner's core: from an event to a result, for one language. Knows nothing of AWS."""

from __future__ import annotations

import json
import logging
import runpy
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from glimpse.judge import overall_status, verdict
from glimpse.languages import Recipe, placeholders, version_mismatch
from glimpse.models import (
    DEFAULT_FLOAT_TOLERANCE,
    MIB,
    ExecutionRequest,
    ExecutionResult,
    FieldError,
    Isolation,
    Limits,
    Rejection,
    SourceFile,
    Stage,
    Status,
    TestCase,
    TestResult,
)
from glimpse.sandbox import Command, Outcome, Sandbox, Workspace, encode
from glimpse.sandbox.workspace import SavedFile, WorkspaceTooLarge

log = logging.getLogger(__name__)


# A compile is the service's work on the user's behalf: it gets its own limits, whatever the run's.
COMPILE_LIMITS = Limits(time_ms=20_000, memory_mb=1_024, output_bytes=64 * 1024, processes=128)

# Judge mode (docs/limits.md). All tests together get at most JUDGE_TESTS_MS of wall-clock time,
# and the execution, compile included, at most JUDGE_EXECUTION_MS: with the clean-up, that ends
# inside the runner's Lambda timeout (45 s in template.yaml). Each test's time_ms is cut to what
# is left; a test with less than JUDGE_MIN_TEST_MS left is not run.
JUDGE_TESTS_MS = 30_000
JUDGE_EXECUTION_MS = 40_000
JUDGE_MIN_TEST_MS = 10
# The compiled workspace, kept in the runtime's memory (out of the programs' reach) and written
# again into each test's fresh workspace.
MAX_PROGRAM_FILES = 4096
MAX_PROGRAM_BYTES = 64 * MIB
# The tests' stdout and stderr in the answer (return_outputs), as JSON text: Lambda's synchronous
# answer is at most 6 MB, and the rest of the answer needs room too.
MAX_RETURNED_OUTPUT_CHARS = 2 * MIB


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
        reserved = {self.recipe.seed.into} if self.recipe.seed is not None else set()
        for index, file in enumerate(request.files or []):
            if file.name.split("/")[0] in reserved:
                return FieldError(field=f"files.{index}.name", message=f"{file.name!r} is reserved for the toolchain's cache")
        return None

    def execute(self, request: ExecutionRequest) -> ExecutionResult:
        if request.tests is not None:
            return self._judge(request)
        with self.sandbox.workspace() as workspace:
            try:
                compile_stage, run_stage = self._stages(request, workspace)
            except Exception:  # a bug of ours: logged here, never a stack trace to the caller
                log.exception("execution failed inside the runner")
                compile_stage, run_stage = None, Stage(status=Status.INTERNAL_ERROR, message="the runner failed")
            self._take_back_seed(workspace)
        return ExecutionResult(
            id=request.execution_id(), language=self.recipe.id, version=self.recipe.version,
            status=_overall(compile_stage, run_stage), compile=compile_stage, run=run_stage,
            limits=request.limits, isolation=self.isolation,
        )

    def _stages(self, request: ExecutionRequest, workspace: Workspace) -> tuple[Stage | None, Stage | None]:
        """Write the files, compile if the language compiles, run if that succeeded."""
        compile_stage, values = self._build(request, workspace)
        if values is None:
            return compile_stage, None
        stdin = request.stdin.encode("utf-8", errors="surrogatepass")
        return compile_stage, to_stage(self.sandbox.execute(self._run_command(request, values, stdin, request.limits), workspace))

    def _build(self, request: ExecutionRequest, workspace: Workspace) -> tuple[Stage | None, dict[str, str] | None]:
        """Write the files and compile if the language compiles. Returns the compile stage (or
        the stage that says why nothing could be built) and, when there is something to run,
        the placeholders of its run command."""
        files = request.files or [SourceFile(name=self._main_file(request), content=request.code or "")]
        sent = {file.name for file in files}
        defaults = [(name, text.encode()) for name, text in self.recipe.default_files.items() if name not in sent]
        try:
            workspace.write([(file.name, file.data()) for file in files] + defaults)
            if self.seed_cache is not None:
                self.seed_cache.lend(workspace.path / self.recipe.seed.into)
        except OSError as error:  # a full disk is the service's failure, not the program's
            return Stage(status=Status.INTERNAL_ERROR, message=f"could not write the files: {error.strerror}"), None
        values = self._placeholders(files[0].name, workspace.path, request.limits.memory_mb)
        sources = [file.name for file in files if Path(file.name).suffix.lower() in self.recipe.extensions]
        compile_stage = None
        if self.recipe.compile is not None:
            compile_stage = self._compile(sources, values, workspace)
            if self.seed_cache is not None:
                self.seed_cache.seal(workspace.path / self.recipe.seed.into)
            if compile_stage.status != Status.OK:
                return compile_stage, None
        return compile_stage, values

    def _main_file(self, request: ExecutionRequest) -> str:
        return request.files[0].name if request.files else self.recipe.file_name

    def _run_command(self, request: ExecutionRequest, values: dict[str, str], stdin: bytes, limits: Limits) -> Command:
        run = self.recipe.run
        return Command(
            argv=run.argv(values, extra=request.args), limits=limits, env=run.environment(values), stdin=stdin,
            address_space_limit=self.recipe.address_space_limit,
            out_of_memory_markers=tuple(self.recipe.out_of_memory_markers),
        )

    def _take_back_seed(self, workspace: Workspace) -> None:
        if self.seed_cache is not None:
            self.seed_cache.take_back(workspace.path / self.recipe.seed.into)

    def _judge(self, request: ExecutionRequest) -> ExecutionResult:
        """Judge mode: compile once, then run each test in a workspace of its own, written afresh
        from the compiled one, with the sweep and its verification between tests."""
        started = time.monotonic()
        program: list[SavedFile] = []
        with self.sandbox.workspace() as workspace:
            try:
                compile_stage, values = self._build(request, workspace)
                if values is not None:
                    leave_out = {self.recipe.seed.into} if self.recipe.seed is not None else set()
                    program = workspace.save(leave_out, MAX_PROGRAM_FILES, MAX_PROGRAM_BYTES)
            except WorkspaceTooLarge:
                values, compile_stage = None, (compile_stage or Stage(status=Status.OK)).model_copy(update={
                    "status": Status.COMPILE_ERROR,
                    "message": f"the program is too large for judge mode: more than {MAX_PROGRAM_FILES} files "
                               f"or {MAX_PROGRAM_BYTES // MIB} MiB, sources included, to run again for each test",
                })
            except Exception:  # a bug of ours: logged here, never a stack trace to the caller
                log.exception("judge mode failed inside the runner")
                values, compile_stage = None, Stage(status=Status.INTERNAL_ERROR, message="the runner failed")
            self._take_back_seed(workspace)
        result = ExecutionResult(
            id=request.execution_id(), language=self.recipe.id, version=self.recipe.version,
            status=Status.INTERNAL_ERROR, compile=compile_stage, limits=request.limits, isolation=self.isolation,
        )
        if values is None:
            result.status = compile_stage.status if compile_stage is not None else Status.INTERNAL_ERROR
            return result
        carried = {name: values[name] for name in ("main_class",) if name in values}  # learnt by the compile
        deadline = min(started + JUDGE_EXECUTION_MS / 1000, time.monotonic() + JUDGE_TESTS_MS / 1000)
        result.tests = self._run_tests(request, program, carried, deadline)
        result.status = overall_status(test.status for test in result.tests)
        return result

    def _run_tests(self, request: ExecutionRequest, program: list[SavedFile], carried: dict[str, str], deadline: float) -> list[TestResult]:
        results: list[TestResult] = []
        returned = Returned(MAX_RETURNED_OUTPUT_CHARS)
        failed = False
        for index, case in enumerate(request.tests):
            left_ms = int((deadline - time.monotonic()) * 1000)
            if failed and request.stop_on_first_failure:
                results.append(TestResult(index=index, status=Status.SKIPPED, message="not run: an earlier test failed (stop_on_first_failure)"))
            elif left_ms < JUDGE_MIN_TEST_MS:
                results.append(TestResult(index=index, status=Status.TIME_LIMIT, message=f"not run: the tests' total time of {JUDGE_TESTS_MS} ms "
                                          f"(or the execution's {JUDGE_EXECUTION_MS} ms, compile included) was used up"))
            elif not self.sandbox.clean:  # what the last test left could not be removed: it would be seen
                results.append(TestResult(index=index, status=Status.INTERNAL_ERROR, message="not run: the environment could not be proven clean after the previous test"))
            else:
                try:
                    results.append(self._run_test(request, index, case, program, carried, left_ms, returned))
                except Exception:  # a bug of ours: this test failed, the next one starts clean again
                    log.exception("a judge test failed inside the runner")
                    results.append(TestResult(index=index, status=Status.INTERNAL_ERROR, message="the runner failed"))
            failed = failed or results[-1].status not in (Status.ACCEPTED, Status.SKIPPED)
        return results

    def _run_test(self, request: ExecutionRequest, index: int, case: TestCase, program: list[SavedFile],
                  carried: dict[str, str], left_ms: int, returned: Returned) -> TestResult:
        limits = request.limits
        cut = left_ms < limits.time_ms  # the request's budget, not its time_ms, bounds this test
        if cut:
            limits = limits.model_copy(update={"time_ms": left_ms})
        with self.sandbox.workspace() as workspace:
            try:
                workspace.write(program)
            except OSError as error:
                return TestResult(index=index, status=Status.INTERNAL_ERROR, message=f"could not write the program: {error.strerror}")
            values = self._placeholders(self._main_file(request), workspace.path, limits.memory_mb) | carried
            stdin = case.stdin.encode("utf-8", errors="surrogatepass")
            outcome = self.sandbox.execute(self._run_command(request, values, stdin, limits), workspace)
        tolerance = request.float_tolerance if request.float_tolerance is not None else DEFAULT_FLOAT_TOLERANCE
        expected = case.expected_stdout.encode("utf-8", errors="surrogatepass")
        status = verdict(outcome.status, expected, outcome.stdout, request.compare, tolerance)
        message = outcome.message
        if cut and status == Status.TIME_LIMIT:
            message = f"stopped when the tests' total time of {JUDGE_TESTS_MS} ms (or the execution's {JUDGE_EXECUTION_MS} ms) ran out"
        result = TestResult(
            index=index, status=status, time_ms=outcome.time_ms, cpu_ms=outcome.cpu_ms, memory_kb=outcome.memory_kb,
            exit_code=outcome.exit_code, signal=outcome.signal, message=message, truncated=outcome.truncated,
        )
        if request.return_outputs:
            returned.attach(result, outcome)
        return result

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


class Returned:
    """The tests' outputs in the answer, up to a number of characters of JSON text in all (what
    the answer really carries: control characters and non-ASCII are escaped, binary is base64).
    A test whose outputs do not fit has none, and its message says so."""

    def __init__(self, max_chars: int):
        self.left = max_chars

    def attach(self, result: TestResult, outcome: Outcome) -> None:
        stdout, stdout_encoding = encode(outcome.stdout, outcome.truncated)
        stderr, stderr_encoding = encode(outcome.stderr, outcome.truncated)
        size = len(json.dumps(stdout)) + len(json.dumps(stderr))
        if size > self.left:
            self.left = 0  # later tests' outputs would come back in a haphazard order of sizes
            note = "outputs not returned: the answer's room for test outputs is used up"
            result.message = f"{result.message}; {note}" if result.message else note
            return
        self.left -= size
        result.stdout, result.stdout_encoding, result.stderr, result.stderr_encoding = stdout, stdout_encoding, stderr, stderr_encoding


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
