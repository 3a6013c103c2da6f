"""What the function sees: Lambda's user, filesystem, variables, denials and private Runtime API."""

import ctypes
import errno
import json
import os
import socket
from pathlib import Path

import pytest

from environment_helpers import call
from glimpse_local.environment import FAKE_SECRET_MARKER

ZERO_CAPABILITIES = "0000000000000000"
LAMBDA_DENIALS = {
    "unshare_newuser": errno.EPERM, "os_unshare_newuser": errno.EPERM, "clone_newuser": errno.EPERM,
    "clone3": errno.ENOSYS, "setns": errno.EPERM, "ptrace_traceme": errno.EPERM, "seccomp": errno.EPERM,
    "prctl_no_new_privs": errno.EPERM, "prctl_no_new_privs_high_bits": errno.EPERM,
    "prctl_set_seccomp": errno.EPERM, "prctl_child_subreaper": errno.EPERM, "prctl_pdeathsig": errno.EPERM,
    "mount": errno.EPERM, "umount2": errno.EPERM, "pivot_root": errno.EPERM, "open_tree": errno.EPERM,
    "move_mount": errno.EPERM, "fsopen": errno.EPERM, "fsconfig": errno.EPERM, "fsmount": errno.EPERM,
    "fspick": errno.EPERM, "mount_setattr": errno.EPERM, "landlock_create_ruleset": errno.ENOSYS,
}

LAMBDA_VARIABLES = {
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
    "AWS_EXECUTION_ENV", "AWS_LAMBDA_INITIALIZATION_TYPE", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    "_HANDLER", "LANG", "TZ", "PATH", "LD_LIBRARY_PATH", "PYTHONPATH",
}
# PWD by bwrap's --chdir, LC_CTYPE by Python (en_US.UTF-8 is not installed here), the address and
# token of Lambda's metadata endpoint by RAPID. (RAPID's emulator sends no trace id, so awslambdaric
# sets no _X_AMZN_TRACE_ID, which Lambda's runtimes have.)
ADDED_INSIDE = {"PWD", "LC_CTYPE", "AWS_LAMBDA_METADATA_API", "AWS_LAMBDA_METADATA_TOKEN"}


def test_the_lambda_profile_denies_what_lambda_denies(lambda_environment):
    _, found = call(lambda_environment, "probes")
    assert {name: found[name] for name in LAMBDA_DENIALS} == LAMBDA_DENIALS
    # What must keep working under the filter: clone3's ENOSYS makes glibc fall back to clone.
    assert found["prctl_dumpable"] == 0
    assert found["thread_runs"] and found["subprocess_runs"]


def test_the_host_profile_has_no_such_filter(host_environment):
    _, found = call(host_environment, "probes")
    # Allowed for an unprivileged process on this host, so nothing but a filter could refuse them.
    assert found["prctl_no_new_privs"] == found["prctl_no_new_privs_high_bits"] == 0
    assert found["prctl_child_subreaper"] == found["prctl_pdeathsig"] == found["ptrace_traceme"] == 0
    assert found["open_tree"] == 0  # without OPEN_TREE_CLONE, an O_PATH open
    # Refused by the kernel for other reasons than a filter: a bad argument, not EPERM/ENOSYS.
    assert found["clone3"] == errno.EINVAL
    assert found["setns"] == errno.EINVAL
    assert found["seccomp"] == found["prctl_set_seccomp"] == errno.EFAULT
    if host_allows_user_namespaces():
        assert found["unshare_newuser"] == found["os_unshare_newuser"] == found["clone_newuser"] == 0
    if host_has_landlock():
        assert found["landlock_create_ruleset"] == 0


@pytest.mark.parametrize("profile", ["lambda", "host"])
def test_the_function_runs_as_uid_993_without_capabilities(profile, lambda_environment, host_environment):
    environment = lambda_environment if profile == "lambda" else host_environment
    _, found = call(environment, "identity")
    assert (found["uid"], found["gid"], found["groups"]) == (993, 990, [])
    status = found["status"]
    assert status["Uid"].split() == ["993"] * 4 and status["Gid"].split() == ["990"] * 4
    for capabilities in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert status[capabilities] == ZERO_CAPABILITIES
    assert status["Seccomp"] == ("2" if profile == "lambda" else "0")


def test_only_tmp_is_writable(lambda_environment):
    candidates = ["/", "/tmp", "/var", "/var/task", "/var/runtime", "/var/lang", "/opt", "/etc", "/usr",
                  "/dev", "/dev/shm", "/proc", "/root", "/home"]
    _, writable = call(lambda_environment, "writable", paths=candidates)
    assert writable == ["/tmp"]
    _, devices = call(lambda_environment, "write_devices")
    assert devices == {"/dev/null": True, "/dev/zero": True}


def test_the_layout_is_lambdas(lambda_environment):
    _, files = call(lambda_environment, "read", paths=["/etc/passwd", "/proc/self/mounts", "/var/task/app.py"])
    assert "sbx_user1051:x:993:990:" in files["/etc/passwd"]
    mounts = {line.split()[1]: line.split()[3].split(",") for line in files["/proc/self/mounts"].splitlines()}
    for read_only in ("/", "/usr", "/var/lang", "/var/runtime", "/var/task"):
        assert "ro" in mounts[read_only], read_only
    assert "size=524288k" in mounts["/tmp"]
    assert "def handler(event, context)" in files["/var/task/app.py"]
    _, top_level = call(lambda_environment, "listdir", path="/")
    assert "root" not in top_level and "work" not in top_level


