"""`glimpse run --local`, as a user types it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from glimpse.languages import catalogue

GLIMPSE = [str(Path(sys.executable).with_name("glimpse"))]


def glimpse(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*GLIMPSE, *args], cwd=cwd, capture_output=True, timeout=120)


@pytest.mark.parametrize("profile", ["lambda", "host"])
def test_run_local_json_prints_an_ok_result(tmp_path, profile):
    (tmp_path / "hello.py").write_text('print("Hello from Glimpse!")\n')
    completed = glimpse("run", "hello.py", "--local", "--json", "--profile", profile, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["status"] == "ok"
    assert result["run"]["stdout"] == "Hello from Glimpse!\n"
    assert result["isolation"]["profile"] == profile


def test_run_local_passes_stdin_and_arguments_and_exits_like_the_program(tmp_path):
    (tmp_path / "echo.py").write_text("import sys\nprint(sys.argv[1:], sys.stdin.read())\nprint('oops', file=sys.stderr)\nsys.exit(3)\n")
    (tmp_path / "input.txt").write_text("from stdin")
    completed = glimpse("run", "echo.py", "--local", "--stdin", "input.txt", "--arg", "a b", "--arg=--c", cwd=tmp_path)
    assert completed.returncode == 3
    assert completed.stdout == b"['a b', '--c'] from stdin\n"
    assert completed.stderr == b"oops\n"


def test_run_local_reports_a_limit_and_the_signal_exit_code(tmp_path):
    (tmp_path / "spin.txt").write_text("while True:\n    pass\n")
    completed = glimpse("run", "spin.txt", "--language", "py", "--local", "--time-ms", "300", cwd=tmp_path)
    assert completed.returncode == 128 + 9
    assert b"time_limit" in completed.stderr


def test_run_names_what_is_wrong(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    assert b"--language" in glimpse("run", "notes.txt", "--local", cwd=tmp_path).stderr
    (tmp_path / "a.py").write_text("")
    completed = glimpse("run", "a.py", "--local", "--time-ms", "0", cwd=tmp_path)
    assert completed.returncode == 2 and b"limits.time_ms" in completed.stderr


LANGUAGES = Path(__file__).resolve().parents[2] / "languages"  # a folder per language, its programs in it
FILE_NAMES = {"java": "Main.java"}  # a public class lives in the file named after it


@pytest.mark.parametrize("language", sorted(path.name for path in LANGUAGES.iterdir()))
def test_run_local_json_works_for_every_language(tmp_path, language):
    (hello,) = (LANGUAGES / language / "programs").glob("hello.*")
    name = FILE_NAMES.get(language, f"hello{hello.suffix}")
    (tmp_path / name).write_text(hello.read_text())
    # The language comes from the extension, unless another language has it first (.py is python's,
    # not python-ml's): then it is named.
    named = [] if language == catalogue().for_file(name).id else ["--language", language]
    completed = glimpse("run", name, *named, "--local", "--json", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert (result["language"], result["status"], result["run"]["stdout"]) == (language, "ok", "Hello, World!\n")
