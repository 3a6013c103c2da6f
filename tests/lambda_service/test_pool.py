"""A function's pool: warmed ahead of demand, one invocation at a time per environment, retired
environments replaced, tenants never sharing one, nothing left running once closed."""

import dataclasses
import json
import threading
import time

import pytest

from glimpse_local.environment import ExecutionEnvironment, FunctionConfig, InvokeResult
from glimpse_local.lambda_service import CallerGone, FunctionPool, TenancyMismatch, Throttled
from test_invoke_api import FIXTURE, RUNTIME_DIR


class Recorded:
    """An environment that records each one it started, to be looked at after the pool is done."""

    def __init__(self) -> None:
        self.started: list[ExecutionEnvironment] = []

    def __call__(self, function: FunctionConfig) -> ExecutionEnvironment:
        environment = ExecutionEnvironment(function, runtime_dir=RUNTIME_DIR)
        environment.start()
        self.started.append(environment)
        return environment


def call(pool: FunctionPool, action: str, tenant_id: str | None = None, **fields) -> dict:
    result = pool.invoke(json.dumps({"action": action, **fields}).encode(), tenant_id=tenant_id)
    return json.loads(result.payload)


def wait_for(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def occupy(pool: FunctionPool, environments: int, seconds: float) -> list[threading.Thread]:
    """Keep that many environments busy sleeping; return the sleepers, to be joined."""
    sleepers = [threading.Thread(target=call, args=(pool, "sleep"), kwargs={"seconds": seconds}) for _ in range(environments)]
    for sleeper in sleepers:
        sleeper.start()
    wait_for(lambda: pool.in_flight == environments)
    return sleepers


@pytest.fixture
def recorded():
    return Recorded()


def make_pool(recorded: Recorded, *, concurrency: int = 2, **options) -> FunctionPool:
    function = dataclasses.replace(FIXTURE, timeout_s=options.pop("timeout_s", FIXTURE.timeout_s))
    return FunctionPool(function, concurrency=concurrency, start_environment=recorded, **options)


def test_a_warmed_environment_serves_the_first_invocation_and_warming_stops_at_the_limit(recorded):
    pool = make_pool(recorded)
    try:
        for _ in range(3):
            pool.warm()
        assert pool.size == 2 and len(recorded.started) == 2
        first = call(pool, "count")
        assert first["count"] == 1 and len(recorded.started) == 2  # no cold start: a warmed one served it
    finally:
        pool.close()


def test_an_environment_serves_one_invocation_at_a_time_and_the_pool_grows_to_its_limit(recorded):
    pool = make_pool(recorded, concurrency=2)
    try:
        sleepers = occupy(pool, 2, seconds=1.0)
        with pytest.raises(Throttled):
            call(pool, "echo")
        for sleeper in sleepers:
            sleeper.join()
        assert len(recorded.started) == 2
        counts = [call(pool, "count")["count"] for _ in range(3)]
        assert counts[1:] == [counts[0] + 1, counts[0] + 2]  # idle again: the last used is reused
    finally:
        pool.close()


def test_beyond_the_machines_budget_an_invocation_waits_for_a_free_environment(recorded):
    pool = make_pool(recorded, concurrency=1, lambda_limit=False)
    try:
        [sleeper] = occupy(pool, 1, seconds=0.5)
        started = time.monotonic()
        assert call(pool, "echo", value=7)["value"] == 7  # waited for the sleeper's environment, not throttled
        assert time.monotonic() - started >= 0.3
        sleeper.join()
        assert len(recorded.started) == 1
    finally:
        pool.close()


def test_a_waiting_invocation_gives_up_with_its_caller_and_one_whose_caller_left_never_runs(recorded):
    pool = make_pool(recorded, concurrency=1, lambda_limit=False)
    try:
        [sleeper] = occupy(pool, 1, seconds=1.0)
        deadline = time.monotonic() + 0.3
        with pytest.raises(CallerGone):
            pool.invoke(b'{"action": "count"}', caller_waits=lambda: time.monotonic() < deadline)
        assert time.monotonic() - deadline < 0.5
        sleeper.join()
        with pytest.raises(CallerGone):  # room now, but its caller is gone: it must not run late
            pool.invoke(b'{"action": "count"}', caller_waits=lambda: False)
        assert call(pool, "count")["count"] == 2  # the sleeper and this one: neither refused invocation ran
    finally:
        pool.close()


@pytest.mark.parametrize("action, fields, timeout_s", [("exit", {"code": 1}, 10.0), ("sleep", {"seconds": 5}, 1.0)],
                         ids=["retired itself", "timed out"])
def test_an_environment_that_ends_is_replaced_in_the_background(recorded, action, fields, timeout_s):
    pool = make_pool(recorded, concurrency=1, timeout_s=timeout_s)
    try:
        pool.warm()
        gone = call(pool, action, **fields)
        assert gone["errorType"] in ("Runtime.ExitError", "Sandbox.Timedout")
        wait_for(lambda: len(recorded.started) == 2 and pool.size == 1)  # replaced without being asked
        assert not recorded.started[0].alive
        assert call(pool, "count")["count"] == 1  # the replacement, fresh
        assert len(recorded.started) == 2
    finally:
        pool.close()


def test_with_tenant_isolation_an_environment_serves_one_tenant_only(recorded):
    pool = make_pool(recorded, concurrency=2, tenant_isolation=True)
    try:
        pool.warm()
        assert call(pool, "count", tenant_id="tenant-a")["count"] == 1
        assert len(recorded.started) == 1  # the warmed environment went to the first tenant
        assert call(pool, "count", tenant_id="tenant-b")["count"] == 1  # a fresh one
        assert len(recorded.started) == 2
        assert call(pool, "count", tenant_id="tenant-a")["count"] == 2  # its own again
        c = call(pool, "count", tenant_id="tenant-c")  # at the limit: an idle one of another tenant is stopped
        assert c["count"] == 1 and len(recorded.started) == 3
        assert sum(environment.alive for environment in recorded.started) == 2
        with pytest.raises(TenancyMismatch):
            call(pool, "echo")
    finally:
        pool.close()


def test_closing_stops_every_environment_busy_ones_included(recorded):
    pool = make_pool(recorded, concurrency=3)
    answers = []
    busy = threading.Thread(target=lambda: answers.append(call(pool, "sleep", seconds=30)))
    busy.start()
    pool.warm()
    wait_for(lambda: pool.in_flight == 1)
    started = time.monotonic()
    pool.close()
    busy.join()
    assert time.monotonic() - started < 5
    assert answers[0]["errorType"] == "Runtime.ExitError"
    assert len(recorded.started) == 2 and not any(environment.alive for environment in recorded.started)
    with pytest.raises(Throttled, match="shutting down"):
        call(pool, "echo")


def test_an_init_that_fails_is_the_invocations_function_error():
    def never_ready(function):
        environment = ExecutionEnvironment(function, runtime_dir=RUNTIME_DIR)
        environment.start()
        return environment

    pool = FunctionPool(dataclasses.replace(FIXTURE, handler="missing_module.handler"), concurrency=1, start_environment=never_ready)
    try:
        result = pool.invoke(b"{}")
        assert result.function_error == "Unhandled"
        assert json.loads(result.payload)["errorType"] == "Runtime.ImportModuleError"
        assert pool.size == 0
    finally:
        pool.close()


class StopFails:
    """An environment that retires after its invocation, and the first of which fails to stop."""

    alive = True
    failed = False

    def invoke(self, payload: bytes, *, tenant_id: str | None = None) -> InvokeResult:
        return InvokeResult(b"{}", None, "request", 1.0, environment_retired=True)

    def stop(self) -> None:
        if not StopFails.failed:
            StopFails.failed = True
            raise OSError("the socket was already closed")


def test_an_environment_that_fails_to_stop_still_stops_counting_so_closing_returns():
    pool = FunctionPool(FIXTURE, concurrency=1, start_environment=lambda _function: StopFails())
    with pytest.raises(OSError, match="already closed"):
        pool.invoke(b"{}")
    assert pool.in_flight == 0
    closed = []
    closing = threading.Thread(target=lambda: closed.append(pool.close() is None), daemon=True)
    closing.start()
    closing.join(timeout=5)
    assert closed == [True]
