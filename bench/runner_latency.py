"""Runner latency for Python hello world, in both profiles, beside the bare interpreter.

Usage: .venv/bin/python bench/runner_latency.py [--runs N]

"bare" runs the same interpreter (Lambda's python3.12, the one bound at /var/lang) directly on
the host with `-I hello.py`, as the recipe does. "lambda" and "host" time a warm invocation of the
runner in a local execution environment of that profile, end to end: the Runtime API round trip,
request validation, workspace, spawn under limits, supervision, sweep and verification.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from glimpse.languages import catalogue
from glimpse.local import runner_environment

HELLO = 'print("Hello from Glimpse!")\n'


def bare(runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "hello.py"
        source.write_text(HELLO)
        interpreter = Path(sys.base_prefix) / "bin" / "python3.12"
        return [timed(lambda: subprocess.run([interpreter, "-I", source], capture_output=True, check=True)) for _ in range(runs)]


def runner(profile: str, runs: int) -> list[float]:
    event = json.dumps({"language": "python", "code": HELLO}).encode()
    with runner_environment(catalogue().get("python"), profile) as environment:
        for _ in range(5):
            environment.invoke(event)  # warm: imports done, caches filled

        def once() -> None:
            answer = json.loads(environment.invoke(event).payload)
            assert answer["status"] == "ok", answer

        return [timed(once) for _ in range(runs)]


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs
    # interleave nothing: each series runs alone, bare first and last to see drift
    series = {"bare": bare(runs)}
    for profile in ("lambda", "host"):
        series[profile] = runner(profile, runs)
    series["bare (again)"] = bare(runs)
    reference = statistics.median(series["bare"] + series["bare (again)"])
    print(f"{'series':<14}{'median ms':>10}{'p90 ms':>9}{'× bare':>8}   ({runs} runs each)")
    for name, values in series.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<14}{median:>10.1f}{p90:>9.1f}{median / reference:>8.2f}")


if __name__ == "__main__":
    main()
