"""The declarative form of a language: what to compile, what to run, what the runtime tolerates."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PrecompiledHeader(BaseModel):
    """A header the toolchain holds precompiled for the compile command's exact flags, and the
    compiler options that use it. A compile uses it only where that cannot change what the program
    means: the request adds no options (any of them could make the precompiled header not match),
    and every source starts with `#include <header>` after nothing but blank space and comments,
    so the precompiled header holds exactly what each source includes first anyway."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    header: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    options: list[str] = Field(min_length=1)

    def serves(self, sources: Sequence[bytes]) -> bool:
        first_directive = re.compile(_BLANK_OR_COMMENTS + rb"#[ \t]*include[ \t]*<" + self.header.encode()
                                     + rb">[ \t]*(?://[^\\\n]*)?(?:\r?\n|\Z)")
        return bool(sources) and all(first_directive.match(source) for source in sources)

    def argv(self, placeholders: dict[str, str]) -> list[str]:
        return [option.format_map(placeholders) for option in self.options]


# What may come before a source's first directive: blank space and comments, none of them holding
# a backslash (a backslash before a line's end, even with spaces between, joins the next line to
# a comment, and could end a block comment early as `*\` + newline + `/`). Possessive, and each
# comment's form unambiguous, so a long source that does not match fails in linear time.
_BLANK_OR_COMMENTS = rb"(?:[ \t\r\n\f\v]|//[^\\\n]*+(?=\n)|/\*[^*\\]*+\*++(?:[^/*\\][^*\\]*+\*++)*+/)*+"


class Step(BaseModel):
    """How to compile or run. Its strings may name placeholders ({python}, {toolchains}, {main},
    {main_class}, {memory_mb}, {heap_mb}, {workspace}); an element that is exactly "{sources}"
    stands for the request's source files, and one that is exactly "{options}" for its compiler
    options (`options` allows them). The request's own values (file names, arguments) are
    never formatted: they are appended as whole argument-list elements.

    A compile step either runs `command` under the sandbox like any program, or hands the sources
    to a warm compiler started once per environment with `server`: `compiler` names which of the
    server's compilers compiles them (layers/toolchains/jdk/compile-server: javac, kotlinc), and
    it writes `output`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    command: list[str] | None = Field(default=None, min_length=1)
    # The compiler options a request may add where the command says "{options}": each must match
    # one of these patterns whole. They are the language's documented allowlist (docs/languages.md).
    options: list[str] = Field(default_factory=list)
    server: list[str] | None = Field(default=None, min_length=1)
    compiler: str | None = None
    output: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
    precompiled_header: PrecompiledHeader | None = None

    @model_validator(mode="after")
    def _one_way(self) -> Step:
        if (self.command is None) == (self.server is None):
            raise ValueError("a step has either a command or a server")
        if self.server is not None and (self.output is None or self.compiler is None):
            raise ValueError("a server step names its compiler and its output")
        return self

    def argv(self, placeholders: dict[str, str], sources: Sequence[str] = (), extra: Sequence[str] = (),
             options: Sequence[str] = ()) -> list[str]:
        return _expand(self.command or [], placeholders, {"{sources}": sources, "{options}": options}) + list(extra)

    def server_argv(self, placeholders: dict[str, str]) -> list[str]:
        return _expand(self.server or [], placeholders, {"{sources}": (), "{options}": ()})

    def environment(self, placeholders: dict[str, str]) -> dict[str, str]:
        return {name: value.format_map(placeholders) for name, value in self.env.items()}


def _expand(parts: list[str], placeholders: dict[str, str], lists: dict[str, Sequence[str]]) -> list[str]:
    """The parts with placeholders filled; a part that is exactly a key of `lists` ("{sources}",
    "{options}") stands for that list's elements."""
    argv: list[str] = []
    for part in parts:
        if part in lists:
            argv.extend(lists[part])
        else:
            argv.append(part.format_map(placeholders))
    return argv


class Seed(BaseModel):
    """A toolchain cache to install into each run's workspace before compiling: `install` is a
    Python file of the layer whose install(destination) copies the seed there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    install: str
    into: str


class Function(BaseModel):
    """The language's runner function in template.yaml (its rows are written from this): its memory,
    its /tmp size and the toolchain layers it carries, by logical id (the build-<LogicalId> target of a
    layers/toolchains/<name>/Makefile), in the order Lambda merges them under /opt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    memory_mb: int = Field(ge=128, le=10240)
    layers: list[str] = Field(default_factory=list)
    # Its /tmp (Lambda's EphemeralStorage): more than the default where a toolchain is unpacked there.
    ephemeral_storage_mb: int = Field(default=512, ge=512, le=10240)


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Also its folder's name (languages/<id>/), and part of its runner's logical id and variable.
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    version: str
    aliases: list[str] = Field(default_factory=list)
    extensions: list[str]
    file_name: str
    # The ids Judge0 CE 1.13 gives this language (its db/languages/active.rb; docs/compat.md), so
    # its clients' language_id selects it. Each id is one language's.
    judge0_ids: list[int] = Field(default_factory=list)
    # Where the compiler wants the main file named after the public type it declares (Java: `public
    # class Solution` must be in Solution.java), the pattern that finds that name (its group 1) in
    # a line of the source; a program sent as `code` is then written under that name.
    main_file_named_after: str | None = None
    address_space_limit: bool = False
    out_of_memory_markers: list[str] = Field(default_factory=list)
    # The libraries a program can import beyond the language's own, name -> version (python-ml's
    # numpy, pandas, ...: its layer pins the same), as GET /v1/languages lists them.
    packages: dict[str, str] = Field(default_factory=dict)
    # Files a program gets when it sends none of that name (Go's go.mod).
    default_files: dict[str, str] = Field(default_factory=dict)
    seed: Seed | None = None
    compile: Step | None = None
    run: Step
    function: Function

    @model_validator(mode="after")
    def _runs_a_command(self) -> Recipe:
        if self.run.command is None:
            raise ValueError("the run step runs a command")
        return self

    def main_file_for(self, source: bytes) -> str:
        """The name the main file gets when the request did not choose it: `file_name`, or the
        public type's name where the language names files after it."""
        if self.main_file_named_after is not None:
            found = re.search(self.main_file_named_after, source.decode("utf-8", errors="replace"), re.MULTILINE)
            if found:
                return found[1] + self.extensions[0]
        return self.file_name

    def option_refusal(self, options: Sequence[str]) -> str | None:
        """Why these compiler options are not taken, as the router and the runner both answer it;
        None when each matches the language's allowlist."""
        allowed = self.compile.options if self.compile is not None and self.compile.command is not None else []
        if options and not allowed:
            return f"{self.id} takes no compiler options"
        for option in options:
            if not any(re.fullmatch(pattern, option) for pattern in allowed):
                return f"{option!r} is not one of the options {self.id} allows (docs/languages.md)"
        return None

    def accepts_version(self, wanted: str | None) -> bool:
        """A request may name no version, "*", "latest", or a prefix of ours ("3", "3.12")."""
        if wanted in (None, "", "*", "latest"):
            return True
        return self.version == wanted or self.version.startswith(wanted + ".")


def placeholders(main: str, toolchains: Path, workspace: Path, memory_mb: int) -> dict[str, str]:
    return {
        "python": sys.executable,
        "toolchains": str(toolchains),
        "main": main,
        "workspace": str(workspace),
        "memory_mb": str(memory_mb),
        "heap_mb": str(max(16, memory_mb * 3 // 4)),  # a JVM's heap, leaving room for the rest of it
    }
