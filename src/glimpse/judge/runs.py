"""Judge mode's runs: compile once, then run each test in a workspace of its own, written afresh
from the compiled one, with the sweep and its verification between tests, all within the
request's time budgets (docs/limits.md, `JudgeBudgets`)."""

from __future__ import annotations

import logging
import time
from typing import NamedTuple

from glimpse.judge.outputs import ReturnedOutputs
from glimpse.judge.verdicts import overall_status, verdict
from glimpse.models import DEFAULT_FLOAT_TOLERANCE, MIB, ExecutionRequest, Stage, Status, TestCase, TestResult
from glimpse.sandbox import Sandbox
from glimpse.sandbox.workspace import SavedFile, WorkspaceTooLarge
from glimpse.toolchain import Toolchain

log = logging.getLogger(__name__)

# Placeholders of the run command that the compile learnt, not the test's workspace.
LEARNT_BY_THE_COMPILE = ("main_class",)


class Program(NamedTuple):
    """What every test runs: the compiled workspace's files, and what the compile learnt."""

    files: list[SavedFile]
    learnt: dict[str, str]


class Judged(NamedTuple):
    status: Status
    compile: Stage | None
    tests: list[TestResult] | None  # None when nothing could be built


class Judge:
    def __init__(self, toolchain: Toolchain, sandbox: Sandbox):
        self.toolchain = toolchain
        self.sandbox = sandbox
        self.budgets = sandbox.settings.judge
        self.execution_ms = sandbox.settings.execution_ms

    def judge(self, request: ExecutionRequest) -> Judged:
        started = time.monotonic()
        compile_stage, program = self._build(request)
        if program is None:
            return Judged(compile_stage.status if compile_stage is not None else Status.INTERNAL_ERROR, compile_stage, None)
        deadline = min(started + self.execution_ms / 1000, time.monotonic() + self.budgets.tests_ms / 1000)
        tests = self._run_tests(request, program, deadline)
        return Judged(overall_status(test.status for test in tests), compile_stage, tests)

    def _build(self, request: ExecutionRequest) -> tuple[Stage | None, Program | None]:
        budgets = self.budgets
        compile_stage, program = None, None
        with self.sandbox.workspace() as workspace:
            try:
                compile_stage, values = self.toolchain.build(request, workspace)
                if values is not None:
                    files = workspace.save(self.toolchain.own_names, budgets.program_files, budgets.program_bytes)
                    program = Program(files, {name: values[name] for name in LEARNT_BY_THE_COMPILE if name in values})
            except WorkspaceTooLarge:
                compile_stage = (compile_stage or Stage(status=Status.OK)).model_copy(update={
                    "status": Status.COMPILE_ERROR,
                    "message": f"the program is too large for judge mode: more than {budgets.program_files} files "
                               f"or {budgets.program_bytes // MIB} MiB, sources included, to run again for each test",
                })
            except Exception:  # a bug of ours: logged here, never a stack trace to the caller
                log.exception("judge mode failed inside the runner")
                compile_stage = Stage(status=Status.INTERNAL_ERROR, message="the runner failed")
            self.toolchain.take_back_seed(workspace)
        return compile_stage, program

    def _run_tests(self, request: ExecutionRequest, program: Program, deadline: float) -> list[TestResult]:
        results: list[TestResult] = []
        returned = ReturnedOutputs(self.budgets.returned_output_chars)
        failed = False
        for index, case in enumerate(request.tests):
            left_ms = int((deadline - time.monotonic()) * 1000)
            reason = self._not_run(left_ms, failed and request.stop_on_first_failure)
            if reason is not None:
                results.append(TestResult(index=index, status=reason[0], message=f"not run: {reason[1]}"))
            else:
                try:
                    results.append(self._run_test(request, index, case, program, left_ms, returned))
                except Exception:  # a bug of ours: this test failed, the next one starts clean again
                    log.exception("a judge test failed inside the runner")
                    results.append(TestResult(index=index, status=Status.INTERNAL_ERROR, message="the runner failed"))
            failed = failed or results[-1].status not in (Status.ACCEPTED, Status.SKIPPED)
        return results

    def _not_run(self, left_ms: int, stopped: bool) -> tuple[Status, str] | None:
        """Why the next test is not run, if it is not."""
        if stopped:
            return Status.SKIPPED, "an earlier test failed (stop_on_first_failure)"
        if left_ms < self.budgets.min_test_ms:
            return Status.TIME_LIMIT, (f"the tests' total time of {self.budgets.tests_ms} ms "
                                       f"(or the execution's {self.execution_ms} ms, compile included) was used up")
        if not self.sandbox.clean:  # what the last test left could not be removed: it would be seen
            return Status.INTERNAL_ERROR, "the environment could not be proven clean after the previous test"
        return None

    def _run_test(self, request: ExecutionRequest, index: int, case: TestCase, program: Program, left_ms: int,
                  returned: ReturnedOutputs) -> TestResult:
        limits = request.limits.cut_to(left_ms)
        cut = limits is not request.limits  # the request's budget, not its time_ms, bounds this test
        toolchain = self.toolchain
        with self.sandbox.workspace() as workspace:
            try:
                workspace.write(program.files)
            except OSError as error:
                return TestResult(index=index, status=Status.INTERNAL_ERROR, message=f"could not write the program: {error.strerror}")
            values = toolchain.placeholders(toolchain.main_file(request), workspace.path, limits.memory_mb) | program.learnt
            stdin = case.stdin.encode("utf-8", errors="surrogatepass")
            outcome = self.sandbox.execute(toolchain.run_command(request, values, stdin, limits), workspace)
        tolerance = request.float_tolerance if request.float_tolerance is not None else DEFAULT_FLOAT_TOLERANCE
        expected = case.expected_stdout.encode("utf-8", errors="surrogatepass")
        status = verdict(outcome.status, expected, outcome.stdout, request.compare, tolerance)
        message = outcome.message
        if cut and status == Status.TIME_LIMIT:
            message = (f"stopped when the tests' total time of {self.budgets.tests_ms} ms "
                       f"(or the execution's {self.execution_ms} ms) ran out")
        result = TestResult(index=index, status=status, message=message, **outcome.measured.reported())
        if request.return_outputs:
            returned.attach(result, outcome)
        return result
