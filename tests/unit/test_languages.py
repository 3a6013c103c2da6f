import sys

import pytest

from glimpse.languages import Step, UnknownLanguage, catalogue


def test_python_is_found_by_id_alias_and_extension():
    assert catalogue().get("python").id == "python"
    assert catalogue().get("PY").id == "python"
    assert catalogue().for_file("hello.py").id == "python"


def test_unknown_languages_name_the_known_ones():
    with pytest.raises(UnknownLanguage, match="known: .*python"):
        catalogue().get("cobol")
    with pytest.raises(UnknownLanguage, match="--language"):
        catalogue().for_file("notes.txt")


def test_python_recipe_matches_the_interpreter_it_runs_on():
    # The recipe runs the runtime's own interpreter; the venv is built from Lambda's python3.12.
    assert catalogue().get("python").version == "%d.%d" % sys.version_info[:2]


@pytest.mark.parametrize("wanted, accepted", [(None, True), ("*", True), ("3", True), ("3.12", True), ("3.1", False), ("2", False)])
def test_version_requests(wanted, accepted):
    assert catalogue().get("python").accepts_version(wanted) is accepted


def test_request_values_are_never_formatted_into_commands():
    step = catalogue().get("python").run
    values = {"python": "/var/lang/bin/python3.12", "main": "main.py", "toolchains": "/opt"}
    argv = step.argv(values, extra=["{python}", "$(id)"])
    assert argv == ["/var/lang/bin/python3.12", "-E", "-s", "main.py", "{python}", "$(id)"]


def test_sources_expand_as_whole_arguments():
    step = Step(command=["cc", "-o", "main", "{sources}", "-lm"])
    assert step.argv({}, sources=["a.c", "{main}.c"]) == ["cc", "-o", "main", "a.c", "{main}.c", "-lm"]


def test_a_step_compiles_one_way_and_a_server_names_its_output():
    with pytest.raises(ValueError, match="either a command or a server"):
        Step(command=["cc"], server=["java"])
    with pytest.raises(ValueError, match="output"):
        Step(server=["java"])


def test_compiler_options_are_placed_where_the_command_says_and_only_allowed_ones_are_taken():
    recipe = catalogue().get("c")
    argv = recipe.compile.argv({"toolchains": "/opt", "workspace": "/w"}, sources=["main.c"], options=["-O0", "-DN=1"])
    assert argv[argv.index("-O0") + 1:argv.index("-O0") + 3] == ["-DN=1", "-o"] and argv[-2:] == ["main.c", "-lm"]
    assert "{options}" not in recipe.compile.argv({"toolchains": "/opt", "workspace": "/w"}, sources=["main.c"])
    assert recipe.option_refusal(["-O3", "-std=gnu99", "-Wall", "-Wno-unused-variable", "-g", "-UNDEBUG"]) is None
    for refused in (["-o", "x"], ["-Wl,-rpath,/tmp"], ["-fplugin=/tmp/p.so"], ["-B/tmp"], ["@/etc/passwd"], ["-include/etc/passwd"]):
        assert "is not one of the options c allows" in recipe.option_refusal(refused), refused
    assert catalogue().get("python").option_refusal(["-O"]) == "python takes no compiler options"
    assert catalogue().get("java").option_refusal(["-g"]) == "java takes no compiler options"


def test_a_java_source_is_named_after_its_public_top_level_type_and_nothing_else_is():
    java = catalogue().get("java")
    assert java.main_file_for(b"import java.util.*;\npublic class Solution {\n    public static class Inner {}\n}") == "Solution.java"
    assert java.main_file_for(b"public final class Doors {}") == "Doors.java"
    assert java.main_file_for(b"class Main {}\n// public class Comment") == "Main.java"
    assert catalogue().get("kotlin").main_file_for(b"public class Solution") == catalogue().get("kotlin").file_name
