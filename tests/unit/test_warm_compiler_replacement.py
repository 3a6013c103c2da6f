"""A warm compiler that is gone when a compile begins is replaced within that compile, with a
stand-in server speaking the compile server's protocol (the real one, killed by a program:
tests/languages/test_warm_compiler.py)."""

import sys
import textwrap
from pathlib import Path

import pytest

from glimpse.sandbox.warm_compiler import WarmCompiler

# Reads one request; the first server dies without answering it (as one a program killed but the
# kernel had not finished ending), every later one answers ok.
STAND_IN = textwrap.dedent("""
    import os, sys
    died = sys.argv[1]
    while True:
        compiler, output, count = (sys.stdin.readline() for _ in range(3))
        if not count:
            break
        for _ in range(int(count)):
            sys.stdin.readline()
        if not os.path.exists(died):
            open(died, "w").close()
            os._exit(0)
        sys.stdout.write("ok Main 0\\n")
        sys.stdout.flush()
""")


class Exemptions:
    def __init__(self):
        self.pids = []

    def exempt(self, pid):
        self.pids.append(pid)


@pytest.fixture
def compiler(tmp_path, monkeypatch):
    # Root reads any process's /proc files: the non-dumpable check is the real tests' to make.
    monkeypatch.setattr(WarmCompiler, "_protected", lambda self: True)
    script = tmp_path / "server.py"
    script.write_text(STAND_IN)
    warm = WarmCompiler([sys.executable, str(script), str(tmp_path / "died")], Exemptions())
    warm.start()
    yield warm
    warm.stop()


def test_a_server_gone_before_it_answers_is_replaced_within_the_compile(compiler):
    first = compiler.process.pid
    answer = compiler.compile("kotlinc", Path("out"), [Path("main.kt")], timeout_s=10)
    assert (answer.status, answer.main_class) == ("ok", "Main")
    assert compiler.process.pid != first and compiler.processes.pids == [first, compiler.process.pid]
    assert compiler.compile("kotlinc", Path("out"), [Path("main.kt")], timeout_s=10).status == "ok"
