"""A soak of the local stack: many requests of every language and several tenants, a share of them
hostile, and nothing lost or wrong.

Usage: .venv/bin/python bench/soak.py [--requests 2000] [--concurrency 20] [--keys 5] [--hostile 0.15]

It starts `glimpse dev` (what `make dev` runs) with its own API keys on a free port, sends the
requests from `--concurrency` client threads, stops the stack with Ctrl-C's signal, and reports:
- lost answers (no answer, a 5xx, or any status but 200 once 429s are retried) and wrong ones (a
  200 whose result is not what the program must give): both must be 0, else it exits 1;
- each result status's count, and each language's p50/p95/p99 latency (the answered attempt);
- 429s by origin: the usage plan's (the gateway: each key has the template's 10 requests/s,
  burst 20, so 20 client threads meet it) and Lambda's (the router's `throttled`: must be 0);
- the stack's peak memory: the sums of RSS and of PSS over its processes (the gateway, moto and
  every execution environment), sampled every half second. RSS counts shared pages once per
  process; PSS shares them out.

Every ordinary request runs the language's echo program with a unique line on stdin, and must
get exactly that line back: an answer meant for another request would carry another line. The
hostile share runs the language's endless loop (time_limit), output flood (output_limit), memory
bomb (memory_limit) and fork bomb (contained as time_limit, runtime_error or memory_limit), and, in Python, a Runtime API
thief that polls Lambda's Runtime API for the next invocation and posts a forged answer while it
runs (it must take nothing, and its answer must be the runner's own).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from glimpse.languages import LANGUAGES, catalogue
from glimpse_local.local import build, project_root

STARTUP_S = 600  # the first `glimpse dev` after a clean build may build the layers
MAX_THROTTLED_RETRIES = 120
REQUEST_TIMEOUT_S = 60  # the API's integration timeout (29 s) plus room
THIEF = """
import json, time, urllib.error, urllib.request
api = "http://127.0.0.1:9001/2018-06-01/runtime"
def call(method, path, body=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(api + path, data=body, method=method), timeout=0.3) as answer:
            return [answer.status, answer.read().decode(errors="replace")[:200]]
    except urllib.error.HTTPError as error:
        return [error.code, ""]
    except OSError as error:
        return [type(error).__name__, ""]
forged = json.dumps({"status": "ok", "forged": True}).encode()
answers, deadline = [], time.monotonic() + 1.0
while time.monotonic() < deadline:
    answers.append(call("GET", "/invocation/next"))
    answers.append(call("POST", "/invocation/00000000-0000-0000-0000-000000000000/response", forged))
    time.sleep(0.05)
