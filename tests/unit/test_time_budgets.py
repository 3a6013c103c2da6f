"""The runner's time budgets fit inside its Lambda timeout (each runner's Timeout in template.yaml):
an execution that uses all of its time is still answered, cleaned up after, before Lambda ends the
invocation and the caller gets a timeout instead of a result."""

from pathlib import Path

import pytest

from glimpse.languages import catalogue
from glimpse.models import LIMIT_BOUNDS
from glimpse.sandbox import SandboxSettings
from glimpse_local.template import functions

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = SandboxSettings()
# Beyond its own time limit, one command takes the kill and sweep of its strays and the reading of
# what it wrote (Supervisor.wait); a workspace ends with one more sweep (Sandbox.workspace).
AFTER_A_COMMAND_S = SETTINGS.sweep_s + SETTINGS.drain_s
AFTER_A_WORKSPACE_S = SETTINGS.sweep_s
MAX_RUN_S = LIMIT_BOUNDS["time_ms"].maximum / 1000
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
def test_judge_mode_ends_inside_the_timeout(language):
    budgets = SETTINGS.judge
    # The last test is cut to the execution's deadline, then cleaned up after.
    assert budgets.execution_ms / 1000 + AFTER_A_COMMAND_S + AFTER_A_WORKSPACE_S <= TIMEOUTS[language]
    assert budgets.tests_ms <= budgets.execution_ms
    # A compile that uses all of its time leaves the tests time to run.
    assert COMPILE_S + AFTER_A_COMMAND_S + AFTER_A_WORKSPACE_S < budgets.execution_ms / 1000


@pytest.mark.parametrize("language", [
    pytest.param(language, marks=pytest.mark.xfail(
        strict=True, reason="a compile that uses its 20 s and a run its 30 s take longer than the 45 s Timeout: nothing "
                            "bounds a plain run's compile and run together, as JudgeBudgets.execution_ms does in judge mode",
    )) if RECIPES[language].compile is not None else language
    for language in sorted(RECIPES)
])
def test_a_plain_run_ends_inside_the_timeout(language):
    run_s = MAX_RUN_S + AFTER_A_COMMAND_S
    if RECIPES[language].compile is not None:
        run_s += COMPILE_S + AFTER_A_COMMAND_S
    assert run_s + AFTER_A_WORKSPACE_S <= TIMEOUTS[language]
