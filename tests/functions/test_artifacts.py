"""What each function's build ships (functions/bundle.py): the glimpse modules its handlers import
and nothing else; never the local emulation, never another function's code."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "build" / "functions"


def shipped(function: str) -> set[str]:
    package = FUNCTIONS / function / "glimpse"
    return {".".join(path.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__")
            for path in package.rglob("*.py")}


@pytest.mark.parametrize("function", ["RunnerPythonFunction", "RouterFunction", "AuthorizerFunction"])
def test_no_function_ships_the_local_emulation(function):
    assert not (FUNCTIONS / function / "glimpse_local").exists()
    assert shipped(function), "the build copied no glimpse module at all"


def test_the_runner_ships_its_sandbox_and_runtime_loop_but_not_the_router():
    modules = shipped("RunnerPythonFunction")
    assert {"glimpse.runner", "glimpse.sandbox.core", "glimpse.lambda_runtime", "glimpse.languages"} <= modules
    assert not {module for module in modules if module.startswith(("glimpse.api", "glimpse.callbacks"))}


def test_the_router_ships_its_api_but_not_the_sandbox():
    modules = shipped("RouterFunction")
    assert {"glimpse.api.app", "glimpse.callbacks", "glimpse.languages"} <= modules
    assert not {module for module in modules if module.startswith(("glimpse.sandbox", "glimpse.runner", "glimpse.lambda_runtime"))}


def test_the_authorizer_ships_its_own_module_and_no_more_than_powertools():
    """Every request waits for its cold start: no router, no boto3, no pydantic."""
    assert shipped("AuthorizerFunction") == {"glimpse", "glimpse.authorizer"}
    assert not {name for name in ("boto3", "botocore", "pydantic") if (FUNCTIONS / "AuthorizerFunction" / name).exists()}


@pytest.mark.parametrize("function", ["RunnerPythonFunction", "RouterFunction"])
def test_every_recipe_ships_with_the_catalogue(function):
    recipes = FUNCTIONS / function / "glimpse" / "languages" / "recipes"
    assert sorted(path.parent.name for path in recipes.glob("*/recipe.toml")) == sorted(
        path.parent.name for path in (ROOT / "languages").glob("*/recipe.toml"))
