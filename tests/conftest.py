import json
import os
from pathlib import Path

import pytest

from glimpse.languages import catalogue
from glimpse_local.local import build, project_root, runner_environment
from host_processes import descendants

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def built_project():
    """`make test` has built everything already; a bare `pytest` run builds what is missing."""
    build(project_root())


class Invoker:
    """Sends runner events to one execution environment and reads results back."""

    def __init__(self, environment):
        self.environment = environment

    def __call__(self, code: str | None = None, **request) -> dict:
        event = {"language": "python", **request}
        if code is not None:
            event["code"] = code
        answer = self.environment.invoke(json.dumps(event).encode())
        self.last_answer = answer
        return json.loads(answer.payload)

    def snapshot(self) -> dict:
        """What the environment holds, seen from the host: every process under its init (so
        orphans reparented there count too) but RAPID, and the entries of its /tmp, read through
        /proc/<pid>/root with no help from inside."""
        environment = self.environment
        processes = descendants(environment.init_pid) - {environment.rapid_pid}
        return {"processes": sorted(processes), "tmp": sorted(os.listdir(f"/proc/{environment.runtime_pid}/root/tmp"))}


@pytest.fixture(scope="session")
def invoker_for():
    """Wraps any execution environment in an Invoker (test modules cannot import conftest)."""
    return Invoker


@pytest.fixture(scope="module", params=["lambda", "host"])
def python_runner(request):
    with runner_environment(catalogue().get("python"), request.param) as environment:
        invoker = Invoker(environment)
        invoker.profile = request.param
        yield invoker
