"""Runner latency for Python hello world, in both profiles, beside the bare interpreter.

Usage: .venv/bin/python bench/runner_latency.py [--runs N]

"bare" runs the same interpreter (Lambda's python3.12, the one bound at /var/lang) directly on
the host with `-E -s hello.py`, as the recipe does. "lambda" and "host" time a warm invocation of the
runner in a local execution environment of that profile, end to end: the Runtime API round trip,
request validation, workspace, spawn under limits, supervision, sweep and verification.
The three series are interleaved, one run of each per round, so drift in the machine's speed
falls on all of them alike.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from timing import interleaved, print_medians
from glimpse.languages import catalogue
from glimpse_local.local import runner_environment

HELLO = 'print("Hello from Glimpse!")\n'
PROFILES = ("lambda", "host")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    runs = parser.parse_args().runs
    event = json.dumps({"language": "python", "code": HELLO}).encode()
    with tempfile.TemporaryDirectory() as directory, ExitStack() as stack:
        source = Path(directory) / "hello.py"
        source.write_text(HELLO)
        bare_command = [Path(sys.base_prefix) / "bin" / "python3.12", "-E", "-s", source]
        environments = {profile: stack.enter_context(runner_environment(catalogue().get("python"), profile)) for profile in PROFILES}

        def invoke(profile: str) -> None:
            answer = json.loads(environments[profile].invoke(event).payload)
            assert answer["status"] == "ok", answer

        actions = {"bare": lambda: subprocess.run(bare_command, capture_output=True, check=True)}
        actions |= {profile: (lambda profile=profile: invoke(profile)) for profile in PROFILES}
        series = interleaved(actions, runs, warm_up=5)
    print_medians(series, runs)


if __name__ == "__main__":
    main()
