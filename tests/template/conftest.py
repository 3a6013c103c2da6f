import functools
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / "build" / "sam-cli" / "bin" / "python"


@functools.cache
def _synthesized(parameters: tuple[tuple[str, str], ...]) -> dict:
    if not SAM_PYTHON.exists():  # `make test` made it already; a bare pytest run makes it here
        subprocess.run(["make", "-C", str(ROOT), "--no-print-directory", "sam-cli"], check=True, capture_output=True)
    completed = subprocess.run(
        [str(SAM_PYTHON), str(ROOT / "tests" / "template" / "synthesize.py"), str(ROOT / "template.yaml"),
         *(f"{name}={value}" for name, value in parameters)],
        capture_output=True, text=True, env=os.environ | {"AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)


@pytest.fixture(scope="session")
def synthesized():
    """template.yaml after the SAM transform, as CloudFormation receives it, for given parameters."""

    def synthesize(**parameters: str) -> dict:
        return _synthesized(tuple(sorted(parameters.items())))

    return synthesize
