"""SQL (SqliteLayer) runs on the bare Lambda base: the recipe's own run command, the runtime's
interpreter running the layer's run_sql.py, which becomes the layer's sqlite3, with only the base's
libraries visible, no /etc and the layer read-only at /opt. The program's input and arguments are
tables holding exactly the bytes that came; `.read` of a program file works, and safe mode refuses
what would reach past the program: commands, extensions, other files and databases, and a
~/.sqliterc the request planted in the workspace."""

import pytest
from layer_checks import ENTER_WORKSPACE, SANDBOX_WORKSPACE, recipe_run, run_on_the_base

PROGRAM = r"""
.read helper.sql
SELECT sqlite_version(), (SELECT group_concat(arg, '|') FROM args), (SELECT count(*) FROM stdin);
SELECT rowid, hex(line) FROM stdin ORDER BY rowid;
SELECT hex(text) FROM stdin_text;
SELECT json_object('n', 42), sum(value) OVER () FROM json_each('[1, 2]') LIMIT 1;
SELECT 'helper: ' || who FROM helper;
"""
HELPER = "CREATE TABLE helper(who TEXT);\nINSERT INTO helper VALUES ('read');\n"
# The input: a line that is not UTF-8, one that holds a NUL, an empty one, and a last one without a newline.
INPUT = r"\377x\na\0b\n\nend"


def run_sql(built_layers, program: str, stdin: str = "", files: dict[str, str] | None = None, args: list[str] = ()):
    written = "".join(f"cat > {name} <<'EOF'\n{text}EOF\n" for name, text in (files or {}).items())
    return run_on_the_base([built_layers / "SqliteLayer"], f"""
        {ENTER_WORKSPACE}
        cat > main.sql <<'EOF'
{program}
EOF
        {written}
        printf '{stdin}' | {recipe_run("sql", "main.sql", list(args))} || echo "exit $?"
        echo left: {SANDBOX_WORKSPACE}/* {SANDBOX_WORKSPACE}/.tmp/*
    """)


def test_sql_runs_on_the_base_with_its_input_and_arguments_as_tables(built_layers):
    completed = run_sql(built_layers, PROGRAM, INPUT, {"helper.sql": HELPER}, ["a b", "it's"])
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.stdout.splitlines() == [
        "3.40.1|a b|it's|4",
        "1|FF78",
        "2|610062",
        "3|",
        "4|656E64",
        "FF780A6100620A0A656E64",
        '{"n":42}|3',
        "helper: read",
        f"left: {SANDBOX_WORKSPACE}/helper.sql {SANDBOX_WORKSPACE}/main.sql {SANDBOX_WORKSPACE}/.tmp/*",
    ]
    assert completed.stderr == ""


@pytest.mark.parametrize("line, refusal", [
    (".shell echo escaped", "cannot run .shell in safe mode"),
    (".system echo escaped", "cannot run .system in safe mode"),
    (".load /opt/sqlite/lib/libsqlite3.so.0", "cannot run .load in safe mode"),
    ("SELECT load_extension('/opt/sqlite/lib/libsqlite3.so.0');", "cannot use the load_extension() function in safe mode"),
    ("ATTACH 'other.db' AS other;", "cannot run ATTACH in safe mode"),
    (".open other.db", "cannot open disk-based database files in safe mode"),
    (".output other.txt", "cannot run .output in safe mode"),
    ("SELECT writefile('other.txt', 'x');", "cannot use the writefile() function in safe mode"),
    ("SELECT readfile('/opt/sqlite/run_sql.py');", "cannot use the readfile() function in safe mode"),
    (".import /opt/sqlite/run_sql.py t", "cannot run .import in safe mode"),
    (".read /opt/sqlite/run_sql.py", "cannot run .read in safe mode"),  # not a program file: not expanded
    (".read ../escape.sql", "cannot run .read in safe mode"),
    (".read '|echo escaped'", "cannot run .read in safe mode"),
])
def test_safe_mode_refuses_what_reaches_past_the_program(built_layers, line, refusal):
    completed = run_sql(built_layers, f"SELECT 'before';\n{line}\nSELECT 'after';", files={".sqliterc": ".shell echo rc\n"})
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "before", "exit 1", f"left: {SANDBOX_WORKSPACE}/main.sql {SANDBOX_WORKSPACE}/.tmp/*",
    ]
    assert completed.stderr == f"line 2: {refusal}\n"
