import os

import pytest

from glimpse.sandbox import Sandbox, SandboxSettings, SandboxUnavailable


def test_the_sandbox_refuses_a_host_it_cannot_contain(monkeypatch):
    # pytest runs as root in CI and outside any execution environment: both are refused, because
    # the sweep would kill processes that are not the run's, and the code would run as root.
    monkeypatch.delenv("AWS_LAMBDA_RUNTIME_API", raising=False)
    with pytest.raises(SandboxUnavailable):
        Sandbox(SandboxSettings())


@pytest.mark.skipif(os.getuid() != 0, reason="needs root")
def test_the_sandbox_never_runs_code_as_root(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
    with pytest.raises(SandboxUnavailable, match="as root"):
        Sandbox(SandboxSettings())
