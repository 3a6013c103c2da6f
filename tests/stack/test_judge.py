"""Judge mode end to end: POST /v1/executions with `tests`, through the gateway, the router and
the Kotlin runner in its execution environment."""

from stack_helpers import ROOT, call

SOLUTION = (ROOT / "languages" / "kotlin" / "sum.kt").read_text()


def test_a_judge_request_through_the_stack(stack):
    body = {
        "language": "kotlin",
        "code": SOLUTION,
        "tests": [{"stdin": "1 2\n", "expected_stdout": "3\n"}, {"stdin": "20 22", "expected_stdout": "42"},
                  {"stdin": "2 2", "expected_stdout": "5"}, {"stdin": "-1 0", "expected_stdout": "0"}],
        "compare": "tokens",
        "limits": {"time_ms": 1500},
        "return_outputs": True,
    }
    answer = call(stack.url, "POST", "/v1/executions", body)
    assert answer.status == 200, answer.body
    result = answer.body
    assert result["status"] == "wrong_answer" and result["compile"]["status"] == "ok" and "run" not in result
    assert [test["status"] for test in result["tests"]] == ["accepted", "accepted", "wrong_answer", "time_limit"]
    assert [test["index"] for test in result["tests"]] == [0, 1, 2, 3]
    assert result["tests"][2]["stdout"] == "4\n"


def test_top_level_stdin_with_tests_is_a_422_naming_it(stack):
    answer = call(stack.url, "POST", "/v1/executions", {"language": "python", "code": "print(input())", "stdin": "1",
                                                         "tests": [{"stdin": "1", "expected_stdout": "1"}]})
    assert answer.status == 422 and [field["field"] for field in answer.body["fields"]] == ["stdin"], answer.body
