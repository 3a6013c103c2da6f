"""Judge mode for every language, with the real toolchain from its built layer.

One program per language (languages/<id>/sum.<ext>) reads two numbers and prints their sum; a
negative first number makes it loop forever (Java's is `public class Solution`, as judges' users
paste it). One environment per language, alternating the two profiles, and three requests in it:
the per-language suite runs on a 2-core CI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glimpse.languages import LANGUAGES, catalogue
from glimpse_local.local import runner_environment

IDS = [recipe.id for recipe in catalogue().recipes]
# Both profiles are covered across the languages (tests/runner/test_judge_runner.py runs Python in both).
PROFILES = {language: ("lambda", "host")[index % 2] for index, language in enumerate(IDS)}
LOOP_TIME_MS = 1500  # the looping test's limit: a JVM's start fits many times in it


def test_every_language_has_its_judge_program():
    for recipe in catalogue().recipes:
        assert solution(recipe.id).is_file(), recipe.id


def solution(language: str) -> Path:
    return LANGUAGES / language / f"sum{catalogue().get(language).extensions[0]}"


@pytest.fixture(params=IDS)
def judge(request, invoker_for):
    language = request.param
    environment = runner_environment(catalogue().get(language), PROFILES[language])
    environment.start()
    invoker = invoker_for(environment)
    code = solution(language).read_text()

    def submit(tests: list[tuple[str, str]], **options) -> dict:
        tests = [{"stdin": stdin, "expected_stdout": expected} for stdin, expected in tests]
        return invoker(**{"language": language, "code": code, "tests": tests, **options})

    submit.recipe = catalogue().get(language)

    try:
        yield submit
    finally:
        environment.stop()


def statuses(result: dict) -> list[str]:
    return [test["status"] for test in result["tests"]]


def test_judge_mode(judge, subtests):
    with subtests.test("all accepted, without outputs"):
        result = judge([("1 2\n", "3\n"), ("40 2", "42"), ("-0 7\n", "7  \n\n")])
        assert result["status"] == "accepted", json.dumps(result)[:3000]
        assert statuses(result) == ["accepted"] * 3
        assert [test["index"] for test in result["tests"]] == [0, 1, 2]
        assert "run" not in result
        for test in result["tests"]:
            assert "stdout" not in test and "stderr" not in test
            assert test["exit_code"] == 0 and test["time_ms"] > 0 and test["memory_kb"] > 0

    with subtests.test("a wrong answer, a time limit, outputs returned"):
        result = judge([("1 2", "3"), ("2 2", "5"), ("-1 0", "0"), ("5 5", "10")],
                       limits={"time_ms": LOOP_TIME_MS}, return_outputs=True)
        assert statuses(result) == ["accepted", "wrong_answer", "time_limit", "accepted"], json.dumps(result)[:3000]
        assert result["status"] == "wrong_answer"  # the first failure
        tests = result["tests"]
        assert [test["stdout"] for test in (tests[0], tests[1], tests[3])] == ["3\n", "4\n", "10\n"]
        assert tests[1]["stdout_encoding"] == "utf8" and tests[1]["stderr"] == ""
        assert tests[2]["time_ms"] >= LOOP_TIME_MS and "time limit" in tests[2]["message"]

    with subtests.test("stop on the first failure"):
        result = judge([("1 1", "2"), ("-1 0", "0"), ("2 2", "4")], limits={"time_ms": LOOP_TIME_MS},
                       stop_on_first_failure=True)
        assert result["status"] == "time_limit"
        assert statuses(result) == ["accepted", "time_limit", "skipped"], json.dumps(result)[:3000]
        assert "stop_on_first_failure" in result["tests"][2]["message"]

    with subtests.test("a program that does not build"):
        garbage = "this is not a program (\n"
        result = judge([("1 1", "2"), ("2 2", "4")], code=garbage, return_outputs=True)
        if judge.recipe.compile is not None:
            assert result["status"] == "compile_error" and result["compile"]["stderr"], json.dumps(result)[:3000]
            assert "tests" not in result  # compiled once, failed once: no test ran
        else:
            # An interpreter fails on it when it runs, but for PHP it is text outside <?php tags,
            # which PHP prints as it is: a wrong answer, and the reason shows in the output.
            assert all(test["status"] == "runtime_error" or (test["status"], test["stdout"]) == ("wrong_answer", garbage)
                       for test in result["tests"]) and len(result["tests"]) == 2, json.dumps(result)[:3000]
