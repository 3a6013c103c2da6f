"""The runner's own Runtime API loop (src/glimpse/lambda_runtime.py) under RAPID, as Lambda runs it."""

import time

import pytest

from glimpse.lambda_runtime import CLAIM_TIMEOUT_S


@pytest.mark.parametrize("python_runner", ["lambda"], indirect=True)
def test_an_environment_idle_longer_than_the_claims_timeout_keeps_its_runtime(python_runner):
    """The wait for the next invocation has no timeout, though the connection's socket had the
    claim's a moment before: an idle environment must not lose its runtime (a cold start next)."""
    assert python_runner('print("first")')["run"]["stdout"] == "first\n"
    runtime = python_runner.environment.runtime_pid
    time.sleep(CLAIM_TIMEOUT_S + 1)
    assert python_runner('print("second")')["run"]["stdout"] == "second\n"
    assert python_runner.environment.runtime_pid == runtime
    assert "Traceback" not in python_runner.environment.logs()
