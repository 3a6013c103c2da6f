"""Lambda's invocation semantics: reuse, one at a time, timeouts, exits, init errors, teardown."""

import json
import os
import threading
import time

import pytest

from glimpse_local.environment import EnvironmentInitError

from environment_helpers import bwrap_children, call, processes_in


def test_the_real_awslambdaric_answers(new_environment):
    environment = new_environment()
    result, payload = call(environment, "echo", greeting="hello")
    assert payload == {"action": "echo", "greeting": "hello"}
    assert result.function_error is None
    assert not result.environment_retired
    assert environment.alive and environment.starts == 1


def test_an_environment_is_reused_across_invocations(new_environment):
    environment = new_environment()
    answers = [call(environment, "count")[1] for _ in range(3)]
    assert [answer["count"] for answer in answers] == [1, 2, 3]
    assert len({answer["pid"] for answer in answers}) == 1
    assert environment.starts == 1


def test_concurrent_invocations_run_one_at_a_time(new_environment):
    environment = new_environment()
    results = []
    threads = [threading.Thread(target=lambda: results.append(call(environment, "sleep", seconds=0.1))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result.function_error is None for result, _ in results)
    intervals = sorted((payload["started"], payload["ended"]) for _, payload in results)
    assert all(previous[1] <= following[0] for previous, following in zip(intervals, intervals[1:]))
    assert environment.starts == 1


def test_a_timeout_kills_the_environment_and_the_next_invocation_starts_a_new_one(new_environment):
    environment = new_environment(timeout_s=0.5)
    call(environment, "count")
    result, payload = call(environment, "sleep", seconds=30)
    assert result.function_error == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"] == f"RequestId: {result.request_id} Error: Task timed out after 0.50 seconds"
    assert result.environment_retired and not environment.alive
    assert 450 <= result.duration_ms < 2000
    assert call(environment, "count")[1]["count"] == 1
    assert environment.starts == 2


@pytest.mark.parametrize(("action", "fields", "reason"), [
    ("exit", {"code": 3}, "Runtime exited with error: exit status 3"),
    ("exit", {"code": 0}, "Runtime exited without providing a reason"),
    ("crash", {}, "Runtime exited with error: signal: segmentation fault"),
])
def test_a_runtime_exit_is_reported_like_lambda_and_followed_by_a_fresh_environment(new_environment, action, fields, reason):
    environment = new_environment()
    result, payload = call(environment, action, **fields)
    assert result.function_error == "Unhandled"
    assert payload == {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {result.request_id} Error: {reason}"}
    assert result.environment_retired
    assert call(environment, "count")[1]["count"] == 1
    assert environment.starts == 2


def test_a_handler_exception_is_an_unhandled_error_and_the_environment_stays(new_environment):
    environment = new_environment()
    result, payload = call(environment, "fail")
    assert result.function_error == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "the fixture was asked to fail"
    assert not result.environment_retired
    assert call(environment, "count")[1]["count"] == 2
    assert environment.starts == 1


def test_a_response_posted_before_exiting_is_delivered(new_environment):
    # What the runner does to retire itself: RAPID has accepted the answer (its 202) before the
    # runtime exits, so the answer is the invocation's.
    environment = new_environment()
    result, payload = call(environment, "post_then_exit")
    assert payload == {"posted": "by the function itself"}
    assert result.function_error is None
    assert result.environment_retired
    assert call(environment, "count")[1]["count"] == 1
    assert environment.starts == 2


def test_a_response_still_in_flight_at_the_exit_is_raced_as_in_lambda(new_environment):
    # Without waiting for the 202, RAPID races its read of the request against its watch of the
    # runtime's exit, and either may win: the answer, or Runtime.ExitError. Both are Lambda's own
    # outcomes, so the runner never relies on the first; either way the environment is replaced.
    environment = new_environment()
    result, payload = call(environment, "post_then_exit_at_once")
    exit_error = {"errorType": "Runtime.ExitError",
                  "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited without providing a reason"}
    assert (payload, result.function_error) in [({"posted": "without waiting"}, None), (exit_error, "Unhandled")]
    assert result.environment_retired
    assert call(environment, "count")[1]["count"] == 1
    assert environment.starts == 2


def test_a_response_over_six_megabytes_is_refused_like_lambda(new_environment):
    environment = new_environment()
    result, payload = call(environment, "big_response", size=7 * 1024 * 1024)
    assert result.function_error == "Unhandled"
    assert payload["errorType"] == "Function.ResponseSizeTooLarge"


def test_an_init_error_is_raised_by_start_and_answered_by_invoke(new_environment):
    environment = new_environment(start=False, handler="no_such_module.handler")
    with pytest.raises(EnvironmentInitError) as raised:
        environment.start()
    assert json.loads(raised.value.document)["errorType"] == "Runtime.ImportModuleError"  # as the runtime reported it
    assert "no_such_module" in raised.value.logs
    assert not environment.alive

    for starts in (2, 3):  # an invocation starts the runtime itself; Lambda retries the init each time
        result = environment.invoke(b"{}")
        document = json.loads(result.payload)
        assert result.function_error == "Unhandled"
        assert document["errorType"] == "Runtime.ImportModuleError"
        assert "no_such_module" in document["errorMessage"]
        assert result.environment_retired and not environment.alive
        assert environment.starts == starts


@pytest.mark.parametrize("started_by", ["start", "invoke"])
def test_a_runtime_that_never_asks_for_work_fails_init_and_is_killed(new_environment, started_by):
    environment = new_environment(start=False, handler="slow_init.handler", init_timeout_s=0.5)
    started = time.monotonic()
    if started_by == "start":
        with pytest.raises(EnvironmentInitError) as raised:
            environment.start()
        document = json.loads(raised.value.document)
    else:
        result = environment.invoke(b"{}")
        assert result.function_error == "Unhandled" and result.environment_retired
        document = json.loads(result.payload)
    assert time.monotonic() - started < 3
    assert document["errorType"] == "Sandbox.Timedout"
    assert not environment.alive
    assert bwrap_children() == []


def test_runtime_output_reaches_the_log_sink_and_the_buffer(new_environment):
    lines = []
    environment = new_environment(log_sink=lines.append)
    call(environment, "log", line="a line from the fixture")
    deadline = time.monotonic() + 2
    while "a line from the fixture" not in lines and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "a line from the fixture" in lines
    assert "a line from the fixture" in environment.logs()


def test_stop_leaves_no_process_or_descriptor_behind(new_environment):
    descriptors_before = set(os.listdir("/proc/self/fd"))
    environment = new_environment()
    call(environment, "spawn_background")
    runtime_pid = environment.runtime_pid
    sandbox_pid_namespace = os.readlink(f"/proc/{runtime_pid}/ns/pid")
    assert len(processes_in(sandbox_pid_namespace)) >= 3  # init, runtime, the detached sleeper

    environment.stop()
    assert not environment.alive
    assert processes_in(sandbox_pid_namespace) == []
    assert bwrap_children() == []
    assert set(os.listdir("/proc/self/fd")) == descriptors_before
    environment.stop()  # idempotent


def test_the_context_manager_starts_and_stops(new_environment):
    environment = new_environment(start=False)
    with environment:
        assert environment.alive
        runtime_pid = environment.runtime_pid
        assert runtime_pid is not None
    assert not environment.alive
    assert not os.path.exists(f"/proc/{runtime_pid}")
