"""A language is its folder, languages/<id>/: a recipe whose id is the folder's name, and the
programs the tests run (docs/languages.md)."""

import pytest

from glimpse.languages import LANGUAGES, catalogue, load_recipe


def test_every_folder_is_the_language_it_is_named_after():
    folders = sorted(path.name for path in LANGUAGES.iterdir() if path.is_dir())
    assert folders == [recipe.id for recipe in catalogue().recipes]


def test_a_recipe_in_a_folder_of_another_name_is_refused(tmp_path):
    folder = tmp_path / "python3"
    folder.mkdir()
    (folder / "recipe.toml").write_text((LANGUAGES / "python" / "recipe.toml").read_text())
    with pytest.raises(ValueError, match="not its folder's name"):
        load_recipe(folder / "recipe.toml")


def test_every_language_has_its_census_program():
    """The stack's concurrency test sends it (tests/stack/test_concurrency.py); the stack tests are
    slow, so a language without one is caught here."""
    for recipe in catalogue().recipes:
        assert (LANGUAGES / recipe.id / f"census{recipe.extensions[0]}").is_file(), recipe.id
