"""Each protection listed in a result is enforced, and the lambda profile lists none of them."""

import dataclasses
import json

import pytest

from glimpse_local.environment import ExecutionEnvironment
from glimpse.languages import catalogue
from glimpse_local.local import project_root, runner_function
from glimpse.sandbox.protections.landlock import landlock_abi

ATTEMPTS = """
import ctypes, errno, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)

def attempt(action):
    try:
        result = action()
    except OSError as error:
        return errno.errorcode[error.errno]
    if isinstance(result, int) and result < 0:
        return errno.errorcode[ctypes.get_errno()]
    return "allowed"

def write_outside():
    with open("/tmp/outside-the-workspace", "w") as out:
        out.write("x")

print(json.dumps({
    "inet_socket": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()),
    "unix_socket": attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()),
    "new_user_namespace": attempt(lambda: os.unshare(os.CLONE_NEWUSER)),
    "ptrace_traceme": attempt(lambda: libc.ptrace(0, 0, None, None)),
    "write_outside_workspace": attempt(write_outside),
    "write_in_workspace": attempt(lambda: open("inside", "w").close()),
    "signal_the_parent": attempt(lambda: os.kill(os.getppid(), 0)),
}))
"""


def attempts(invoker, **extra) -> tuple[dict, list[str]]:
    result = invoker(ATTEMPTS, **extra)
    assert result["status"] == "ok", result
    return json.loads(result["run"]["stdout"]), result["isolation"]["protections"]


@pytest.fixture(scope="module")
def landlock_runner(invoker_for):
    """The host profile with namespaces turned off: Landlock and seccomp do the work instead."""
    root = project_root()
    function = runner_function(catalogue().get("python"), root)
    function = dataclasses.replace(function, environment={**function.environment, "GLIMPSE_DISABLE_PROTECTIONS": "namespaces"})
    with ExecutionEnvironment(function, profile="host", runtime_dir=root / "build" / "lambda-runtime") as environment:
        yield invoker_for(environment)


EXPECTED = {
    # Only what Lambda itself does: its denials (emulated), nothing added by the runner. The
    # network is stopped by the VPC (here, the environment's network namespace), not by the runner.
    "lambda": {"inet_socket": "allowed", "new_user_namespace": "EPERM", "write_in_workspace": "allowed"},
    # A private /tmp: a write outside the workspace lands in the program's own tmpfs.
    "host": {
        "inet_socket": "EPERM", "unix_socket": "allowed", "new_user_namespace": "EPERM", "ptrace_traceme": "EPERM",
        "write_in_workspace": "allowed", "write_outside_workspace": "allowed",
    },
}
LISTED = {"lambda": set(), "host": {"seccomp", "namespaces"}}


def test_what_each_profile_enforces_is_what_it_lists(python_runner):
    results, protections = attempts(python_runner)
    assert {"seccomp", "landlock", "namespaces"} & set(protections) == LISTED[python_runner.profile]
    expected = EXPECTED[python_runner.profile]
    assert {name: results[name] for name in expected} == expected
    assert python_runner.snapshot()["tmp"] == []


def test_landlock_confines_writes_network_and_signals_when_listed(landlock_runner):
    runtime = landlock_runner.environment.runtime_pid
    results, protections = attempts(landlock_runner)
    if (landlock_abi() or 0) < 6:
        pytest.skip("this kernel has no Landlock with signal scoping (ABI 6)")
    assert {"landlock", "seccomp"} <= set(protections) and "namespaces" not in protections
    assert results["write_outside_workspace"] == "EACCES"
    assert results["write_in_workspace"] == "allowed"
    assert results["inet_socket"] == "EPERM"
    assert results["ptrace_traceme"] == "EPERM"
    assert results["signal_the_parent"] == "EPERM"  # the runtime: Landlock ABI 6 scopes signals
    assert runtime == landlock_runner.environment.runtime_pid


def test_an_environment_that_cannot_be_proven_clean_answers_then_retires(python_runner):
    python_runner('print("warm")')
    starts = python_runner.environment.starts
    # Something the runner's user cannot remove appears in /tmp (root's file in a sticky /tmp).
    planted = f"/proc/{python_runner.environment.runtime_pid}/root/tmp/planted-by-root"
    with open(planted, "w") as out:
        out.write("x")
    result = python_runner('print("answered anyway")')
    assert result["status"] == "ok" and result["run"]["stdout"] == "answered anyway\n"
    assert python_runner.last_answer.environment_retired
    follow_up = python_runner('print("fresh")')
    assert follow_up["status"] == "ok"
    assert python_runner.environment.starts == starts + 1
    assert python_runner.snapshot()["tmp"] == []
