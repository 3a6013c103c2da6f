"""Copy into a function's artifact the modules of the glimpse package its handlers import, and
nothing else: the artifact carries what runs in Lambda, never the local emulation beside it.

Usage: python bundle.py ARTIFACTS_DIR ENTRY [ENTRY ...]

An entry is a handler's file (app.py) or a module the function starts by name (the runner's
wrapper runs `python -m glimpse.lambda_runtime`). The imports are followed statically (modulefinder), lazy ones inside functions included. A
function that imports the language catalogue gets the recipes (languages/*/recipe.toml) too.
"""

from __future__ import annotations

import shutil
import sys
from modulefinder import ModuleFinder
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "glimpse"
CATALOGUE = "glimpse.languages"


def glimpse_modules(entries: list[str]) -> dict[str, Path]:
    handlers = [Path(entry) for entry in entries if entry.endswith(".py")]
    # Only our sources are searched: third-party imports are the requirements' business.
    finder = ModuleFinder(path=[str(SOURCES), *{str(handler.parent) for handler in handlers}])
    for entry in entries:
        if entry.endswith(".py"):
            finder.run_script(entry)
        else:
            finder.import_hook(entry, fromlist=["*"])
    return {name: Path(module.__file__) for name, module in finder.modules.items()
            if name == PACKAGE or name.startswith(PACKAGE + ".")}


def bundle(artifact: Path, entries: list[str]) -> None:
    modules = glimpse_modules(entries)
    for path in modules.values():
        destination = artifact / path.relative_to(SOURCES)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    if CATALOGUE in modules:
        recipes = SOURCES / "glimpse" / "languages" / "recipes"
        for recipe in recipes.glob("*/recipe.toml"):
            destination = artifact / recipe.relative_to(SOURCES)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(recipe, destination)


if __name__ == "__main__":
    bundle(Path(sys.argv[1]), sys.argv[2:])
