"""Running the project's own functions on this machine: where the checkout and its build are,
and an execution environment for a language's runner, as template.yaml declares it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from glimpse_local.environment import ExecutionEnvironment, FunctionConfig
from glimpse.languages import Recipe
from glimpse_local.template import functions


class NotBuilt(RuntimeError):
    pass


def project_root() -> Path:
    root = Path(os.environ.get("GLIMPSE_HOME", Path(__file__).resolve().parents[2]))
    if not (root / "template.yaml").is_file():
        raise NotBuilt(f"no template.yaml in {root}: set GLIMPSE_HOME to the Glimpse checkout")
    return root


def build(root: Path) -> None:
    """`make build layers` is incremental: it rebuilds only what changed since the last build
    (the first build of the toolchain layers takes minutes)."""
    completed = subprocess.run(["make", "-C", str(root), "--no-print-directory", "build", "layers"], capture_output=True, text=True)
    if completed.returncode != 0:
        raise NotBuilt(f"`make build layers` failed:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")


def runner_function(recipe: Recipe, root: Path) -> FunctionConfig:
    for function in functions(root / "template.yaml", root / "build" / "functions").values():
        if function.environment.get("GLIMPSE_LANGUAGE") == recipe.id:
            return function
    raise NotBuilt(f"template.yaml declares no runner for {recipe.id}")


def runner_environment(recipe: Recipe, profile: str) -> ExecutionEnvironment:
    root = project_root()
    build(root)
    return ExecutionEnvironment(runner_function(recipe, root), profile=profile, runtime_dir=root / "build" / "lambda-runtime")
