"""`glimpse dev` as a developer runs it: started as a process of its own, serving, then SIGINT
with a request under way, from a terminal's Ctrl-C (to the whole foreground process group, the
environments' processes included) or from `kill -INT`; nothing it started may be left running."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from glimpse_local.gateway import ApiKey
from stack_helpers import ROOT, alive, call, processes_under

DEV_KEY = ApiKey.of("glimpse-dev-command-test-key")


@pytest.mark.parametrize("interrupt", [lambda dev: os.killpg(dev.pid, signal.SIGINT), lambda dev: dev.send_signal(signal.SIGINT)],
                         ids=["ctrl-c", "kill -INT"])
def test_glimpse_dev_serves_prints_its_key_and_leaves_nothing_behind_on_sigint(interrupt):
    dev = subprocess.Popen([sys.executable, "-m", "glimpse_local.cli", "dev", "--port", "0"], cwd=ROOT, stderr=subprocess.PIPE,
                           text=True, env=os.environ | {"GLIMPSE_DEV_API_KEY": DEV_KEY.value}, start_new_session=True)
    try:
        said = []
        while not any("Ctrl-C stops it" in line for line in said):
            line = dev.stderr.readline()
            assert line, "glimpse dev ended before serving:\n" + "".join(said)
            said.append(line)
        output = "".join(said)
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", output)[1]
        assert f"API key: {DEV_KEY.value}" in output
        # The playground's address, whose page holds the development key (docs/playground.md).
        assert f"playground: {url}/playground " in output
        with urllib.request.urlopen(f"{url}/playground", timeout=30) as page:
            assert f'<meta name="glimpse-dev-key" content="{DEV_KEY.value}">' in page.read().decode()
        answer = call(url, "POST", "/v1/executions", {"language": "python", "code": "print(42)"}, key=DEV_KEY)
        assert answer.status == 200 and answer.body["run"]["stdout"] == "42\n"

        under_way = threading.Thread(target=call, args=(url, "POST", "/v1/executions"),
                                     kwargs={"body": {"language": "python", "code": "import time\ntime.sleep(20)"}, "key": DEV_KEY})
        under_way.start()
        time.sleep(1)
        started = processes_under(dev.pid)
        assert any(b"bwrap" in open(f"/proc/{pid}/cmdline", "rb").read() for pid, _ in started)
        interrupt(dev)
        deadline = time.monotonic() + 30
        while dev.poll() is None:  # whatever starts while it stops counts too
            assert time.monotonic() < deadline, "glimpse dev did not stop within 30 s of Ctrl-C"
            started |= processes_under(dev.pid)
            time.sleep(0.01)
        under_way.join()
        rest = dev.stderr.read()
        assert dev.returncode == 0, rest
        assert "stopped" in rest
        assert "[RouterFunction] " in rest and '"message":"execution answered"' in rest  # the functions' logs, as in CloudWatch
        left = [process for process in started if alive(process)]
        assert not left, [open(f"/proc/{pid}/status").read()[:300] for pid, _ in left][:3]
    finally:
        if dev.poll() is None:
            dev.kill()
            dev.wait()
