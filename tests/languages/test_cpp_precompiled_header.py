"""C++ with <iostream> precompiled (ZigLayer's zig-seed/iostream.pch.xz), with the real toolchain
in both profiles: a program it serves compiles and runs as it would without it, one it must not
serve is compiled without it, and a program that damages it cannot harm the next compile.
(Which programs it serves: tests/unit/test_precompiled_header.py.)"""

from __future__ import annotations

import json

import pytest

SERVED = """// the #include comes first, after comments: the precompiled <iostream> serves it
#include <iostream>
#include <algorithm>
#include <string>
#include <vector>

int main() {
    std::vector<std::string> words{"pear", "fig", "apple"};
    std::sort(words.begin(), words.end());
    for (const auto &word : words) std::cout << word << ' ';
    std::cout << std::endl;
}
"""
# The backslash continues the comment onto the next line: there is no #include at all.
COMMENTED_OUT = '// a note \\\n#include <iostream>\nint main() { std::cout << "no"; }\n'
DAMAGE = """#include <iostream>
#include <fstream>
int main() {
    std::ofstream(".zig-cache/pch/iostream.pch", std::ios::trunc) << "not a PCH";
    std::cout << "damaged" << std::endl;
}
"""


@pytest.fixture
def cpp(runner_for):
    return runner_for("cpp")


def test_a_served_program_compiles_and_runs(cpp):
    result = cpp(language="cpp", code=SERVED)
    assert result["status"] == "ok", json.dumps(result)[:3000]
    assert result["run"]["stdout"] == "apple fig pear \n"


def test_an_error_in_a_served_program_is_reported_against_its_own_lines(cpp):
    result = cpp(language="cpp", code=SERVED.replace("std::sort(", "std::sortt("))
    assert result["status"] == "compile_error"
    assert "main.cpp:9:10: error: no member named 'sortt'" in result["compile"]["stderr"]


def test_an_include_a_comment_swallowed_is_not_served(cpp):
    result = cpp(language="cpp", code=COMMENTED_OUT)
    assert result["status"] == "compile_error"
    assert "undeclared identifier 'std'" in result["compile"]["stderr"]


def test_a_damaged_precompiled_header_is_installed_afresh(cpp):
    assert cpp(language="cpp", code=DAMAGE)["run"]["stdout"] == "damaged\n"
    result = cpp(language="cpp", code=SERVED)
    assert result["status"] == "ok", json.dumps(result)[:3000]
    assert result["run"]["stdout"] == "apple fig pear \n"