print(json.dumps({"taken": [answer for answer in answers if answer[0] in (200, 202)], "tries": len(answers)}))
"""
HOSTILE = {  # program: (limits, statuses it may end with)
    "endless_loop": ({"time_ms": 1000}, {"time_limit"}),
    "output_flood": ({"output_bytes": 65536}, {"output_limit"}),
    "fork_bomb": ({"time_ms": 1500}, {"time_limit", "runtime_error", "memory_limit"}),
    "memory_bomb": ({"memory_mb": 128, "time_ms": 10000}, {"memory_limit"}),
}


@dataclass
class Job:
    language: str
    key: str
    kind: str  # "echo", a HOSTILE program, or "thief"
    body: dict
    expected_stdout: str | None = None


@dataclass
class Outcome:
    job: Job
    status: int | None = None  # HTTP status of the last attempt; None: no answer
    result_status: str | None = None
    latency_ms: float = 0.0
    usage_plan_429s: int = 0
    lambda_429s: int = 0
    problem: str | None = None  # why it is lost or wrong


@dataclass
class MemoryPeak:
    rss_kb: int = 0
    pss_kb: int = 0
    processes: int = 0
    samples: list[tuple[int, int]] = field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--keys", type=int, default=5)
    parser.add_argument("--hostile", type=float, default=0.15, help="share of hostile programs (default 0.15)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    root = project_root()
    build(root)
    keys = [f"glimpse-soak-key-{number}-{uuid.uuid4().hex}" for number in range(options.keys)]
    jobs = plan(options.requests, keys, options.hostile, random.Random(options.seed))
    port = free_port()
    command = [str(root / ".venv" / "bin" / "glimpse"), "dev", "--port", str(port), *(part for key in keys for part in ("--key", key))]
    stack = subprocess.Popen(command, cwd=root, stderr=subprocess.PIPE, text=True, start_new_session=True)
    log = StackLog(stack, root / "build" / "soak-stack.log")
    peak, stop_sampling = MemoryPeak(), threading.Event()
    try:
        log.wait_for("serving ", STARTUP_S)
        sampler = threading.Thread(target=sample_memory, args=(stack.pid, peak, stop_sampling), daemon=True)
        sampler.start()
        started = time.monotonic()
        with ThreadPoolExecutor(options.concurrency) as pool:
            outcomes = list(pool.map(lambda job: send(port, job), jobs))
        elapsed_s = time.monotonic() - started
    finally:
        stop_sampling.set()
        stack.send_signal(signal.SIGINT)
        try:
            stack.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait()
    report(options, outcomes, elapsed_s, peak, log)
    return 1 if any(outcome.problem for outcome in outcomes) else 0


def plan(requests: int, keys: list[str], hostile_share: float, rng: random.Random) -> list[Job]:
    """Languages and keys in turn, each request hostile with the given probability, then shuffled."""
    languages = [recipe.id for recipe in catalogue().recipes]
    jobs = []
    for index in range(requests):
        language, key = languages[index % len(languages)], keys[index % len(keys)]
        kinds = [*HOSTILE, "thief"] if language == "python" else list(HOSTILE)
        if rng.random() < hostile_share:
            jobs.append(hostile_job(language, key, rng.choice(kinds)))
        else:
            line = f"request {index} {uuid.uuid4()}\n"
            jobs.append(Job(language, key, "echo", {"language": language, "code": program(language, "echo"), "stdin": line}, line))
    rng.shuffle(jobs)
    return jobs


def hostile_job(language: str, key: str, kind: str) -> Job:
    if kind == "thief":
        return Job(language, key, kind, {"language": language, "code": THIEF})
    limits, _ = HOSTILE[kind]
    return Job(language, key, kind, {"language": language, "code": program(language, kind), "limits": limits})


def program(language: str, case: str) -> str:
    return next((LANGUAGES / language / "programs").glob(f"{case}.*")).read_text()


def send(port: int, job: Job) -> Outcome:
    """The job's request until it is answered other than 429, retrying each 429 after Retry-After."""
    outcome = Outcome(job)
    body = json.dumps(job.body)
    for _ in range(MAX_THROTTLED_RETRIES):
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
            connection.request("POST", "/v1/executions", body=body, headers={"X-API-Key": job.key, "Content-Type": "application/json"})
            response = connection.getresponse()
            content = response.read()
            connection.close()
        except OSError as error:
            outcome.problem = f"no answer: {error!r}"
            return outcome
        outcome.status, outcome.latency_ms = response.status, (time.monotonic() - started) * 1000
        answer = parsed(content)
        if response.status != 429:
            judge(outcome, answer)
            return outcome
        if "API key" in str(answer.get("message")):  # the usage plan's GatewayResponse
            outcome.usage_plan_429s += 1
        else:
            outcome.lambda_429s += 1
        time.sleep(float(response.getheader("Retry-After") or 1))
    outcome.problem = f"still throttled after {MAX_THROTTLED_RETRIES} attempts"
    return outcome


def parsed(content: bytes) -> dict:
    try:
        answer = json.loads(content)
    except ValueError:
        return {"unparsed": content[:200].decode(errors="replace")}
    return answer if isinstance(answer, dict) else {"unparsed": answer}


def judge(outcome: Outcome, answer: dict) -> None:
    """Lost unless a 200; wrong unless the result is the program's own."""
    job = outcome.job
    if outcome.status != 200:
        outcome.problem = f"HTTP {outcome.status}: {json.dumps(answer)[:300]}"
        return
    outcome.result_status = answer.get("status")
    run = answer.get("run") or {}
    if answer.get("language") != job.language or "forged" in answer:
        outcome.problem = f"not this request's result: {json.dumps(answer)[:300]}"
    elif job.kind == "echo" and (outcome.result_status != "ok" or run.get("stdout") != job.expected_stdout):
        outcome.problem = f"echo gave {outcome.result_status} {run.get('stdout')!r}, not {job.expected_stdout!r}"
    elif job.kind in HOSTILE and outcome.result_status not in HOSTILE[job.kind][1]:
        outcome.problem = f"{job.kind} ended {outcome.result_status}: {json.dumps(answer)[:300]}"
    elif job.kind == "thief":
        outcome.problem = thief_problem(outcome.result_status, run)


def thief_problem(status: str | None, run: dict) -> str | None:
    if status != "ok":
        return f"the thief ended {status}: {run.get('stderr', '')[-300:]!r}"
    try:
        attempts = json.loads(run.get("stdout") or "")
    except ValueError:
        return f"the thief printed {run.get('stdout')!r}"
    if attempts["taken"] or not attempts["tries"]:
        return f"the thief took something: {attempts}"
    return None


