"""Helpers for the end-to-end tests (a module of its own: conftest is not importable): HTTP calls
to the stack, its test keys, the programs, and the host's view of the processes."""

from __future__ import annotations

import http.client
import json
import os
from dataclasses import dataclass
from pathlib import Path

from glimpse_local.gateway import ApiKey
from glimpse.languages import LANGUAGES, catalogue
from host_processes import descendants, start_time

ROOT = Path(__file__).resolve().parents[2]
# One key per test that needs a tenant (and a usage-plan bucket) of its own.
KEYS = {name: ApiKey.of(f"glimpse-stack-test-key-{name}") for name in
        ("main", "throttled", "reuse", "retire", "cli", "async", "other", "callbacks", "judge0", *(f"tenant-{number}" for number in range(5)))}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: object


def call(url: str, method: str, path: str, body: object = None, *, key: ApiKey | None = KEYS["main"],
         headers: dict[str, str] | None = None, timeout_s: float = 60, source_ip: str | None = None) -> Answer:
    """`source_ip`: another loopback address (127.0.0.2, ...) to send from, as another client would."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout_s, source_address=(source_ip, 0) if source_ip else None)
    sent = {"X-API-Key": key.value} if key else {}
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=sent | (headers or {}))
    response = connection.getresponse()
    content = response.read()
    connection.close()
    return Answer(response.status, {name.lower(): value for name, value in response.getheaders()},
                  json.loads(content) if content else None)


def languages() -> list[str]:
    """Every language that exists: the catalogue's, each with its runner in template.yaml."""
    return [recipe.id for recipe in catalogue().recipes]


def hello(language: str) -> str:
    return next((LANGUAGES / language / "programs").glob("hello.*")).read_text()


def census(language: str) -> str:
    """A program that prints its environment's identity (its pid namespace) and how many runs that
    environment holds now, its own included."""
    return (LANGUAGES / language / f"census{catalogue().get(language).extensions[0]}").read_text()


def runtime_in(pid_namespace: str) -> int:
    """The host pid of the runner's runtime (its own loop) in the environment with this pid namespace."""
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and os.readlink(f"/proc/{name}/ns/pid") == pid_namespace \
                    and b"glimpse.lambda_runtime" in Path(f"/proc/{name}/cmdline").read_bytes():
                return int(name)
        except OSError:
            continue
    raise LookupError(f"no runtime in {pid_namespace}")


def processes_under(ancestor: int) -> set[tuple[int, int]]:
    """Every live descendant of a process, as (pid, start time): a later process reusing a pid is another."""
    found = set()
    for pid in descendants(ancestor):
        try:
            found.add((pid, start_time(pid)))
        except OSError:  # gone meanwhile
            continue
    return found


def alive(process: tuple[int, int]) -> bool:
    pid, started = process
    try:
        return start_time(pid) == started
    except OSError:
        return False
