"""Each language's runner function (the shared runner artifact) plus its layers stays within
Lambda's quotas: 262,144,000 bytes unzipped and 5 layers (layers/toolchains/lambda.toml). The layer
sets are the recipes' [function] layers, the same lists template.yaml's Layers rows are written from."""

import pytest

from glimpse.languages import catalogue
from layer_checks import RUNNER_ARTIFACT, TOOLCHAINS, lambda_facts, layer_makefiles, tree_bytes

RECIPES = catalogue().recipes


def test_every_layer_a_recipe_names_is_built_by_a_toolchain():
    """A layer no layers/toolchains/*/Makefile builds (a typo, a folder not yet written) is a
    failure here, not a size check skipped."""
    for recipe in RECIPES:
        unknown = [logical_id for logical_id in recipe.function.layers if logical_id not in layer_makefiles()]
        assert not unknown, f"languages/{recipe.id}/recipe.toml: no layers/toolchains/*/Makefile builds {', '.join(unknown)}"


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda recipe: recipe.id)
def test_function_and_layers_fit_lambda(built_layers, recipe):
    layers = recipe.function.layers
    limits = lambda_facts()["limits"]
    assert len(layers) <= limits["layers"]
    unbuilt = [logical_id for logical_id in layers if not (built_layers / logical_id).is_dir()]
    assert not unbuilt, f"{recipe.id}: `make layers` built no {', '.join(unbuilt)}"
    sizes = {"function": tree_bytes(RUNNER_ARTIFACT)} | {logical_id: tree_bytes(built_layers / logical_id) for logical_id in layers}
    assert sum(sizes.values()) <= limits["unzipped_bytes"], f"{recipe.id}: {sizes} = {sum(sizes.values()):,} bytes"


def test_every_layer_is_carried_by_some_language():
    used = {logical_id for recipe in RECIPES for logical_id in recipe.function.layers}
    assert set(layer_makefiles()) <= used, "a layer no language carries"


def test_readme_lists_every_base_library():
    readme = (TOOLCHAINS / "README.md").read_text()
    for library in lambda_facts()["base"]["libraries"]:
        assert f"`{library}`" in readme, f"README.md does not document {library}"
