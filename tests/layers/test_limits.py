"""Each language's runner function (the shared runner artifact) plus its layers stays within
Lambda's quotas: 262,144,000 bytes unzipped and 5 layers. The layer sets come from
layers/toolchains/layers.toml, the same table template.yaml's Layers rows follow."""

import pytest

from glimpse.languages import catalogue
from layer_checks import RUNNER_ARTIFACT, TOOLCHAINS, layer_makefiles, manifest, tree_bytes

LANGUAGES = sorted(manifest()["languages"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_function_and_layers_fit_lambda(built_layers, language):
    layers = manifest()["languages"][language]
    limits = manifest()["limits"]
    missing = [logical_id for logical_id in layers if logical_id not in layer_makefiles()]
    if missing:
        pytest.skip(f"no layers/toolchains/*/Makefile builds {', '.join(missing)} yet")
    assert len(layers) <= limits["layers"]
    sizes = {"function": tree_bytes(RUNNER_ARTIFACT)} | {logical_id: tree_bytes(built_layers / logical_id) for logical_id in layers}
    assert sum(sizes.values()) <= limits["unzipped_bytes"], f"{language}: {sizes} = {sum(sizes.values()):,} bytes"


def test_every_layer_is_carried_by_some_language():
    used = {logical_id for layers in manifest()["languages"].values() for logical_id in layers}
    assert set(layer_makefiles()) <= used, "a layer no language carries"


def test_every_language_has_a_layer_set():
    assert {recipe.id for recipe in catalogue().recipes} <= manifest()["languages"].keys()


def test_readme_lists_every_base_library():
    readme = (TOOLCHAINS / "README.md").read_text()
    for library in manifest()["base"]["libraries"]:
        assert f"`{library}`" in readme, f"README.md does not document {library}"
