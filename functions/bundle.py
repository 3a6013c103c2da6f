"""Copy into a function's artifact the modules of the glimpse package its handlers import, and
nothing else: the artifact carries what runs in Lambda, never the local emulation beside it.

Usage: python bundle.py ARTIFACTS_DIR HANDLER.py [HANDLER.py ...]

The imports are followed statically (modulefinder), lazy ones inside functions included. A
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


def glimpse_modules(handlers: list[Path]) -> dict[str, Path]:
    # Only our sources are searched: third-party imports are the requirements' business.
    finder = ModuleFinder(path=[str(SOURCES), *{str(handler.parent) for handler in handlers}])
    for handler in handlers:
        finder.run_script(str(handler))
    return {name: Path(module.__file__) for name, module in finder.modules.items()
            if name == PACKAGE or name.startswith(PACKAGE + ".")}


def bundle(artifact: Path, handlers: list[Path]) -> None:
    modules = glimpse_modules(handlers)
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
    bundle(Path(sys.argv[1]), [Path(argument) for argument in sys.argv[2:]])
