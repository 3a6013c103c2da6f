import subprocess

import pytest

from layer_checks import BUILT_LAYERS, ROOT


@pytest.fixture(scope="session")
def built_layers():
    """`make layers` builds what is missing or stale (a fresh machine: every layer, a few minutes
    on 2 cores; downloads are cached in build/cache/) and does nothing when all is up to date."""
    completed = subprocess.run(["make", "-C", str(ROOT), "--no-print-directory", "layers"], capture_output=True, text=True)
    if completed.returncode != 0:
        pytest.fail(f"`make layers` failed:\n{completed.stdout[-3000:]}{completed.stderr[-3000:]}")
    return BUILT_LAYERS
