"""Runs an SQL program with the layer's sqlite3 (docs/languages.md, "SQL"): `run_sql.py MAIN [ARG...]`.

The program is MAIN, a script of SQL statements and sqlite3 dot-commands, run against a fresh
in-memory database in sqlite3's safe mode (-safe: no .shell/.system, no extension loading, no
ATTACH, .open, .output, .import or .read of files, no readfile()/writefile()), stopping at the
first error (-bail). Before it runs, a trusted setup (read by `-cmd` before `-safe` takes effect)
makes the program's input and arguments tables of the temp schema:
    stdin(line TEXT)        one row per input line, without its newline, rowid = line number
    stdin_text(text TEXT)   one row: the whole input, exactly as it came
    args(arg TEXT)          one row per argument, rowid = position
Each holds exactly the bytes that came (a line that is not UTF-8 keeps its bytes). The program
reaches sqlite3 on its standard input, with each `.read FILE` line naming a file of the program
replaced by that file's lines (safe mode refuses .read itself). ~/.sqliterc is never read.

Standard library only: it runs on the runtime's own interpreter (`{python} -I -S`), then becomes
sqlite3 (exec), so the run's limits and accounts are sqlite3's.
"""

from __future__ import annotations

import os
import sys

LAYER = os.path.dirname(os.path.abspath(__file__))  # /opt/sqlite
SQLITE = os.path.join(LAYER, "bin", "sqlite3")
LIBRARIES = os.path.join(LAYER, "lib")
SETUP_FD = 3
# How deep `.read` may nest: a file that reads itself stops here, and sqlite3 refuses the line.
MAX_DEPTH = 16
ROWS_PER_INSERT = 500


def literal(data: bytes) -> str:
    """An SQL expression whose value is TEXT of exactly these bytes."""
    if b"\0" not in data:
        try:
            return "'" + data.decode("utf-8").replace("'", "''") + "'"
        except UnicodeDecodeError:
            pass
    return f"CAST(X'{data.hex()}' AS TEXT)"


def rows(values: list[bytes]) -> str:
    """`(...),(...)`: one row per value, each of TEXT with exactly its bytes. Joined and quoted at
    once where all are UTF-8 without NUL (a megabyte of input is a few milliseconds), else value by value."""
    joined = b"\0".join(values)
    if joined.count(b"\0") == len(values) - 1:
        try:
            return "('" + joined.decode("utf-8").replace("'", "''").replace("\0", "'),('") + "')"
        except UnicodeDecodeError:
            pass
    return ",".join(f"({literal(value)})" for value in values)


def table(name: str, column: str, values: list[bytes]) -> str:
    """The temp table `name`(`column` TEXT) with one row per value, rowid = its position. Inserted
    a few hundred rows per statement: a statement's parse tree grows with its rows."""
    statements = [f"CREATE TEMP TABLE {name}({column} TEXT);"]
    for start in range(0, len(values), ROWS_PER_INSERT):
        statements.append(f"INSERT INTO temp.{name}({column}) VALUES {rows(values[start:start + ROWS_PER_INSERT])};")
    return "\n".join(statements) + "\n"


def lines(data: bytes) -> list[bytes]:
    """The input's lines without their newlines; a last line without one is a line too."""
    found = data.split(b"\n")
    return found[:-1] if found[-1] == b"" else found


def input_tables(data: bytes) -> str:
    """stdin(line), and stdin_text(text): the whole input as one value, its last newline included."""
    ending = "char(10)" if data.endswith(b"\n") else "''"
    return table("stdin", "line", lines(data)) + (
        "CREATE TEMP TABLE stdin_text(text TEXT);\n"
        "INSERT INTO temp.stdin_text(text) SELECT coalesce(group_concat(line, char(10)), '') || "
        f"{ending} FROM (SELECT line FROM temp.stdin ORDER BY rowid);\n")


def included(line: bytes) -> bytes | None:
    """The file a `.read FILE` line names (sqlite3 reads a dot-command from column 0), else None."""
    words = line.split(None, 1)
    if not line.startswith(b".") or len(words) != 2 or words[0] not in (b".read", b".rea"):
        return None
    name = words[1].strip()
    if len(name) >= 2 and name[:1] in (b"'", b'"') and name[-1:] == name[:1]:
        name = name[1:-1]
    return name or None


def program_file(name: bytes, workspace: str) -> str | None:
    """The path of a regular file of the workspace that `name` names, else None: a `.read` of
    anything else (outside the workspace, a `|command`) is left to sqlite3, which refuses it."""
    path = os.path.realpath(os.path.join(workspace, os.fsdecode(name)))
    return path if path.startswith(workspace + os.sep) and os.path.isfile(path) else None


def expand(path: str, workspace: str, depth: int = 0) -> bytes:
    """The file's text with each `.read` of a program file replaced by that file's (expanded) text."""
    with open(path, "rb") as file:
        text = file.read()
    parts = []
    for line in text.splitlines(keepends=True):
        name = included(line.rstrip(b"\r\n"))
        target = program_file(name, workspace) if name is not None and depth < MAX_DEPTH else None
        if target is None:
            parts.append(line)
            continue
        body = expand(target, workspace, depth + 1)
        parts.append(body if body.endswith(b"\n") or not body else body + b"\n")
    return b"".join(parts)


def pass_as(target: int, name: str, data: bytes) -> None:
    """Leave `data` open as descriptor `target` of the sqlite3 this process becomes."""
    fd = os.memfd_create(name)
    written = 0
    while written < len(data):
        written += os.write(fd, data[written:])
    os.lseek(fd, 0, os.SEEK_SET)
    if fd == target:
        os.set_inheritable(fd, True)
    else:
        os.dup2(fd, target)
        os.close(fd)


def main() -> None:
    main_file, args = sys.argv[1], [os.fsencode(arg) for arg in sys.argv[2:]]
    workspace = os.path.realpath(os.getcwd())
    setup = input_tables(sys.stdin.buffer.read()) + table("args", "arg", args)
    pass_as(SETUP_FD, "sql-setup", setup.encode())
    pass_as(0, "sql-program", expand(os.path.join(workspace, main_file), workspace))
    environment = dict(os.environ, LD_LIBRARY_PATH=LIBRARIES)
    # -init /dev/null: no ~/.sqliterc (HOME is the workspace, whose files the request chose).
    # -cmd before -safe: the setup runs before safe mode is on, the program after.
    os.execve(SQLITE, [SQLITE, "-init", "/dev/null", "-bail", "-cmd", f".read /proc/self/fd/{SETUP_FD}", "-safe", ":memory:"],
              environment)


if __name__ == "__main__":
    main()
