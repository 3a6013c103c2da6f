"""template.yaml's per-language rows are the recipes': one runner per recipe with the recipe's
memory and layers, a warm-pool alias, a line in the invoke policy and a variable of the router.
They are written by glimpse_local/runner_rows.py; these tests fail when a recipe changed and the
rows were not written again, or when the rows were edited by hand."""

from pathlib import Path

import pytest

from glimpse.api import runner_variable
from glimpse.languages import Function, Recipe, catalogue
from glimpse_local.runner_rows import COMMAND, function_id, generated
from glimpse_local.template import load_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
RECIPES = catalogue().recipes


def test_the_generated_rows_are_the_recipes():
    current = TEMPLATE.read_text()
    assert generated(current, RECIPES) == current, f"template.yaml's runner rows are not the recipes': run `{COMMAND}`"


def test_a_language_added_is_a_runner_added():
    """The rows follow the catalogue: one more recipe, one more runner, alias, policy line and variable."""
    extra = Recipe.model_validate({
        "id": "python-o", "name": "Python -O", "version": "3.12", "extensions": [".pyo"], "file_name": "main.py",
        "run": {"command": ["{python}", "-O", "{main}"]}, "function": Function(memory_mb=1024, layers=["NodeLayer"]),
    })
    written = generated(TEMPLATE.read_text(), [*RECIPES, extra])
    for row in ("RunnerPythonOFunction:", "RunnerPythonOWarmPool:", '- !Sub "${RunnerPythonOFunction.Arn}:*"',
                "GLIMPSE_RUNNER_PYTHON_O: !Ref RunnerPythonOFunction", "GLIMPSE_LANGUAGE: python-o"):
        assert row in written


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda recipe: recipe.id)
def test_every_recipe_has_its_runner_with_its_memory_and_layers(recipe):
    resources = load_template(TEMPLATE)["Resources"]
    runner = resources[function_id(recipe)]["Properties"]
    assert runner["Environment"]["Variables"]["GLIMPSE_LANGUAGE"] == recipe.id
    assert runner["MemorySize"] == recipe.function.memory_mb
    assert runner.get("Layers", []) == [{"Ref": layer} for layer in recipe.function.layers]
    for layer in recipe.function.layers:
        assert resources.get(layer, {}).get("Type") == "AWS::Serverless::LayerVersion", f"{recipe.id}: no layer {layer}"


def test_the_invoke_policy_and_the_router_cover_every_recipe_and_nothing_else():
    resources = load_template(TEMPLATE)["Resources"]
    (statement,) = resources["InvokeRunnersPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Resource"], key=str) == sorted(
        ({"Fn::Sub": f"${{{function_id(recipe)}.Arn}}:*"} for recipe in RECIPES), key=str)
    variables = resources["RouterFunction"]["Properties"]["Environment"]["Variables"]
    named = {name: value for name, value in variables.items() if name.startswith("GLIMPSE_RUNNER_") and name != "GLIMPSE_RUNNER_QUALIFIER"}
    assert named == {runner_variable(recipe.id): {"Ref": function_id(recipe)} for recipe in RECIPES}
    languages = {resource["Properties"]["Environment"]["Variables"]["GLIMPSE_LANGUAGE"] for resource in resources.values()
                 if "GLIMPSE_LANGUAGE" in resource.get("Properties", {}).get("Environment", {}).get("Variables", {})}
    assert languages == {recipe.id for recipe in RECIPES}