class StackLog:
    """`glimpse dev`'s stderr, read as it comes (its access log would fill the pipe) into a file;
    the lines that say something went wrong are also kept here."""

    def __init__(self, stack: subprocess.Popen, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []
        self.alarming: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stack,), daemon=True).start()

    def _read(self, stack: subprocess.Popen) -> None:
        with self.path.open("w") as kept:
            for line in stack.stderr:
                kept.write(line)
                self._take(line)
        with self._changed:
            self.lines.append("")  # end of output
            self._changed.notify_all()

    def _take(self, line: str) -> None:
        with self._changed:
            self.lines = [*self.lines[-200:], line]
            if any(word in line for word in ("Traceback", "ERROR", "throttled", "retired", "failed")):
                self.alarming.append(line.rstrip())
            self._changed.notify_all()

    def wait_for(self, text: str, timeout_s: float) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: any(text in line for line in self.lines) or self.lines[-1:] == [""], timeout_s):
                raise SystemExit(f"glimpse dev did not start in {timeout_s} s:\n{''.join(self.lines[-20:])}")
            if not any(text in line for line in self.lines):
                raise SystemExit(f"glimpse dev ended:\n{''.join(self.lines[-20:])}")


def sample_memory(root_pid: int, peak: MemoryPeak, stop: threading.Event) -> None:
    while not stop.wait(0.5):
        pids = tree(root_pid)
        rss = sum(memory_kb(f"/proc/{pid}/status", "VmRSS:") for pid in pids)
        pss = sum(memory_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
        peak.samples.append((rss, pss))
        peak.rss_kb, peak.pss_kb, peak.processes = max(peak.rss_kb, rss), max(peak.pss_kb, pss), max(peak.processes, len(pids))


def tree(root_pid: int) -> list[int]:
    """The process and all its descendants now."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(name))
    found, frontier = [], [root_pid]
    while frontier:
        pid = frontier.pop()
        found.append(pid)
        frontier.extend(children.get(pid, []))
    return found


def memory_kb(path: str, field_name: str) -> int:
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(field_name):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0  # gone, or a kernel thread


def report(options: argparse.Namespace, outcomes: list[Outcome], elapsed_s: float, peak: MemoryPeak, log: StackLog) -> None:
    lost = [outcome for outcome in outcomes if outcome.problem and outcome.status != 200]
    wrong = [outcome for outcome in outcomes if outcome.problem and outcome.status == 200]
    print(f"{len(outcomes)} requests, {options.concurrency} at once, {options.keys} keys, "
          f"{sum(outcome.job.kind != 'echo' for outcome in outcomes)} hostile, in {elapsed_s:.1f} s "
          f"({len(outcomes) / elapsed_s:.1f} answered/s)")
    print(f"lost: {len(lost)}   wrong: {len(wrong)}")
    for outcome in (lost + wrong)[:10]:
        print(f"  {outcome.job.language} {outcome.job.kind}: {outcome.problem}")
    print("result statuses:", dict(sorted(Counter(outcome.result_status or f"HTTP {outcome.status}" for outcome in outcomes).items())))
    print("by program:", dict(sorted(Counter(f"{outcome.job.kind}:{outcome.result_status}" for outcome in outcomes).items())))
    print(f"429s: {sum(outcome.usage_plan_429s for outcome in outcomes)} from usage plans, "
          f"{sum(outcome.lambda_429s for outcome in outcomes)} from Lambda")
    print(f"{'language':<12}{'answers':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}   (latency of the answered attempt, all programs)")
    for language in sorted({outcome.job.language for outcome in outcomes}):
        latencies = [outcome.latency_ms for outcome in outcomes if outcome.job.language == language and outcome.status == 200]
        if len(latencies) >= 2:
            cuts = statistics.quantiles(latencies, n=100, method="inclusive")
            print(f"{language:<12}{len(latencies):>8}{cuts[49]:>9.0f}{cuts[94]:>9.0f}{cuts[98]:>9.0f}")
    print(f"stack peak memory: RSS {peak.rss_kb / 1024:.0f} MB, PSS {peak.pss_kb / 1024:.0f} MB "
          f"(sums over up to {peak.processes} processes, {len(peak.samples)} samples)")
    if log.alarming:
        print(f"the stack's log ({log.path}) had {len(log.alarming)} lines of note; the first ones:")
        for line in log.alarming[:5]:
            print("  " + line[:300])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
