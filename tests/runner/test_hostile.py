"""Hostile programs, each in both profiles, each followed by proof that the environment that
ran it is clean again: no process of the run, no file in /tmp, and the next run works."""

import base64
import concurrent.futures
import hashlib
import json
import os
import random
import string
import time
import uuid

import pytest

from glimpse_local.environment import FAKE_SECRET_MARKER

FORK_BOMB = """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
"""

TREE_MEMORY = """
import os, time
for _ in range(4):
    if os.fork() == 0:
        block = b"x" * (150 * 1024 * 1024)  # under the per-process address-space limit
        time.sleep(30)
time.sleep(30)
"""

DAEMON = """
import os, signal, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        while True:
            with open("/tmp/daemon-was-here", "a") as out:
                out.write("x")
            time.sleep(0.005)
    os._exit(0)
time.sleep(0.2)
print("parent done")
"""

PROC_SNOOP = """
import json, os
seen = {}
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for name in ("environ", "cmdline"):
            try:
                seen[pid + "/" + name] = open("/proc/" + pid + "/" + name, "rb").read().decode("latin-1")
            except OSError as error:
                seen[pid + "/" + name] = type(error).__name__
print(json.dumps({"parent": os.getppid(), "seen": seen}))
"""

KILL_EVERYONE = """
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
"""

THREADS = """
import threading, time
for _ in range(5000):
    threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
"""

