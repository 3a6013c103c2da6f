"""Execution environments behind the API: reused, cleaned between runs, replaced when they retire.
A program names its environment by its pid namespace; each test has a key, so a tenant, and so
environments, of its own."""

import os

from stack_helpers import KEYS, call, runtime_in

LOOK_AROUND = """
import os
sleepers = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if open(f"/proc/{pid}/cmdline", "rb").read().startswith(b"/usr/bin/sleep"):
            sleepers.append(pid)
    except OSError:
        pass
print(os.readlink("/proc/self/ns/pid"), os.path.exists("/tmp/left-behind"), sleepers)
"""
LEAVE_BEHIND = """
import os, signal, subprocess
if os.fork() == 0:  # a grandchild in a session of its own, deaf to SIGTERM: it means to stay
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    subprocess.Popen(["/usr/bin/sleep", "300"])
    os._exit(0)
os.wait()
with open("/tmp/left-behind", "w") as out:
    out.write("for the next run")
""" + LOOK_AROUND
WHERE = "import os\nprint(os.readlink('/proc/self/ns/pid'))"


def run(stack, key: str, code: str) -> dict:
    answer = call(stack.url, "POST", "/v1/executions", {"language": "python", "code": code}, key=KEYS[key])
    assert answer.status == 200, answer.body
    assert answer.body["status"] == "ok", answer.body
    return answer.body


def test_the_next_runs_in_the_same_environment_see_no_process_and_no_file_of_an_earlier_run(stack):
    environment, left_file, left_processes = run(stack, "reuse", LEAVE_BEHIND)["run"]["stdout"].split(" ", 2)
    assert left_file == "True" and left_processes != "[]\n"  # both there when the run ended
    for _ in range(2):
        assert run(stack, "reuse", LOOK_AROUND)["run"]["stdout"] == f"{environment} False []\n"


def test_an_environment_that_retires_itself_is_replaced_and_the_next_request_is_served(stack):
    environment = run(stack, "retire", WHERE)["run"]["stdout"].strip()
    # Something the runner's user cannot remove appears in the environment's /tmp (root's file in
    # a sticky directory): the runner cannot prove the environment clean after its next run.
    with open(f"/proc/{runtime_in(environment)}/root/tmp/planted-by-root", "w") as planted:
        planted.write("x")
    answered = run(stack, "retire", WHERE)
    assert answered["run"]["stdout"].strip() == environment  # answered, then the runner retired it
    following = run(stack, "retire", WHERE)["run"]["stdout"].strip()
    assert following != environment
    assert not os.path.exists(f"/proc/{runtime_in(following)}/root/tmp/planted-by-root")
