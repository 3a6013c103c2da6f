"""The language catalogue: one folder per language, languages/<id>/, whose recipe.toml is read here.

`recipes` is that folder: a link to the repository's languages/ here, and in a function's artifact a
copy of the recipes alone (functions/python-function.mk)."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from glimpse.languages.recipe import Recipe, Seed, Step, placeholders

__all__ = ["Catalogue", "Recipe", "Seed", "Step", "UnknownLanguage", "catalogue", "placeholders"]

RECIPES = Path(__file__).parent / "recipes"


class UnknownLanguage(LookupError):
    pass


class Catalogue:
    def __init__(self, recipes: list[Recipe]):
        self.recipes = sorted(recipes, key=lambda recipe: recipe.id)
        self._by_name: dict[str, Recipe] = {}
        for recipe in self.recipes:
            for name in (recipe.id, *recipe.aliases):
                if name in self._by_name:
                    raise ValueError(f"language name {name!r} is claimed twice")
                self._by_name[name] = recipe

    def get(self, name: str) -> Recipe:
        try:
            return self._by_name[name.lower()]
        except KeyError:
            known = ", ".join(recipe.id for recipe in self.recipes)
            raise UnknownLanguage(f"unknown language {name!r}; known: {known}") from None

    def for_file(self, path: str) -> Recipe:
        suffix = Path(path).suffix.lower()
        for recipe in self.recipes:
            if suffix in recipe.extensions:
                return recipe
        raise UnknownLanguage(f"no language uses the extension {suffix!r}; name one with --language")


@functools.cache
def catalogue() -> Catalogue:
    return Catalogue([Recipe.model_validate(tomllib.loads(path.read_text())) for path in sorted(RECIPES.glob("*/recipe.toml"))])
