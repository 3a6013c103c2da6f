import pytest

from glimpse_local.stack import LocalStack
from stack_helpers import KEYS, ROOT


@pytest.fixture(scope="package")
def stack():
    """The whole local stack on a free port of 127.0.0.1, with the template's defaults (usage plan
    10 requests/s, burst 20) and room for 50 executions at once, and callbacks allowed to the
    tests' own plain-HTTP receivers on loopback (the development flag). Stopped after this folder."""
    with LocalStack(ROOT, keys=KEYS.values(), port=0, concurrency=50, warm=1, parameters={"CallbacksAllowLoopback": "true"}) as running:
        yield running
