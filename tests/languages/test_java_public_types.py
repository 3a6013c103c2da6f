"""Java as users paste it: whatever public top-level type the source declares compiles, with the
real JDK layer in both profiles (languages/java/public_types/). The file is named after that type
(the recipe's main_file_named_after) and the class holding main runs, whatever its name."""

from __future__ import annotations

import json

import pytest

from glimpse.languages import LANGUAGES

PROGRAMS = LANGUAGES / "java" / "public_types"
EXPECTED = {
    "solution": "Solution [1, 4, 9]\n",
    "doors": "open: 1 4 9 16 25 36 49 64 81 100\n",
    "interface": "Greeter interface\n",
    "record": "Point Point[x=3, y=4]\n",
}
SEVERAL = [(name, (PROGRAMS / "several_files" / name).read_text()) for name in ("Solution.java", "Point.java", "Segment.java")]


@pytest.fixture
def java(runner_for):
    return runner_for("java")


def run_ok(java, **source) -> dict:
    result = java(language="java", **source)
    assert result["status"] == "ok", json.dumps(result)[:3000]
    return result


def test_a_public_type_of_any_name_is_sent_as_code(java, subtests):
    for program, stdout in EXPECTED.items():
        with subtests.test(program=program):
            assert run_ok(java, code=(PROGRAMS / f"{program}.java").read_text())["run"]["stdout"] == stdout


def test_several_files_each_with_its_public_type(java, subtests):
    with subtests.test("named by the request"):
        files = [{"name": name, "content": content} for name, content in SEVERAL]
        assert run_ok(java, files=files)["run"]["stdout"] == "Solution 5.0\n"
    with subtests.test("the main file named Main.java, as a compatibility API names it"):
        files = [{"name": "Main.java", "content": SEVERAL[0][1]}] + [{"name": name, "content": content} for name, content in SEVERAL[1:]]
        assert run_ok(java, files=files)["run"]["stdout"] == "Solution 5.0\n"
