"""Helpers shared by the environment tests (a module of its own: conftest is not importable)."""

import json
import os
from pathlib import Path

from glimpse_local.environment import ExecutionEnvironment, FunctionConfig, InvokeResult

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_DIR = ROOT / "build" / "lambda-runtime"
FIXTURE_CODE = Path(__file__).resolve().parent / "fixture_function"


def fixture_function(**overrides) -> FunctionConfig:
    settings = {"name": "EnvironmentFixture", "handler": "app.handler", "code_dir": FIXTURE_CODE,
                "environment": {"FIXTURE_VARIABLE": "fixture-value"}, "timeout_s": 10.0, **overrides}
    return FunctionConfig(**settings)


def call(environment: ExecutionEnvironment, action: str, **fields) -> tuple[InvokeResult, object]:
    """Invoke the fixture with one action; the result and its decoded payload."""
    result = environment.invoke(json.dumps({"action": action, **fields}).encode())
    return result, json.loads(result.payload)


def processes_in(pid_namespace: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.readlink(f"/proc/{name}/ns/pid") == pid_namespace:
                    found.append(int(name))
            except OSError:
                continue
    return found


def bwrap_children() -> list[int]:
    """bwrap processes this test process started that still exist (zombies included)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    fields = stat.read()
            except OSError:
                continue
            command = fields[fields.index(b"(") + 1 : fields.rindex(b")")]
            parent = int(fields[fields.rindex(b")") + 2 :].split()[1])
            if command == b"bwrap" and parent == os.getpid():
                found.append(int(name))
    return found


def kernel_ids(pid: int) -> tuple[int, int]:
    """The real uid and gid of a process as the host sees them."""
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status if ":" in line)
    return int(fields["Uid"].split()[0]), int(fields["Gid"].split()[0])


def tasks_of(uid: int) -> dict[int, int]:
    """pid -> number of threads, for every process of this kernel uid on the machine."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/status") as status:
                    fields = dict(line.split(":", 1) for line in status if ":" in line)
            except OSError:
                continue
            if int(fields["Uid"].split()[0]) == uid:
                found[int(name)] = int(fields["Threads"])
    return found
