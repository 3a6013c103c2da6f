"""A test function for the execution environment: it does what the event's "action" asks.

Pure stdlib. Probes of the kernel's answers run in a forked child, so the runtime process itself
is never changed by them (and unshare(CLONE_NEWUSER) gets the single-threaded process it needs).
"""

import ctypes
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

CLONE_NEWUSER = 0x10000000
SYS = {"clone": 56, "prctl": 157, "ptrace": 101, "mount": 165, "umount2": 166, "pivot_root": 155,
       "setns": 308, "unshare": 272, "seccomp": 317, "open_tree": 428, "move_mount": 429, "fsopen": 430,
       "fsconfig": 431, "fsmount": 432, "fspick": 433, "clone3": 435, "mount_setattr": 442,
       "landlock_create_ruleset": 444}
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 4, 22, 36, 38

invocations = 0  # module state survives between invocations of one environment


def handler(event, context):
    global invocations
    invocations += 1
    action = event.get("action", "echo")
    return ACTIONS[action](event, context)


def echo(event, context):
    return event


def count(event, context):
    return {"count": invocations, "pid": os.getpid()}


def context_fields(event, context):
    return {
        "request_id": context.aws_request_id,
        "function_arn": context.invoked_function_arn,
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "tenant_id": getattr(context, "tenant_id", None),
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
    }


def identity(event, context):
    status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
    return {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
            "status": {key: value.strip() for key, value in status.items()}}


def environ(event, context):
    return dict(os.environ)


def writable(event, context):
    found = []
    for directory in event["paths"]:
        try:
            with open(os.path.join(directory, f".probe-{os.getpid()}"), "x") as probe:
                found.append(directory)
            os.unlink(probe.name)
        except OSError:
            pass
    return found


def write_devices(event, context):
    written = {}
    for device in ("/dev/null", "/dev/zero"):
        with open(device, "wb") as sink:
            written[device] = sink.write(b"x") == 1
    return written


def read_files(event, context):
    contents = {}
    for path in event["paths"]:
        try:
            with open(path, "rb") as file:
                contents[path] = file.read().decode("utf-8", "replace")
        except OSError as error:
            contents[path] = f"errno {error.errno}"
    return contents


def listdir(event, context):
    return sorted(os.listdir(event["path"]))


def stat_path(event, context):
    found = os.stat(event["path"])
    return {"uid": found.st_uid, "gid": found.st_gid}


def probes(event, context):
    results = {name: _errno_in_child(probe) for name, probe in PROBES.items()}
    results["thread_runs"] = _thread_runs()
    results["subprocess_runs"] = subprocess.run(["/bin/true"]).returncode == 0
    return results


def connect(event, context):
    try:
        with urllib.request.urlopen(event["url"], timeout=2):
            return "connected"
    except OSError as error:
        reason = getattr(error, "reason", error)
        return f"errno {getattr(reason, 'errno', None)}"


def sleep(event, context):
    # CLOCK_MONOTONIC is shared with the host: the tests compare these intervals.
    started = time.monotonic()
    time.sleep(event["seconds"])
    return {"started": started, "ended": time.monotonic()}


def fail(event, context):
    raise ValueError("the fixture was asked to fail")


def exit_runtime(event, context):
    os._exit(event.get("code", 0))


def crash(event, context):
    os.kill(os.getpid(), signal.SIGSEGV)


def spawn_background(event, context):
    # A detached process that would outlive the invocation (and freeze, in Lambda).
    process = subprocess.Popen(["/bin/sleep", "300"], start_new_session=True)
    return {"pid_in_sandbox": process.pid}


