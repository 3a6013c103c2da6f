"""The declarative form of a language: what to compile, what to run, what the runtime tolerates."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Step(BaseModel):
    """One command. Its strings may name placeholders ({python}, {toolchains}, {main}); the
    request's own values (file names, arguments) are never formatted: they are appended as
    whole argument list elements."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    command: list[str] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)

    def argv(self, placeholders: dict[str, str], extra: Sequence[str] = ()) -> list[str]:
        return [part.format_map(placeholders) for part in self.command] + list(extra)

    def environment(self, placeholders: dict[str, str]) -> dict[str, str]:
        return {name: value.format_map(placeholders) for name, value in self.env.items()}


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    version: str
    aliases: list[str] = Field(default_factory=list)
    extensions: list[str]
    file_name: str
    address_space_limit: bool = False
    out_of_memory_markers: list[str] = Field(default_factory=list)
    compile: Step | None = None
    run: Step

    def accepts_version(self, wanted: str | None) -> bool:
        """A request may name no version, "*", "latest", or a prefix of ours ("3", "3.12")."""
        if wanted in (None, "", "*", "latest"):
            return True
        return self.version == wanted or self.version.startswith(wanted + ".")


def placeholders(main: str, toolchains: Path) -> dict[str, str]:
    return {"python": sys.executable, "toolchains": str(toolchains), "main": main}
