"""FunctionConfig refuses what Lambda's CreateFunction refuses."""

from pathlib import Path

import pytest

from glimpse_local.environment import ExecutionEnvironment, FunctionConfig

from environment_helpers import RUNTIME_DIR, fixture_function


@pytest.mark.parametrize("name", ["AWS_REGION", "AWS_SECRET_ACCESS_KEY", "_HANDLER", "TZ", "GLIMPSE_PROFILE"])
def test_reserved_variables_are_refused(name):
    with pytest.raises(ValueError, match=name):
        fixture_function(environment={name: "x"})


@pytest.mark.parametrize("overrides", [
    {"memory_mb": 64}, {"timeout_s": 0}, {"timeout_s": 901}, {"ephemeral_mb": 256},
    {"layers": tuple(Path(f"/layer{n}") for n in range(6))}, {"runtime": "nodejs22.x"},
])
def test_limits_outside_lambdas_are_refused(overrides):
    with pytest.raises(ValueError):
        fixture_function(**overrides)


def test_the_configuration_is_a_frozen_copy():
    variables = {"GLIMPSE_LANGUAGE": "python"}
    function = FunctionConfig(name="f", handler="app.handler", code_dir="code", environment=variables)
    variables["GLIMPSE_LANGUAGE"] = "changed"
    assert function.environment == {"GLIMPSE_LANGUAGE": "python"}
    assert function.code_dir == Path("code")


def test_an_unknown_profile_or_missing_runtime_is_refused_before_anything_starts(tmp_path):
    with pytest.raises(ValueError, match="profile"):
        ExecutionEnvironment(fixture_function(), profile="docker", runtime_dir=RUNTIME_DIR)
    with pytest.raises(ValueError, match="awslambdaric"):
        ExecutionEnvironment(fixture_function(), runtime_dir=tmp_path)
    with pytest.raises(ValueError, match="python3.12"):
        ExecutionEnvironment(fixture_function(), runtime_dir=RUNTIME_DIR, python_home=tmp_path)