def post_then_exit(event, context):
    # What the runner does to retire itself: answer through the Runtime API, then exit.
    url = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation/{context.aws_request_id}/response"
    body = json.dumps({"posted": "by the function itself"}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST")) as answer:
        answer.read()
    os._exit(0)


def post_then_exit_at_once(event, context):
    # The same without waiting for the Runtime API's reply: the request may still be unread when
    # the process is gone.
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    body = json.dumps({"posted": "without waiting"}).encode()
    head = (f"POST /2018-06-01/runtime/invocation/{context.aws_request_id}/response HTTP/1.1\r\n"
            f"Host: {host}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    connection = socket.create_connection((host, int(port)))
    connection.sendall(head + body)
    os._exit(0)


def bomb(event, context):
    """Up to `processes` children, then threads until the kernel refuses one, then one more fork;
    all of them live until `hold` seconds have passed."""
    hold = time.monotonic() + event["hold"]
    threading.stack_size(64 * 1024)
    release = threading.Event()
    pids, threads, refused = [], 0, {}
    for _ in range(event["processes"]):
        try:
            pid = os.fork()
        except OSError as error:
            refused["fork"] = os.strerror(error.errno)
            break
        if pid == 0:
            time.sleep(max(0.0, hold - time.monotonic()))
            os._exit(0)
        pids.append(pid)
    try:
        while True:
            threading.Thread(target=release.wait, daemon=True).start()
            threads += 1
    except RuntimeError as error:  # "can't start new thread"
        refused["thread"] = str(error)
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    except OSError as error:
        refused["last_fork"] = os.strerror(error.errno)
    time.sleep(max(0.0, hold - time.monotonic()))
    release.set()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return {"processes": len(pids), "threads": threads, "refused": refused}


def spawn_many(event, context):
    """Starts threads and processes, all alive at once, and reports how many of them worked."""
    release = threading.Event()
    threads = [threading.Thread(target=release.wait, args=(30,)) for _ in range(event["threads"])]
    started = 0
    for thread in threads:
        thread.start()
        started += 1
    processes = [subprocess.Popen(["/bin/sleep", "30"]) for _ in range(event["processes"])]
    release.set()
    for thread in threads:
        thread.join()
    for process in processes:
        process.kill()
        process.wait()
    return {"threads": started, "processes": len(processes)}


def allocate(event, context):
    """Touches `mb` megabytes, in this process or in a child."""
    code = f"block = bytearray({event['mb']} * 1024 * 1024)\nprint(len(block))"
    if event.get("in_child"):
        return subprocess.run(["/var/lang/bin/python3", "-c", code]).returncode
    block = bytearray(event["mb"] * 1024 * 1024)
    return len(block)


def big_response(event, context):
    return "x" * event["size"]


def log(event, context):
    print(event["line"], flush=True)
    return "logged"


# What any process of an environment can do to Lambda's Runtime API while an invocation is in
# flight: read that invocation again, answer it, and note what it got.
THIEF = """
import json, os, sys, urllib.error, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
with urllib.request.urlopen(api + "next", timeout=5) as answer:
    request_id, event = answer.headers["Lambda-Runtime-Aws-Request-Id"], json.loads(answer.read())
forged = json.dumps({"forged_for": request_id, "event_seen": event}).encode()
try:
    with urllib.request.urlopen(urllib.request.Request(api + request_id + "/response", data=forged, method="POST"), timeout=5) as answer:
        status = answer.status
except urllib.error.HTTPError as error:
    status = error.code
print(json.dumps({"read_again": request_id, "forged_status": status}))
"""


def steal(event, context):
    # A naive handler: it starts a child and then answers for itself, too late.
    child = subprocess.run(["/var/lang/bin/python3.12", "-c", THIEF], capture_output=True, text=True, timeout=10)
    try:
        urllib.request.urlopen(urllib.request.Request(
            f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation/{context.aws_request_id}/response",
            data=json.dumps({"honest": child.stdout}).encode(), method="POST"), timeout=5)
    except urllib.error.HTTPError as error:
        print(f"the handler's own answer was refused: {error.code}", flush=True)
    return {"honest": child.stdout}


ACTIONS = {
    "echo": echo, "count": count, "context": context_fields, "identity": identity, "environ": environ,
    "writable": writable, "write_devices": write_devices, "read": read_files, "listdir": listdir, "probes": probes, "connect": connect,
    "sleep": sleep, "fail": fail, "exit": exit_runtime, "crash": crash, "spawn_background": spawn_background,
    "post_then_exit": post_then_exit, "post_then_exit_at_once": post_then_exit_at_once, "big_response": big_response, "log": log,
    "bomb": bomb, "spawn_many": spawn_many, "allocate": allocate, "stat": stat_path, "steal": steal,
}


# --- probes: each returns 0 on success or raises OSError ---

def _syscall(name, *args):
    result = libc.syscall(SYS[name], *(ctypes.c_ulong(arg) if isinstance(arg, int) else arg for arg in args))
    if result < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return 0


def _clone_newuser():
    pid = libc.syscall(SYS["clone"], ctypes.c_ulong(CLONE_NEWUSER | signal.SIGCHLD), None, None, None, None)
    if pid == 0:
        os._exit(0)
    if pid < 0:
        raise OSError(ctypes.get_errno(), "clone")
    os.waitpid(pid, 0)
    return 0


def _setns_own_user_namespace():
    fd = os.open("/proc/self/ns/user", os.O_RDONLY)
    return _syscall("setns", fd, 0)  # EINVAL without the filter (already a member), EPERM with it


PROBES = {
    "unshare_newuser": lambda: _syscall("unshare", CLONE_NEWUSER),
    "os_unshare_newuser": lambda: os.unshare(os.CLONE_NEWUSER) or 0,
    "clone_newuser": _clone_newuser,
    "clone3": lambda: _syscall("clone3", None, 0),
    "setns": _setns_own_user_namespace,
    "ptrace_traceme": lambda: _syscall("ptrace", 0, 0, 0, 0),
    "seccomp": lambda: _syscall("seccomp", 1, 0, None),
    "prctl_no_new_privs": lambda: _syscall("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
    "prctl_no_new_privs_high_bits": lambda: _syscall("prctl", (1 << 32) | PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
    "prctl_set_seccomp": lambda: _syscall("prctl", PR_SET_SECCOMP, 2, None, 0, 0),
    "prctl_child_subreaper": lambda: _syscall("prctl", PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0),
    "prctl_pdeathsig": lambda: _syscall("prctl", PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0),
    "prctl_dumpable": lambda: _syscall("prctl", PR_SET_DUMPABLE, 0, 0, 0, 0),
    "mount": lambda: _syscall("mount", b"none", b"/tmp", b"tmpfs", 0, None),
    "umount2": lambda: _syscall("umount2", b"/tmp", 0),
    "pivot_root": lambda: _syscall("pivot_root", b"/tmp", b"/tmp"),
    "open_tree": lambda: _syscall("open_tree", -100 & 0xFFFFFFFF, b"/tmp", 0),
    "move_mount": lambda: _syscall("move_mount", -100 & 0xFFFFFFFF, b"/tmp", -100 & 0xFFFFFFFF, b"/tmp", 0),
    "fsopen": lambda: _syscall("fsopen", b"tmpfs", 0),
    "fsconfig": lambda: _syscall("fsconfig", -1 & 0xFFFFFFFF, 0, None, None, 0),
    "fsmount": lambda: _syscall("fsmount", -1 & 0xFFFFFFFF, 0, 0),
    "fspick": lambda: _syscall("fspick", -100 & 0xFFFFFFFF, b"/tmp", 0),
    "mount_setattr": lambda: _syscall("mount_setattr", -100 & 0xFFFFFFFF, b"/tmp", 0, None, 0),
    "landlock_create_ruleset": lambda: _syscall("landlock_create_ruleset", None, 0, 1),
}


def _errno_in_child(probe):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            code = probe()
        except OSError as error:
            code = error.errno
        except BaseException:
            code = -1
        os.write(write_end, str(code).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as result:
        code = result.read()
    os.waitpid(pid, 0)
    return int(code) if code else -1


def _thread_runs():
    ran = []
    thread = threading.Thread(target=ran.append, args=(True,))
    thread.start()
    thread.join()
    return ran == [True]

