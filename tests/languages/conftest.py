import pytest

from glimpse.languages import catalogue
from glimpse_local.local import runner_environment


@pytest.fixture(params=["lambda", "host"])
def runner_for(request, invoker_for):
    """Opens the execution environment of a language's runner, as template.yaml declares it."""
    opened = []

    def open_runner(language: str):
        environment = runner_environment(catalogue().get(language), request.param)
        environment.start()
        opened.append(environment)
        return invoker_for(environment)

    yield open_runner
    for environment in opened:
        environment.stop()