def test_lambdas_variables_and_the_functions_own_are_set(lambda_environment):
    _, variables = call(lambda_environment, "environ")
    assert variables["AWS_LAMBDA_FUNCTION_NAME"] == "EnvironmentFixture"
    assert variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert variables["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert variables["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    # Lambda's address in a private network namespace (root); a random host port otherwise.
    assert variables["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001" or os.geteuid() != 0
    assert variables["_HANDLER"] == "app.handler"
    assert variables["LAMBDA_TASK_ROOT"] == "/var/task" and variables["PYTHONPATH"] == "/var/runtime"
    assert variables["TZ"] == ":UTC" and variables["AWS_REGION"] == variables["AWS_DEFAULT_REGION"]
    assert variables["GLIMPSE_PROFILE"] == "lambda"
    assert variables["FIXTURE_VARIABLE"] == "fixture-value"
    for credential in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert FAKE_SECRET_MARKER in variables[credential]
    # Exactly these: nothing of the harness's own environment gets in.
    assert set(variables) == LAMBDA_VARIABLES | {"FIXTURE_VARIABLE", "GLIMPSE_PROFILE"} | ADDED_INSIDE


def test_pid_1_shows_no_secret(lambda_environment):
    _, files = call(lambda_environment, "read", paths=["/proc/1/cmdline", "/proc/1/environ"])
    assert FAKE_SECRET_MARKER not in files["/proc/1/cmdline"]
    assert "--setenv" not in files["/proc/1/cmdline"]
    assert FAKE_SECRET_MARKER not in files["/proc/1/environ"]


def test_the_invocation_context_comes_from_lambdas_headers(lambda_environment):
    result, context = call(lambda_environment, "context")
    assert context["request_id"] == result.request_id
    assert context["function_arn"] == "arn:aws:lambda:us-east-1:012345678912:function:EnvironmentFixture"
    assert context["function_name"] == "EnvironmentFixture" and context["memory_limit_in_mb"] == "512"
    assert 8000 < context["remaining_ms"] <= 10000
    assert context["tenant_id"] is None
    tenant_result = lambda_environment.invoke(json.dumps({"action": "context"}).encode(), tenant_id="tenant-a")
    assert json.loads(tenant_result.payload)["tenant_id"] == "tenant-a"
    with pytest.raises(ValueError):
        lambda_environment.invoke(b"{}", tenant_id="bad\r\nInjected: header")


@pytest.mark.skipif(os.geteuid() != 0, reason="the private network namespace needs root")
def test_the_runtime_api_is_reachable_only_from_inside(new_environment):
    first, second = new_environment(), new_environment()
    # Each environment has its own 127.0.0.1:9001, and the host's loopback has none.
    assert call(first, "count")[1]["count"] == call(second, "count")[1]["count"] == 1
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", 9001), timeout=1).close()
    with socket.create_server(("127.0.0.1", 0)) as host_service:
        port = host_service.getsockname()[1]
        assert call(first, "connect", url=f"http://127.0.0.1:{port}/")[1] == f"errno {errno.ECONNREFUSED}"
    assert call(first, "connect", url="http://192.0.2.1/")[1] == f"errno {errno.ENETUNREACH}"


def test_layers_are_merged_under_opt_later_layers_winning(new_environment, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for layer, text in ((first, "first"), (second, "second")):
        (layer / "bin").mkdir(parents=True)
        (layer / "bin" / "tool").write_text(text)
    (first / "lib").mkdir()
    (first / "lib" / "only-in-first").write_text("kept")
    environment = new_environment(layers=(first, second))
    _, files = call(environment, "read", paths=["/opt/bin/tool", "/opt/lib/only-in-first"])
    assert files == {"/opt/bin/tool": "second", "/opt/lib/only-in-first": "kept"}
    _, writable = call(environment, "writable", paths=["/opt", "/opt/bin"])
    assert writable == []


def host_allows_user_namespaces() -> bool:
    return int(Path("/proc/sys/user/max_user_namespaces").read_text()) > 0


def host_has_landlock() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.syscall(444, None, 0, 1) > 0  # landlock_create_ruleset(NULL, 0, VERSION): the ABI version


def test_the_runtime_api_is_rapids_own_any_process_can_read_the_invocation_and_answer_it(lambda_environment):
    # As in Lambda (RAPID's RuntimeRunningState.Ready returns nil): a child of a naive handler
    # reads the in-flight invocation again and its forged answer is the one the caller gets. The
    # runner claims its answer first for this reason (tests/runner/test_hostile.py).
    result = lambda_environment.invoke(json.dumps({"action": "steal", "marker": "the caller's event"}).encode())
    answer = json.loads(result.payload)
    assert result.function_error is None
    assert answer["forged_for"] == result.request_id
    assert answer["event_seen"] == {"action": "steal", "marker": "the caller's event"}
    assert "the handler's own answer was refused: 403" in lambda_environment.logs()
