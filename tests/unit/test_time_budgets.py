"""The runner's time budgets fit inside its Lambda timeout (each runner's Timeout in template.yaml):
an execution that uses all of its time is still answered, cleaned up after, before Lambda ends the
invocation and the caller gets a timeout instead of a result."""

from pathlib import Path

import pytest

from glimpse.languages import catalogue
from glimpse.sandbox import SandboxSettings
from glimpse_local.template import functions

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = SandboxSettings()
# Beyond its own time limit, one command takes the kill and sweep of its strays and the reading of
# what it wrote (Supervisor.wait); a workspace ends with one more sweep (Sandbox.workspace).
AFTER_A_COMMAND_S = SETTINGS.sweep_s + SETTINGS.drain_s
AFTER_A_WORKSPACE_S = SETTINGS.sweep_s
COMPILE_S = SETTINGS.compile_limits.time_ms / 1000
RECIPES = {recipe.id: recipe for recipe in catalogue().recipes}


def runner_timeouts() -> dict[str, float]:
    """Each runner function's Timeout in seconds, by the language it runs."""
    declared = functions(ROOT / "template.yaml", ROOT / "build" / "functions").values()
    return {function.environment["GLIMPSE_LANGUAGE"]: function.timeout_s for function in declared
            if "GLIMPSE_LANGUAGE" in function.environment}


TIMEOUTS = runner_timeouts()


def test_every_language_has_a_runner_with_a_timeout():
    assert set(TIMEOUTS) == set(RECIPES)


@pytest.mark.parametrize("language", sorted(RECIPES))
def test_an_execution_ends_inside_the_timeout(language):
    # Plain or judged, the run (or the last test) is cut to the execution's deadline, then cleaned
    # up after.
    assert SETTINGS.execution_ms / 1000 + AFTER_A_COMMAND_S + AFTER_A_WORKSPACE_S <= TIMEOUTS[language]


def test_a_compile_that_uses_all_of_its_time_leaves_time_to_run():
    assert COMPILE_S + AFTER_A_COMMAND_S + AFTER_A_WORKSPACE_S < SETTINGS.execution_ms / 1000
    assert SETTINGS.judge.tests_ms <= SETTINGS.execution_ms
