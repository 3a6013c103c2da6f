"""The language catalogue: one folder per language, languages/<id>/, whose recipe.toml is read here.

`recipes` is the folder of those folders (LANGUAGES): a link to the repository's languages/ here,
where each folder also holds the language's test programs, and in a function's artifact a copy of
the recipes alone (functions/bundle.py)."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from glimpse.languages.recipe import Function, Recipe, Seed, Step, placeholders

__all__ = ["LANGUAGES", "Catalogue", "Function", "Recipe", "Seed", "Step", "UnknownLanguage", "catalogue", "load_recipe",
           "placeholders", "version_mismatch"]

LANGUAGES = Path(__file__).parent / "recipes"


class UnknownLanguage(LookupError):
    pass


def version_mismatch(recipe: Recipe, wanted: str | None) -> str | None:
    """Why a request for version `wanted` is not `recipe`'s, as the router and the runner both
    answer it; None when the language is at that version."""
    if recipe.accepts_version(wanted):
        return None
    return f"{recipe.id} is at version {recipe.version}, not {wanted!r}"


class Catalogue:
    def __init__(self, recipes: list[Recipe]):
        self.recipes = sorted(recipes, key=lambda recipe: recipe.id)
        self._by_name: dict[str, Recipe] = {}
        for recipe in self.recipes:
            for name in (recipe.id, *recipe.aliases):
                if name in self._by_name:
                    raise ValueError(f"language name {name!r} is claimed twice")
                self._by_name[name] = recipe
        self._by_judge0_id: dict[int, Recipe] = {}
        for recipe in self.recipes:
            for judge0_id in recipe.judge0_ids:
                if judge0_id in self._by_judge0_id:
                    raise ValueError(f"Judge0 language id {judge0_id} is claimed twice")
                self._by_judge0_id[judge0_id] = recipe

    def get(self, name: str) -> Recipe:
        try:
            return self._by_name[name.lower()]
        except KeyError:
            known = ", ".join(recipe.id for recipe in self.recipes)
            raise UnknownLanguage(f"unknown language {name!r}; known: {known}") from None

    def for_judge0_id(self, judge0_id: int) -> Recipe:
        try:
            return self._by_judge0_id[judge0_id]
        except KeyError:
            raise UnknownLanguage(f"language with id {judge0_id} doesn't exist") from None

    def for_file(self, path: str) -> Recipe:
        suffix = Path(path).suffix.lower()
        for recipe in self.recipes:
            if suffix in recipe.extensions:
                return recipe
        raise UnknownLanguage(f"no language uses the extension {suffix!r}; name one with --language")


def load_recipe(path: Path) -> Recipe:
    """A language folder's recipe. Its id is the folder's name: the folder is the language."""
    recipe = Recipe.model_validate(tomllib.loads(path.read_text()))
    if recipe.id != path.parent.name:
        raise ValueError(f"{path}: the recipe's id {recipe.id!r} is not its folder's name {path.parent.name!r}")
    return recipe


@functools.cache
def catalogue() -> Catalogue:
    return Catalogue([load_recipe(path) for path in sorted(LANGUAGES.glob("*/recipe.toml"))])