SHARED_MEMORY = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
segment = libc.shmget(0x6c696d, 4096, 0o1000 | 0o600)  # IPC_CREAT
listed = [row.split()[1] for row in open("/proc/sysvipc/shm").read().splitlines()[1:]]  # shmid
print("left a segment" if str(segment) in listed else f"no segment: {segment}")
"""

CHECK_LEFTOVERS = """
import os
print(sorted(set(os.listdir("/tmp")) - {os.path.basename(os.getcwd())}), os.path.exists("/tmp/daemon-was-here"), os.path.exists("/tmp/left-behind"))
print(open("/proc/sysvipc/shm").read().count("\\n") - 1)
"""


def assert_clean(runner, baseline_starts):
    """Nothing of the last run remains, in the same environment, and the next run works."""
    answer = runner.last_answer
    assert not answer.environment_retired, "the environment retired instead of cleaning up"
    snapshot = runner.snapshot()
    assert snapshot == {"processes": [runner.environment.runtime_pid], "tmp": []}
    follow_up = runner('print("next")')
    assert follow_up["status"] == "ok" and follow_up["run"]["stdout"] == "next\n"
    assert runner.environment.starts == baseline_starts


@pytest.fixture
def runner(python_runner):
    python_runner('print("warm")')  # a fresh environment after any earlier test retired one
    python_runner.starts = python_runner.environment.starts
    return python_runner


@pytest.mark.parametrize(
    "program, limits, status",
    [
        (FORK_BOMB, {"time_ms": 1500}, "time_limit"),
        ("while True:\n    pass\n", {"time_ms": 1000}, "time_limit"),
        ("import time\ntime.sleep(60)\n", {"time_ms": 1000}, "time_limit"),
        ("block = bytearray(4 * 1024**3)\n", {}, "memory_limit"),
        (TREE_MEMORY, {"memory_mb": 256, "time_ms": 10000}, "memory_limit"),
        (THREADS, {}, "runtime_error"),
        ("open('big', 'wb').write(b'x' * 100 * 1024 * 1024)\n", {"memory_mb": 512}, "runtime_error"),
    ],
    ids=["fork-bomb", "endless-loop", "sleep-past-deadline", "allocate-4GB", "memory-across-processes", "thousands-of-threads", "100MB-file"],
)
def test_hostile_program_gets_its_status_and_leaves_nothing(runner, program, limits, status):
    started = time.monotonic()
    result = runner(program, limits=limits)
    assert result["status"] == status, result
    assert time.monotonic() - started < (limits.get("time_ms", 5000) / 1000) + 3
    assert_clean(runner, runner.starts)


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_printing_forever_is_stopped_quickly_and_the_result_stays_small(runner, stream):
    started = time.monotonic()
    result = runner(f"import sys\nwhile True:\n    sys.{stream}.write('flood ' * 1000)\n", limits={"output_bytes": 65536})
    assert time.monotonic() - started < 2
    assert result["status"] == "output_limit" and result["run"]["truncated"]
    assert len(result["run"][stream]) == 65536
    assert len(json.dumps(result)) < 3 * 65536
    assert_clean(runner, runner.starts)


def test_double_forked_daemon_ignoring_sigterm_is_killed_and_its_file_removed(runner):
    result = runner(DAEMON)
    assert result["status"] == "ok" and result["run"]["stdout"] == "parent done\n"
    assert_clean(runner, runner.starts)
    time.sleep(0.1)  # a survivor would write again meanwhile
    leftovers = runner(CHECK_LEFTOVERS)
    assert leftovers["run"]["stdout"].splitlines()[0] == "[] False False"


def test_a_file_left_in_tmp_outside_the_workspace_is_removed(runner):
    result = runner("open('/tmp/left-behind', 'w').write('secret of run 1')\nprint('written')")
    assert result["status"] == "ok"
    assert_clean(runner, runner.starts)
    assert runner(CHECK_LEFTOVERS)["run"]["stdout"].splitlines()[0] == "[] False False"


def test_shared_memory_segments_do_not_survive_the_run(runner):
    result = runner(SHARED_MEMORY)
    assert result["status"] == "ok" and result["run"]["stdout"] == "left a segment\n"  # for the sweep to remove
    assert_clean(runner, runner.starts)
    assert runner(CHECK_LEFTOVERS)["run"]["stdout"].splitlines()[1] == "0"


def test_the_environment_holds_no_credentials_and_no_runtime_address(runner):
    result = runner("import json, os\nprint(json.dumps(dict(os.environ)))")
    variables = json.loads(result["run"]["stdout"])
    assert not [name for name in variables if name.startswith(("AWS", "LAMBDA", "_"))]
    assert FAKE_SECRET_MARKER not in result["run"]["stdout"]
    assert "9001" not in result["run"]["stdout"]
    assert_clean(runner, runner.starts)


def test_the_runtime_process_reveals_nothing_through_proc(runner):
    result = runner(PROC_SNOOP)
    assert result["status"] == "ok"
    snooped = json.loads(result["run"]["stdout"])
    assert FAKE_SECRET_MARKER not in result["run"]["stdout"]
    assert "AWS_LAMBDA_RUNTIME_API" not in result["run"]["stdout"]
    if runner.profile == "lambda":  # the runtime is the program's parent, and non-dumpable
        parent = str(snooped["parent"])
        assert snooped["seen"][parent + "/environ"] == "PermissionError"
        assert "glimpse.lambda_runtime" in snooped["seen"][parent + "/cmdline"]
        # RAPID, the runtime's parent, is another user's: its environment is closed too
        rapid = next(name.split("/")[0] for name, seen in snooped["seen"].items() if "aws-lambda-rie" in seen)
        assert snooped["seen"][rapid + "/environ"] == "PermissionError"
    assert_clean(runner, runner.starts)


def test_killing_the_parent_may_fail_this_run_but_not_the_next(python_runner):
    python_runner(KILL_EVERYONE)
    result = python_runner('print("still serving")')
    assert result["status"] == "ok" and result["run"]["stdout"] == "still serving\n"
    assert python_runner.snapshot() == {"processes": [python_runner.environment.runtime_pid], "tmp": []}


def test_non_utf8_output_survives_as_exact_base64(runner):
    raw = b"\xff\xfe\x00 raw \x80 bytes"
    result = runner(f"import sys\nsys.stdout.buffer.write({raw!r})")
    assert result["status"] == "ok"
    assert result["run"]["stdout_encoding"] == "base64"
    assert base64.b64decode(result["run"]["stdout"]) == raw
    assert_clean(runner, runner.starts)


def test_a_megabyte_of_control_characters_on_each_stream_still_makes_an_answer(runner):
    # Escaped in JSON each of these bytes is six ("\u0001"): 2 x 1 MiB would be 12 MB of answer,
    # twice Lambda's response limit. Such output travels as base64 instead.
    program = "import sys\nsys.stdout.buffer.write(b'\\x01' * 1048576)\nsys.stderr.buffer.write(b'\\x02' * 1048576)"
    result = runner(program, limits={"output_bytes": 1048576})
    assert result["status"] == "ok", result.get("message") or str(result)[:300]
    assert len(runner.last_answer.payload) < 6 * 1024 * 1024
    assert (result["run"]["stdout_encoding"], result["run"]["stderr_encoding"]) == ("base64", "base64")
    assert base64.b64decode(result["run"]["stdout"]) == b"\x01" * 1048576
    assert base64.b64decode(result["run"]["stderr"]) == b"\x02" * 1048576
    assert_clean(runner, runner.starts)


def test_a_megabyte_of_stdin_is_read_to_the_end(runner):
    data = "".join(random.choices(string.ascii_letters + "\n", k=1024 * 1024))
    program = "import sys, hashlib\ndata = sys.stdin.buffer.read()\nprint(len(data), hashlib.sha256(data).hexdigest())"
    result = runner(program, stdin=data)
    assert result["status"] == "ok"
    assert result["run"]["stdout"].split() == [str(len(data)), hashlib.sha256(data.encode()).hexdigest()]
    assert_clean(runner, runner.starts)


@pytest.mark.parametrize(
    "files, field, words",
    [
        ([{"name": "../x", "content": "x"}], "files.0.name", "'..'"),
        ([{"name": "/etc/x", "content": "x"}], "files.0.name", "absolute"),
        ([{"name": "a/../../b", "content": "x"}], "files.0.name", "'..'"),
        ([{"name": "a\x00b", "content": "x"}], "files.0.name", "NUL"),
        ([{"name": "n" * 300, "content": "x"}], "files.0.name", "255 bytes"),
        ([{"name": f"f{index}.py", "content": ""} for index in range(10_000)], "files", "at most 64"),
    ],
    ids=["dot-dot", "absolute", "climbing", "nul", "300-characters", "10000-files"],
)
def test_hostile_file_names_are_rejected_and_nothing_is_written(runner, files, field, words):
    result = runner(files=files)
    assert result["error"] == "invalid_request"
    assert result["fields"][0]["field"] == field and words in result["fields"][0]["message"]
    assert field in result["message"]
    root = f"/proc/{runner.environment.runtime_pid}/root"
    assert not any(os.path.exists(root + path) for path in ("/x", "/tmp/x", "/etc/x", "/b", "/tmp/b"))
    assert_clean(runner, runner.starts)


def test_isolation_lists_only_what_was_enforced(runner):
    isolation = runner('print("hi")')["isolation"]
    assert isolation["profile"] == runner.profile
    host_only = {"seccomp", "landlock", "namespaces"}
    if runner.profile == "lambda":
        assert host_only.isdisjoint(isolation["protections"])
        assert "non_dumpable_runtime" in isolation["protections"]
    else:
        assert {"seccomp", "namespaces"} <= set(isolation["protections"])


# What a program can do to the Runtime API in Lambda, where nothing stands between it and
# 127.0.0.1:9001 (in the lambda profile the environment's RAPID serves it, as in Lambda): read the
# invocation again, answer it with the real request id (given on stdin: in Lambda a thief reads it
# from /next), then wait on /next for the next request. Optionally it kills the runtime first, so
# that nothing holds the answer.
RUNTIME_API_THIEF = """
import json, os, signal, sys, time, urllib.error, urllib.request
request_id, seconds, kill_runtime = sys.stdin.read().split()
if kill_runtime == "yes":
    os.kill(os.getppid(), signal.SIGKILL)
