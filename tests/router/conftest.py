import dataclasses

import pytest

from glimpse_local.aws_services import ENDPOINT_VARIABLES as AWS_ENDPOINT_VARIABLES
from glimpse_local.aws_services import LocalAwsServices
from glimpse_local.environment import FunctionConfig
from glimpse_local.lambda_service import LambdaService
from glimpse_local.template import FunctionSettings, function_settings, functions
from router_helpers import ROOT, Router

TEMPLATE = ROOT / "template.yaml"


def pytest_configure(config):
    # Powertools warns when a request published no metric of its own (the GET routes publish none).
    config.addinivalue_line("filterwarnings", "ignore:No application metrics to publish")
STAND_INS = ROOT / "tests" / "router" / "functions"


def extra_functions() -> dict[str, tuple[FunctionConfig, FunctionSettings]]:
    """The real Python runner under other names and limits, and stand-ins (functions/app.py), all
    with a runner's settings (tenant isolation) but SharedTenantEcho (a warm pool's runner). They
    have no alias: routers using them are told GLIMPSE_RUNNER_QUALIFIER="" (invoke $LATEST)."""
    python = functions(TEMPLATE, ROOT / "build" / "functions")["RunnerPythonFunction"]
    runner = function_settings(TEMPLATE)["RunnerPythonFunction"]
    extras = [
        (dataclasses.replace(python, name="PythonOneAtATime"), runner),
        (dataclasses.replace(python, name="PythonShortTimeout", timeout_s=2.0), runner),
        (FunctionConfig(name="Sleeper", handler="app.sleep", code_dir=STAND_INS, timeout_s=10.0, environment={"SLEEP_S": "5"}), runner),
        (FunctionConfig(name="TenantEcho", handler="app.echo_tenant", code_dir=STAND_INS), runner),
        (FunctionConfig(name="Forger", handler="app.forge", code_dir=STAND_INS), runner),
        (FunctionConfig(name="SharedTenantEcho", handler="app.echo_tenant", code_dir=STAND_INS),
         runner.model_copy(update={"tenant_isolation": False})),
    ]
    return {config.name: (config, settings) for config, settings in extras}


@pytest.fixture(scope="package")
def aws_services():
    """The template's table and secret, in moto's server."""
    services = LocalAwsServices(TEMPLATE)
    services.start()
    yield services
    services.stop()


@pytest.fixture(scope="package")
def lambda_service(aws_services):
    """The template's functions (and the extras) behind a local Lambda Invoke endpoint. Stopped
    after this folder's tests: its environments all run as uid 993, whose process limit the
    other tests' programs share."""
    service = LambdaService.from_template(
        TEMPLATE, build_dir=ROOT / "build" / "functions", runtime_dir=ROOT / "build" / "lambda-runtime",
        extra_functions=extra_functions(), concurrency={"PythonOneAtATime": 1},
        services=dict.fromkeys(AWS_ENDPOINT_VARIABLES, aws_services.endpoint_url),
    )
    with service:
        yield service


@pytest.fixture(scope="package")
def router_for(lambda_service, aws_services):
    """Makes a router configured as template.yaml configures RouterFunction, plus `overrides`,
    whose boto3 client reaches the local Lambda service through AWS_ENDPOINT_URL_LAMBDA."""
    base = dict(functions(TEMPLATE, ROOT / "build" / "functions")["RouterFunction"].environment) | {
        "AWS_ENDPOINT_URL_LAMBDA": lambda_service.endpoint_url,
        "AWS_ENDPOINT_URL_DYNAMODB": aws_services.endpoint_url, "AWS_ENDPOINT_URL_SECRETS_MANAGER": aws_services.endpoint_url,
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    made: dict[tuple, Router] = {}

    def make(**overrides: str) -> Router:
        key = tuple(sorted(overrides.items()))
        if key not in made:
            made[key] = Router(base | overrides)
        return made[key]

    return make


@pytest.fixture(scope="package")
def router(router_for):
    return router_for()
