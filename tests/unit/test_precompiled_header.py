"""When a compile uses the recipe's precompiled header (C++'s <iostream>): only where it cannot
change what the program means. (The real toolchain compiles with it in
tests/languages/test_cpp_precompiled_header.py.)"""

import pytest

from glimpse.languages import catalogue
from glimpse.languages.recipe import PrecompiledHeader
from glimpse.models import ExecutionRequest, Measurements, Status
from glimpse.sandbox import Outcome, SandboxSettings, Workspace
from glimpse.toolchain import Toolchain

IOSTREAM = PrecompiledHeader(header="iostream", options=["-include-pch", "x.pch"])
HELLO = '#include <iostream>\nint main() { std::cout << "hi\\n"; }\n'


@pytest.mark.parametrize(("source", "served"), [
    (b"#include <iostream>\nint main() {}", True),
    (b"#include<iostream>", True),
    (b"  // a comment\n/* a\n * block */\n#  include  <iostream>  // why\r\nint x;", True),
    (b"/**/ /***/ /* ** / */#include <iostream>\n", True),
    (b"int x;\n#include <iostream>\n", False),
    (b"#define private public\n#include <iostream>\n", False),
    (b"#include <cstdio>\n#include <iostream>\n", False),
    (b"#include <iostreams>\n", False),
    (b"#include <iostream> /* a block on the line */\n", False),
    (b"#include <iostream>\\\nint x;", False),
    # a backslash at a comment's line end continues the comment: the #include is commented out
    (b"// a note \\\n#include <iostream>\n", False),
    (b"// a note \\  \n#include <iostream>\n", False),
    # `*\` + newline + `/` ends the block comment early: `int x;` is code before the #include
    (b"/* *\\\n/ int x; /* */\n#include <iostream>\n", False),
    (b"\xef\xbb\xbf#include <iostream>\n", False),  # a byte-order mark: served without, to be safe
])
def test_a_source_is_served_only_when_it_includes_the_header_first(source, served):
    assert IOSTREAM.serves([source]) is served


def test_every_source_must_include_it_first():
    assert IOSTREAM.serves([HELLO.encode(), b"#include <iostream>\nint f() { return 1; }\n"])
    assert not IOSTREAM.serves([HELLO.encode(), b"int f() { return 1; }\n"])
    assert not IOSTREAM.serves([])


@pytest.mark.parametrize("source", [b"/* " * 300_000, b"/**/" * 500_000 + b"x", b"// a\n" * 400_000 + b"x", b"/*" + b"*" * 2_000_000])
def test_a_long_source_that_is_not_served_fails_fast(source):
    assert not IOSTREAM.serves([source])  # linear: a 2 MiB source of comments takes milliseconds


class RecordingSandbox:
    """Runs nothing: records each command and answers ok."""

    settings = SandboxSettings()

    def __init__(self):
        self.commands = []

    def execute(self, command, workspace):
        self.commands.append(command)
        return Outcome(Status.OK, measured=Measurements(exit_code=0))


def compile_argv(tmp_path, language: str, **request) -> list[str]:
    sandbox = RecordingSandbox()
    recipe = catalogue().get(language).model_copy(update={"seed": None})  # no layer to install it from
    toolchain = Toolchain(recipe, sandbox)
    workspace = Workspace(tmp_path)
    toolchain.build(ExecutionRequest.model_validate({"language": language, **request}), workspace)
    (command,) = sandbox.commands
    return command.argv


def test_cpp_compiles_a_served_program_with_the_precompiled_iostream(tmp_path):
    argv = compile_argv(tmp_path, "cpp", code=HELLO)
    (workspace,) = tmp_path.glob("glimpse-run-*")
    assert argv[argv.index("-include-pch") + 1] == f"{workspace}/.zig-cache/pch/iostream.pch"  # the cache lent to this compile
    assert argv[-1] == "main.cpp"


@pytest.mark.parametrize("request_fields", [
    {"code": HELLO, "compile_options": ["-Wshadow"]},  # any option: some change what the header means
    {"code": "#include <cstdio>\n" + HELLO},
    {"files": [{"name": "main.cpp", "content": HELLO}, {"name": "util.cpp", "content": "int util() { return 1; }\n"}]},
])
def test_cpp_compiles_other_programs_without_it(tmp_path, request_fields):
    assert "-include-pch" not in compile_argv(tmp_path, "cpp", **request_fields)


def test_a_header_file_is_not_a_source_that_must_include_it(tmp_path):
    files = [{"name": "main.cpp", "content": HELLO}, {"name": "util.h", "content": "int util();\n"}]
    assert "-include-pch" in compile_argv(tmp_path, "cpp", files=files)


def test_c_has_no_precompiled_header(tmp_path):
    assert "-include-pch" not in compile_argv(tmp_path, "c", code='#include <stdio.h>\nint main(void) { return 0; }\n')
