"""Judge mode's budgets and bookkeeping, with a stand-in sandbox: the runner's own logic, fast.
(The real sandbox runs in tests/runner/test_judge.py and tests/languages/test_judge_languages.py.)"""

import json
import time
from contextlib import contextmanager

import pytest

from glimpse import runner as runner_module
from glimpse.languages import catalogue
from glimpse.models import Status
from glimpse.runner import Runner
from glimpse.sandbox import Outcome, Workspace


class StandInSandbox:
    """Runs nothing: a test's stdin says what its run does ("sleep" uses all of its time limit,
    "bug" raises, "dirty" leaves the environment unproven, "flood" prints 1 000 control
    characters, anything else is echoed)."""

    protection_names = ["stand_in"]

    def __init__(self, scratch):
        self.scratch = scratch
        self.clean = True
        self.runs = []

    @contextmanager
    def workspace(self):
        yield Workspace(self.scratch)

    def execute(self, command, workspace):
        self.runs.append(command)
        if command.stdin == b"sleep":
            time.sleep(command.limits.time_ms / 1000)
            return Outcome(Status.TIME_LIMIT, time_ms=command.limits.time_ms, message="stopped after the time limit")
        if command.stdin == b"bug":
            raise RuntimeError("a bug of the runner's")
        if command.stdin == b"dirty":
            self.clean = False
        if command.stdin == b"flood":
            return Outcome(Status.OK, stdout=b"\x01" * 1000, exit_code=0)
        return Outcome(Status.OK, stdout=command.stdin, exit_code=0)


@pytest.fixture
def judge(tmp_path):
    sandbox = StandInSandbox(tmp_path)
    runner = Runner(catalogue().get("python"), sandbox, profile="stand-in")

    def submit(*stdins: str, **options) -> dict:
        tests = [{"stdin": stdin, "expected_stdout": stdin} for stdin in stdins]
        return runner.handle({"language": "python", "code": "", "tests": tests, **options})

    submit.sandbox = sandbox
    return submit


def test_each_test_runs_with_the_requests_limits_and_args(judge):
    result = judge("a", "b", limits={"time_ms": 700, "memory_mb": 100}, args=["x", "y"])
    assert [test["status"] for test in result["tests"]] == ["accepted", "accepted"]
    for command in judge.sandbox.runs:
        assert command.limits.time_ms == 700 and command.limits.memory_mb == 100
        assert command.argv[-2:] == ["x", "y"]


def test_tests_beyond_the_total_budget_are_not_run(judge, monkeypatch):
    monkeypatch.setattr(runner_module, "JUDGE_TESTS_MS", 500)
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


def test_the_execution_budget_counts_the_compile(judge, monkeypatch):
    monkeypatch.setattr(runner_module, "JUDGE_EXECUTION_MS", 0)
    result = judge("ok")
    assert result["tests"][0]["status"] == "time_limit" and "not run" in result["tests"][0]["message"]
    assert judge.sandbox.runs == []


def test_no_test_runs_after_an_environment_that_could_not_be_proven_clean(judge):
    result = judge("ok", "dirty", "ok")
    assert [test["status"] for test in result["tests"]] == ["accepted", "accepted", "internal_error"]
    assert "proven clean" in result["tests"][2]["message"]


def test_a_bug_of_the_runner_fails_one_test_not_the_request(judge):
    result = judge("ok", "bug", "ok")
    assert [test["status"] for test in result["tests"]] == ["accepted", "internal_error", "accepted"]
    assert result["status"] == "internal_error" and result["tests"][1]["message"] == "the runner failed"


def test_returned_outputs_are_bounded_by_the_answers_room(judge, monkeypatch):
    monkeypatch.setattr(runner_module, "MAX_RETURNED_OUTPUT_CHARS", 10_000)
    result = judge(*["flood"] * 4, return_outputs=True)
    returned = [test for test in result["tests"] if "stdout" in test]
    # each output is 1 000 control characters, 6 000 characters of JSON: one fits
    assert len(returned) == 1 and returned[0]["index"] == 0
    assert all("outputs not returned" in test["message"] for test in result["tests"][1:])
    assert len(json.dumps(result)) < 10_000 + 2_000


def test_the_runner_refuses_top_level_stdin_with_tests_by_name(judge):
    answer = judge("a", stdin="also")
    assert answer["error"] == "invalid_request" and answer["fields"][0]["field"] == "stdin"