api = "http://127.0.0.1:9001/2018-06-01/runtime"
def call(method, path, body=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(api + path, data=body, method=method), timeout=0.5) as answer:
            return [answer.status, answer.read().decode(errors="replace")]
    except urllib.error.HTTPError as error:
        return [error.code, error.read().decode(errors="replace")]
    except OSError as error:
        return [type(error).__name__, str(error)]
forged = json.dumps({"status": "accepted", "forged": True, "tests": [{"index": 0, "status": "accepted"}]}).encode()
attempts = {"next": call("GET", "/invocation/next"),
            "response": call("POST", "/invocation/" + request_id + "/response", forged),
            "error": call("POST", "/invocation/" + request_id + "/error", forged)}
deadline, polls = time.monotonic() + float(seconds), []
while time.monotonic() < deadline:
    polls.append(call("GET", "/invocation/next"))
    time.sleep(0.05)
attempts["polls"] = polls
print(json.dumps(attempts))
"""
NEXT_CALLER = {"language": "python", "code": "print(input()[::-1])", "stdin": "the next caller's input"}


def _steal(environment, kill_runtime: bool = False, judged: bool = False) -> tuple:
    """The thief's invocation, and the next caller's, sent while the thief still polls /next."""
    thief_id = str(uuid.uuid4())
    orders = f"{thief_id} 1.5 {'yes' if kill_runtime else 'no'}"
    event = {"language": "python", "code": RUNTIME_API_THIEF}
    if judged:
        event["tests"] = [{"stdin": orders, "expected_stdout": "what the thief prints is never this"}]
    else:
        event["stdin"] = orders
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        stealing = pool.submit(environment.invoke, json.dumps(event).encode(), request_id=thief_id)
        time.sleep(0.7)  # the program is polling now
        next_caller = environment.invoke(json.dumps(NEXT_CALLER).encode())
        return stealing.result(), next_caller


def _assert_nothing_taken(attempts: dict) -> None:
    answers = [attempts["next"], attempts["response"], attempts["error"], *attempts["polls"]]
    assert attempts["polls"], "the program stopped polling"
    assert not [answer for answer in answers if answer[0] in (200, 202)], answers
    assert "the next caller's input" not in json.dumps(attempts)


def _assert_the_next_caller_is_answered(next_caller) -> None:
    result = json.loads(next_caller.payload)
    assert next_caller.function_error is None
    assert result["status"] == "ok" and result["run"]["stdout"] == "tupni s'rellac txen eht\n"


def test_a_program_can_neither_answer_for_the_runner_nor_take_the_next_request(runner):
    stolen, next_caller = _steal(runner.environment)
    result = json.loads(stolen.payload)
    assert stolen.function_error is None and "forged" not in result  # the runner's own answer
    assert result["status"] == "ok" and result["id"]
    attempts = json.loads(result["run"]["stdout"])
    _assert_nothing_taken(attempts)
    if runner.profile == "lambda":  # RAPID is reachable, as in Lambda: the answer being claimed, it
        # refuses /next at once, and holds a forged answer until the runner's is in, then refuses it
        assert attempts["next"][0] == 403 and "InvalidStateTransition" in attempts["next"][1]
        assert {attempts["response"][0], attempts["error"][0]} <= {403, "TimeoutError"}
    _assert_the_next_caller_is_answered(next_caller)
    assert not next_caller.environment_retired and runner.environment.starts == runner.starts


def test_a_program_in_judge_mode_cannot_forge_its_verdict(runner):
    stolen, next_caller = _steal(runner.environment, judged=True)
    result = json.loads(stolen.payload)
    assert "forged" not in result and result["status"] == "wrong_answer"
    assert result["tests"][0]["status"] == "wrong_answer"
    _assert_the_next_caller_is_answered(next_caller)


def test_a_program_that_kills_the_runtime_mid_answer_gets_the_environment_replaced(runner):
    stolen, next_caller = _steal(runner.environment, kill_runtime=True)
    assert b"forged" not in stolen.payload
    if runner.profile == "lambda":  # it can: the caller learns the runtime died, and nothing else
        assert stolen.function_error == "Unhandled" and stolen.environment_retired
        assert json.loads(stolen.payload)["errorType"] == "Runtime.ExitError"
        assert runner.environment.starts == runner.starts + 1
    else:  # the runner's namespaces hide the runtime from the program
        assert json.loads(stolen.payload)["status"] == "ok" and not stolen.environment_retired
    _assert_the_next_caller_is_answered(next_caller)
