"""`glimpse run FILE` and `glimpse languages` against a server (the local stack), and what they
say when it is not there, the key is wrong, or the key is throttled."""

import json
import os
import socket
import subprocess
import sys

import pytest

from glimpse_local.cli import main
from glimpse_local.client import ClientError, GlimpseClient
from glimpse_local.gateway import DEV_KEY_FILE
from glimpse_local.stack import LocalStack
from stack_helpers import KEYS, ROOT, call, languages


def glimpse(*args: str, endpoint: str, key: str, cwd=None) -> subprocess.CompletedProcess:
    environ = {name: value for name, value in os.environ.items() if not name.startswith("GLIMPSE_")}
    return subprocess.run([sys.executable, "-m", "glimpse_local.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env=environ | {"GLIMPSE_ENDPOINT": endpoint, "GLIMPSE_API_KEY": key})


def test_run_sends_the_file_and_behaves_as_with_local(stack, tmp_path):
    program = tmp_path / "exits.c"
    program.write_text('#include <stdio.h>\nint main(void) { puts("out"); fputs("err\\n", stderr); return 3; }\n')
    ran = glimpse("run", str(program), endpoint=stack.url, key=KEYS["cli"].value)
    assert (ran.returncode, ran.stdout, ran.stderr) == (3, "out\n", "err\n")
    ran = glimpse("run", str(program), "--json", endpoint=stack.url, key=KEYS["cli"].value)
    document = json.loads(ran.stdout)
    assert ran.returncode == 3 and document["language"] == "c" and document["run"]["exit_code"] == 3


def test_languages_lists_what_the_server_runs(stack):
    listed = glimpse("languages", endpoint=stack.url, key=KEYS["cli"].value)
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == languages()


def test_the_messages_say_what_to_do(stack, tmp_path):
    with socket.socket() as unused:  # a port where nothing listens
        unused.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{unused.getsockname()[1]}"
    down = glimpse("languages", endpoint=nowhere, key=KEYS["cli"].value)
    assert down.returncode == 2 and f"no Glimpse API answers at {nowhere}" in down.stderr and "make dev" in down.stderr
    wrong = glimpse("languages", endpoint=stack.url, key="not-a-key-of-this-stack")
    assert wrong.returncode == 2 and "refused the API key" in wrong.stderr and "GLIMPSE_API_KEY" in wrong.stderr
    program = tmp_path / "bad.py"
    program.write_text("print(1)")
    refused = glimpse("run", str(program), "--time-ms", "0", endpoint=stack.url, key=KEYS["cli"].value)
    assert refused.returncode == 2 and "time_ms" in refused.stderr


def test_a_throttled_request_says_when_to_retry(monkeypatch, capsys):
    # A plan of one request a second: the request right after one that was admitted is throttled
    # (run in this process, which sends it within milliseconds).
    with LocalStack(ROOT, keys=[KEYS["cli"]], port=0, parameters={"RateLimit": "1", "BurstLimit": "1"}) as strict:
        monkeypatch.setenv("GLIMPSE_ENDPOINT", strict.url)
        monkeypatch.setenv("GLIMPSE_API_KEY", KEYS["cli"].value)
        assert call(strict.url, "GET", "/v1/languages", key=KEYS["cli"]).status == 200
        assert main(["languages"]) == 2
    said = capsys.readouterr().err
    assert "throttled: the API key's rate limit is reached" in said and "retry in 1 s" in said


def test_the_local_stack_and_its_development_key_are_the_defaults(tmp_path):
    assert GlimpseClient.from_environment({"GLIMPSE_API_KEY": "k"}, None).endpoint == "http://127.0.0.1:3000"
    assert GlimpseClient.from_environment({"GLIMPSE_API_KEY": "k", "GLIMPSE_PORT": "3111"}, None).endpoint == "http://127.0.0.1:3111"
    (tmp_path / DEV_KEY_FILE).parent.mkdir()
    (tmp_path / DEV_KEY_FILE).write_text("the-stored-development-key\n")
    assert GlimpseClient.from_environment({}, tmp_path).api_key == "the-stored-development-key"
    assert GlimpseClient.from_environment({"GLIMPSE_DEV_API_KEY": "overridden"}, tmp_path).api_key == "overridden"
    assert GlimpseClient.from_environment({"GLIMPSE_API_KEY": "chosen"}, tmp_path).api_key == "chosen"
    with pytest.raises(ClientError, match="GLIMPSE_API_KEY"):  # the development key is not sent elsewhere
        GlimpseClient.from_environment({"GLIMPSE_ENDPOINT": "https://example.execute-api.us-east-1.amazonaws.com/prod"}, tmp_path)
