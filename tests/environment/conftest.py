import pytest

from environment_helpers import RUNTIME_DIR, fixture_function
from glimpse_local.environment import ExecutionEnvironment


@pytest.fixture
def new_environment():
    """Makes environments of the fixture function (started), and stops them all afterwards."""
    made = []

    def make(profile: str = "lambda", start: bool = True, init_timeout_s: float = 10.0, log_sink=None, **overrides):
        environment = ExecutionEnvironment(fixture_function(**overrides), profile=profile, runtime_dir=RUNTIME_DIR,
                                           init_timeout_s=init_timeout_s, log_sink=log_sink)
        made.append(environment)
        if start:
            environment.start()
        return environment

    yield make
    for environment in made:
        environment.stop()


@pytest.fixture(scope="module")
def lambda_environment():
    with ExecutionEnvironment(fixture_function(), profile="lambda", runtime_dir=RUNTIME_DIR) as environment:
        yield environment


@pytest.fixture(scope="module")
def host_environment():
    with ExecutionEnvironment(fixture_function(), profile="host", runtime_dir=RUNTIME_DIR) as environment:
        yield environment
