"""Judge mode in the Python runner, in both profiles: each test starts from the program as it
was built, and sees nothing of the tests before it: no file, no process, no change to the program."""

import json

LEAVE_TRACES = r'''
import os, subprocess, sys
MARK = "changed by an " + "earlier test"  # split: the program's own text holds no mark

def seen():
    """What this test can see of an earlier one."""
    found = [name for name in ("left-in-workspace",) if os.path.exists(name)]
    found += [f"tmpdir/{name}" for name in os.listdir(os.environ["TMPDIR"])]
    found += [f"/tmp/{name}" for name in os.listdir("/tmp") if name.startswith("left-")]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"judge-leftover" in open(f"/proc/{pid}/cmdline", "rb").read():
                found.append("process")
        except OSError:
            pass
    if MARK in open(__file__).read():
        found.append("changed program")
    return found

print(" ".join(seen()) or "clean")
if sys.stdin.read().strip() == "leave":
    open("left-in-workspace", "w").write("x")
    open(os.path.join(os.environ["TMPDIR"], "left-in-tmpdir"), "w").write("x")
    open("/tmp/left-in-tmp", "w").write("x")
    with open(__file__, "a") as program:
        program.write(f"\n# {MARK}\n")
    subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(0.01)", "judge-leftover"],
                     start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print("left")
'''


def test_a_test_sees_no_file_process_or_change_left_by_the_one_before(python_runner):
    tests = [{"stdin": "leave", "expected_stdout": "clean\nleft\n"}, {"stdin": "look", "expected_stdout": "clean\n"},
             {"stdin": "leave", "expected_stdout": "clean\nleft\n"}, {"stdin": "look", "expected_stdout": "clean\n"}]
    result = python_runner(LEAVE_TRACES, tests=tests, return_outputs=True)
    assert [test["status"] for test in result["tests"]] == ["accepted"] * 4, json.dumps(result)[:3000]
    assert result["status"] == "accepted"
    assert not python_runner.last_answer.environment_retired
    assert python_runner.snapshot() == {"processes": [python_runner.environment.runtime_pid], "tmp": []}


def test_the_comparison_modes_through_the_runner(python_runner):
    code = "import sys\nsys.stdout.write(sys.stdin.read())"
    cases = [  # (compare, extra options, printed, expected, verdict)
        ("exact", {}, "1 2\n", "1 2", "wrong_answer"),
        ("trim", {}, "1 2  \n\n", "1 2", "accepted"),
        ("tokens", {}, "1\n2\n", "1 2", "accepted"),
        ("float", {}, "0.1000001", "0.1", "accepted"),
        ("float", {"float_tolerance": 1e-9}, "0.1000001", "0.1", "wrong_answer"),
    ]
    for compare, options, printed, expected, wanted in cases:
        result = python_runner(code, tests=[{"stdin": printed, "expected_stdout": expected}], compare=compare, **options)
        assert result["tests"][0]["status"] == wanted, (compare, options, result)


def test_failures_keep_their_own_status_and_accounts(python_runner):
    code = """import sys
case = sys.stdin.read()
if case == "crash":
    print("partial")
    sys.exit(3)
if case == "memory":
    block = bytearray(400 * 1024 * 1024)
if case == "flood":
    while True:
        print("x" * 1000)
print("fine")
"""
    tests = [{"stdin": case, "expected_stdout": "fine"} for case in ("crash", "memory", "flood", "ok")]
    result = python_runner(code, tests=tests, limits={"memory_mb": 128, "output_bytes": 4096})
    crash, memory, flood, fine = result["tests"]
    assert crash["status"] == "runtime_error" and crash["exit_code"] == 3
    assert memory["status"] == "memory_limit" and memory["message"]
    assert flood["status"] == "output_limit" and flood["truncated"] is True
    assert fine["status"] == "accepted" and fine["exit_code"] == 0
    assert fine["time_ms"] > 0 and fine["memory_kb"] > 0  # the accounts of a run that ended by itself
    assert result["status"] == "runtime_error"


def test_a_refused_request_runs_nothing(python_runner):
    answer = python_runner("print(1)", stdin="1", tests=[{"stdin": "1", "expected_stdout": "1"}])
    assert answer["error"] == "invalid_request" and [field["field"] for field in answer["fields"]] == ["stdin"]
    answer = python_runner("print(1)", tests=[{"stdin": "1", "expected_stdout": "1"}], compare="float", float_tolerance=2)
    assert [field["field"] for field in answer["fields"]] == ["float_tolerance"]
