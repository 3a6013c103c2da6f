"""When the runner fails, the caller gets a clear status and the request id, never a trace: each
failure is produced for real (a program that kills its runner, a runner out of time, a full
function, a runner slower than the router waits, an answer that breaks the contract)."""

import json
import threading
import time

import pytest

CRASH = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"  # the runtime is the program's parent


def wait_until_busy(pool, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while pool.in_flight == 0:
        assert time.monotonic() < deadline, "the first invocation never started"
        time.sleep(0.01)


def _assert_error(answer, status: int, error: str) -> None:
    assert answer.status == status, answer.body
    assert answer.body["error"] == error
    assert answer.body["request_id"] == answer.request_id
    assert "Traceback" not in str(answer.body) and "RequestId" not in answer.body["message"]


def test_a_crashed_runner_is_a_502_and_the_next_request_is_served(router):
    # Lambda has one user, so a program can kill its runtime: that invocation fails, the next gets a fresh environment.
    _assert_error(router.call("POST", "/v1/executions", {"language": "python", "code": CRASH}), 502, "runner_failed")
    answer = router.call("POST", "/v1/executions", {"language": "python", "code": "print('still here')"})
    assert answer.status == 200 and answer.body["run"]["stdout"] == "still here\n"
    failure = [record for record in router.log_records() if record.get("status") == "runner_failed"][-1]
    assert failure["runner_error_type"] == "Runtime.ExitError" and failure["runner_request_id"]


def test_a_runner_out_of_time_is_a_504(router_for):
    # PythonShortTimeout is the real runner with a 2 s function timeout: Lambda kills it mid-run.
    router = router_for(GLIMPSE_RUNNER_PYTHON="PythonShortTimeout", GLIMPSE_RUNNER_QUALIFIER="")
    answer = router.call("POST", "/v1/executions", {"language": "python", "code": "import time\ntime.sleep(10)", "limits": {"time_ms": 10_000}})
    _assert_error(answer, 504, "runner_timeout")


def test_a_runner_slower_than_the_gateway_allows_is_a_504_from_the_router(router_for):
    # API Gateway waits 4 s here; the router gives up after 3 s, before the gateway would answer without a request id.
    router = router_for(GLIMPSE_RUNNER_PYTHON="Sleeper", GLIMPSE_RUNNER_QUALIFIER="", GLIMPSE_API_TIMEOUT_MS="4000")
    started = time.monotonic()
    _assert_error(router.call("POST", "/v1/executions", {"language": "python", "code": "x"}), 504, "runner_timeout")
    assert 2.9 < time.monotonic() - started < 6.0


def test_a_throttled_runner_is_a_429_with_retry_after(router_for, lambda_service):
    # PythonOneAtATime may run one invocation at a time, as a function with reserved concurrency 1.
    router = router_for(GLIMPSE_RUNNER_PYTHON="PythonOneAtATime", GLIMPSE_RUNNER_QUALIFIER="")
    assert router.call("POST", "/v1/executions", {"language": "python", "code": "print(1)"}).status == 200  # warm
    busy = {}
    running = threading.Thread(target=lambda: busy.update(answer=router.call(
        "POST", "/v1/executions", {"language": "python", "code": "import time\ntime.sleep(2)\nprint('done')"})))
    running.start()
    wait_until_busy(lambda_service.pools["PythonOneAtATime"])
    throttled = router.call("POST", "/v1/executions", {"language": "python", "code": "print(2)"})
    running.join()
    _assert_error(throttled, 429, "throttled")
    assert throttled.headers["Retry-After"] == "1"
    assert busy["answer"].status == 200 and busy["answer"].body["run"]["stdout"] == "done\n"


def test_the_compatibility_routes_map_failures_too(router):
    original = router.call("POST", "/run-code-lambda", {"language": "py", "code": CRASH})
    assert original.status == 502
    assert original.body["statusCode"] == 502 and original.body["body"]["error"] and original.body["request_id"] == original.request_id
    piston = router.call("POST", "/api/v2/execute", {"language": "python", "version": "*", "files": [{"content": CRASH}]})
    assert piston.status == 502
    assert piston.body["message"] and piston.body["request_id"] == piston.request_id


@pytest.mark.parametrize("forgery", ["unknown field", "another execution", "tests not asked for", "oversized output",
                                     "bad signal", "not an object"])
def test_an_answer_that_breaks_the_contract_is_a_502_logged_and_counted_never_passed_on(router_for, capsys, forgery):
    # Forger answers what a program that took over its runner could: each breaks the contract one way.
    router = router_for(GLIMPSE_RUNNER_PYTHON="Forger", GLIMPSE_RUNNER_QUALIFIER="")
    capsys.readouterr()
    answer = router.call("POST", "/v1/executions", {"language": "python", "code": "x", "stdin": forgery})
    _assert_error(answer, 502, "runner_failed")
    assert "forged" not in json.dumps(answer.body) and "accepted" not in json.dumps(answer.body)
    record = [record for record in router.log_records() if record.get("request_id") == answer.request_id][-1]
    assert record["status"] == "runner_failed" and record["answer_problem"] and record["runner_request_id"]
    logged = router.logs.getvalue()
    assert "forged log line" not in logged and '"level":"INFO"}' not in record["answer_problem"]
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert any(document.get("RunnerAnswersRefused") == [1.0] for document in metrics)
