"""Judge mode's budgets and bookkeeping, and the execution's budget in a plain run, with a stand-in sandbox: the runner's own logic, fast.
(The real sandbox runs in tests/runner/test_judge_runner.py and tests/languages/test_judge_languages.py.)"""

import json
import time
from contextlib import contextmanager

import pytest

from glimpse.languages import catalogue
from glimpse.models import Measurements, Status
from glimpse.runner import Runner
from glimpse.sandbox import JudgeBudgets, Outcome, SandboxSettings, Workspace


class StandInSandbox:
    """Runs nothing: a test's stdin says what its run does ("sleep" uses all of its time limit,
    "bug" raises, "dirty" leaves the environment unproven, "flood" prints 1 000 control
    characters, "measured" is echoed with measurements, anything else is echoed)."""

    protection_names = ["stand_in"]

    def __init__(self, scratch, settings):
        self.scratch = scratch
        self.settings = settings
        self.clean = True
        self.runs = []

    @contextmanager
    def workspace(self):
        yield Workspace(self.scratch)

    def execute(self, command, workspace):
        self.runs.append(command)
        if command.stdin == b"sleep":
            time.sleep(command.limits.time_ms / 1000)
            return Outcome(Status.TIME_LIMIT, message="stopped after the time limit", measured=Measurements(time_ms=command.limits.time_ms))
        if command.stdin == b"bug":
            raise RuntimeError("a bug of the runner's")
        if command.stdin == b"dirty":
            self.clean = False
        if command.stdin == b"flood":
            return Outcome(Status.OK, stdout=b"\x01" * 1000, measured=Measurements(exit_code=0))
        if command.stdin == b"measured":
            return Outcome(Status.OK, stdout=b"measured", measured=Measurements(exit_code=0, time_ms=17, cpu_ms=15, memory_kb=24256))
        return Outcome(Status.OK, stdout=command.stdin, measured=Measurements(exit_code=0))


@pytest.fixture
def judge_with(tmp_path):
    """A judge whose budgets are the defaults, but for the ones given (`execution_ms` the
    execution's, the others judge mode's)."""

    def judge(execution_ms=SandboxSettings.execution_ms, **budgets):
        sandbox = StandInSandbox(tmp_path, SandboxSettings(execution_ms=execution_ms, judge=JudgeBudgets(**budgets)))
        runner = Runner(catalogue().get("python"), sandbox, profile="stand-in")

        def submit(*stdins: str, **options) -> dict:
            tests = [{"stdin": stdin, "expected_stdout": stdin} for stdin in stdins]
            return runner.handle({"language": "python", "code": "", "tests": tests, **options})

        submit.sandbox = sandbox
        return submit

    return judge


@pytest.fixture
def judge(judge_with):
    return judge_with()


def test_each_test_runs_with_the_requests_limits_and_args(judge):
    result = judge("a", "b", limits={"time_ms": 700, "memory_mb": 100}, args=["x", "y"])
    assert [test["status"] for test in result["tests"]] == ["accepted", "accepted"]
    for command in judge.sandbox.runs:
        assert command.limits.time_ms == 700 and command.limits.memory_mb == 100
        assert command.argv[-2:] == ["x", "y"]


def test_tests_beyond_the_total_budget_are_not_run(judge_with):
    judge = judge_with(tests_ms=500)
    started = time.monotonic()
    result = judge("ok", "sleep", "ok", limits={"time_ms": 2000})
    assert time.monotonic() - started < 1.5
    first, cut, unrun = result["tests"]
    assert first["status"] == "accepted"
    # the budget, not the test's own 2 000 ms, stopped it, and the message says so
    assert cut["status"] == "time_limit" and cut["time_ms"] < 500 and "total time of 500 ms" in cut["message"]
    assert unrun["status"] == "time_limit" and unrun["message"].startswith("not run:") and unrun["time_ms"] == 0
    assert result["status"] == "time_limit"
    assert len(judge.sandbox.runs) == 2


def test_the_execution_budget_counts_the_compile(judge_with):
    judge = judge_with(execution_ms=0)
    result = judge("ok")
    assert result["tests"][0]["status"] == "time_limit" and "not run" in result["tests"][0]["message"]
    assert judge.sandbox.runs == []


def test_a_plain_run_is_cut_to_what_is_left_of_the_execution(tmp_path):
    sandbox = StandInSandbox(tmp_path, SandboxSettings(execution_ms=300))
    runner = Runner(catalogue().get("python"), sandbox, profile="stand-in")
    result = runner.handle({"language": "python", "code": "", "stdin": "sleep", "limits": {"time_ms": 2000}})
    assert sandbox.runs[-1].limits.time_ms <= 300
    assert result["status"] == "time_limit"
    assert result["run"]["message"] == "stopped when the execution's 300 ms, compile included, ran out"
    assert result["limits"]["time_ms"] == 2000  # what the request was given; the run's message says why it ended sooner


def test_a_plain_run_inside_the_execution_keeps_its_own_limit(tmp_path):
    sandbox = StandInSandbox(tmp_path, SandboxSettings())
    runner = Runner(catalogue().get("python"), sandbox, profile="stand-in")
    result = runner.handle({"language": "python", "code": "", "stdin": "sleep", "limits": {"time_ms": 200}})
    assert sandbox.runs[-1].limits.time_ms == 200
    assert result["run"]["message"] == "stopped after the time limit"


def test_no_test_runs_after_an_environment_that_could_not_be_proven_clean(judge):
    result = judge("ok", "dirty", "ok")
    assert [test["status"] for test in result["tests"]] == ["accepted", "accepted", "internal_error"]
    assert "proven clean" in result["tests"][2]["message"]


def test_a_bug_of_the_runner_fails_one_test_not_the_request(judge):
    result = judge("ok", "bug", "ok")
    assert [test["status"] for test in result["tests"]] == ["accepted", "internal_error", "accepted"]
    assert result["status"] == "internal_error" and result["tests"][1]["message"] == "the runner failed"


def test_returned_outputs_are_bounded_by_the_answers_room(judge_with):
    judge = judge_with(returned_output_chars=10_000)
    result = judge(*["flood"] * 4, return_outputs=True)
    returned = [test for test in result["tests"] if "stdout" in test]
    # each output is 1 000 control characters, 6 000 characters of JSON: one fits
    assert len(returned) == 1 and returned[0]["index"] == 0
    assert all("outputs not returned" in test["message"] for test in result["tests"][1:])
    assert len(json.dumps(result)) < 10_000 + 2_000


def test_the_runner_refuses_top_level_stdin_with_tests_by_name(judge):
    answer = judge("a", stdin="also")
    assert answer["error"] == "invalid_request" and answer["fields"][0]["field"] == "stdin"


def test_a_tests_result_reports_its_runs_measurements_under_their_names(judge):
    result = judge("measured", "measured", return_outputs=True)
    assert json.dumps(result["tests"][0]) == (
        '{"index": 0, "status": "accepted", "time_ms": 17, "cpu_ms": 15, "memory_kb": 24256, "exit_code": 0, '
        '"truncated": false, "stdout": "measured", "stderr": "", "stdout_encoding": "utf8", "stderr_encoding": "utf8"}'
    )
    assert json.dumps(judge("measured")["tests"][0]) == (
        '{"index": 0, "status": "accepted", "time_ms": 17, "cpu_ms": 15, "memory_kb": 24256, "exit_code": 0, "truncated": false}'
    )
