"""The same battery for every language, with the real toolchain from its built layer.

A language's sample programs live in its folder, languages/<id>/programs/: one file per case (or
a folder, the entry file first by name), named after the case. A case a language has no program for (an
uncaught exception in C, a segfault in Python, a refused malloc in Java) is not run for it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glimpse.languages import LANGUAGES, catalogue

MEGABYTE_OF_TEXT = ("0123456789abcdef" * 64 + "\n")[:1024] * 1024

# case: (request fields beyond the files, expected fields of the result)
CASES: dict[str, tuple[dict, dict]] = {
    "hello": ({}, {"status": "ok", "stdout": "Hello, World!\n"}),
    "echo": ({"stdin": "line one\nline two\n"}, {"status": "ok", "stdout": "line one\nline two\n"}),
    "args": ({"args": ["a", "b c", "d"]}, {"status": "ok", "stdout": "a b c d\n"}),
    "two_files": ({}, {"status": "ok", "stdout": "hello from two files\n"}),
    "compile_error": ({}, {}),  # compile_error where the language compiles, else a runtime error
    "exit_code": ({}, {"status": "runtime_error", "exit_code": 3, "stdout": "about to fail\n"}),
    "exception": ({}, {"status": "runtime_error"}),
    "segfault": ({}, {"status": "runtime_error", "signal": "SIGSEGV"}),
    "unicode": ({}, {"status": "ok", "stdout": "héllo wörld 🌍 — 你好\n"}),
    "stdin_length": ({"stdin": MEGABYTE_OF_TEXT}, {"status": "ok", "stdout": f"{len(MEGABYTE_OF_TEXT)}\n"}),
    "endless_loop": ({"limits": {"time_ms": 1000}}, {"status": "time_limit"}),
    "memory_bomb": ({"limits": {"memory_mb": 128, "time_ms": 10000}}, {"status": "memory_limit"}),
    # 3 GB asked for at once, under 256 MB: refused by the address-space backstop where the
    # language has one (the program or its runtime says so), by the heap cap (-Xmx), or stopped by
    # the memory watch once touched; memory_limit whichever (docs/limits.md)
    "huge_allocation": ({"limits": {"memory_mb": 256, "time_ms": 10000}}, {"status": "memory_limit"}),
    # C and C++ only: malloc refused, then the program's own exit or its crash on the null pointer
    "allocation_refused": ({"limits": {"memory_mb": 128, "time_ms": 10000}}, {"status": "memory_limit"}),
    # contained whichever limit it meets first: the deadline, the process limit, or (runtimes that
    # are large per process, such as Node) the memory of the whole tree
    "fork_bomb": ({"limits": {"time_ms": 1500}}, {"status": {"time_limit", "runtime_error", "memory_limit"}}),
    "output_flood": ({"limits": {"output_bytes": 65536}}, {"status": "output_limit"}),
}


def programs(language: str) -> list[tuple[str, Path]]:
    return sorted((path.stem, path) for path in (LANGUAGES / language / "programs").iterdir())


def source_of(program: Path) -> dict:
    """One file goes as `code` (named by the recipe), a folder as `files`, its main file first."""
    if not program.is_dir():
        return {"code": program.read_text()}
    paths = sorted(program.iterdir(), key=lambda path: (path.stem.lower() != "main", path.name))
    return {"files": [{"name": path.name, "content": path.read_text()} for path in paths]}


def matches(observed: dict, expected: dict) -> bool:
    return all(observed[key] in value if isinstance(value, set) else observed[key] == value for key, value in expected.items())


def test_every_language_has_the_whole_battery():
    for recipe in catalogue().recipes:
        cases = {case for case, _ in programs(recipe.id)}
        missing = set(CASES) - cases - {"exception", "segfault", "allocation_refused"}
        assert not missing, f"{recipe.id} has no program for {sorted(missing)}"
        assert cases <= set(CASES), f"{recipe.id} has programs for unknown cases {sorted(cases - set(CASES))}"


@pytest.mark.parametrize("language", [recipe.id for recipe in catalogue().recipes])
def test_battery(language, runner_for, subtests):
    runner = runner_for(language)
    recipe = catalogue().get(language)
    for case, program in programs(language):
        fields, expected = CASES[case]
        if case == "compile_error":
            expected = {"status": "compile_error" if recipe.compile else "runtime_error"}
        with subtests.test(case=case):
            result = runner(language=language, **source_of(program), **fields)
            stage = result.get("run") or result.get("compile") or {}
            observed = {key: result.get("status") if key == "status" else stage.get(key) for key in expected}
            assert matches(observed, expected), f"{case}: {json.dumps(result)[:3000]}"
            if case == "compile_error" and recipe.compile:
                assert stage["stderr"] and "/tmp/" not in stage["stderr"], stage
            # nothing of the run remains in /tmp; a toolchain cache the runtime keeps may
            left = [entry for entry in runner.snapshot()["tmp"] if not entry.startswith("glimpse-cache-")]
            assert left == [], case
