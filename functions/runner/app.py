"""Runner Lambda: runs one execution of the language named by GLIMPSE_LANGUAGE.

It runs on Lambda's python3.12 runtime but answers through the runner's own Runtime API loop
(`glimpse.lambda_runtime`, started by the `glimpse-runtime` wrapper that AWS_LAMBDA_EXEC_WRAPPER
names), which claims each invocation's answer before any untrusted code runs. The sandbox is built
once per execution environment (at init), so its probes and its start-up sweep cost nothing per
request. When a run leaves the environment in a state the sandbox cannot prove clean, the loop
answers and then ends the process (`retire_environment`), so Lambda replaces the environment
before anyone else's code meets it.
"""

import os

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from glimpse.languages import catalogue
from glimpse.runner import Runner
from glimpse.sandbox import Sandbox, SandboxSettings

logger = Logger(service="glimpse-runner")
copy_config_to_registered_loggers(source_logger=logger)  # glimpse's own log lines in the same JSON

recipe = catalogue().get(os.environ["GLIMPSE_LANGUAGE"])
runner = Runner(
    recipe=recipe,
    sandbox=Sandbox(SandboxSettings.for_language(recipe, os.environ)),
    profile=os.environ.get("GLIMPSE_PROFILE", "lambda"),
)
logger.info("runner ready", extra={"language": runner.recipe.id, "protections": runner.isolation.protections})


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    reply = runner.handle(event)
    logger.info(
        "execution answered",
        extra={"status": reply.get("status", reply.get("error")), "run_ms": (reply.get("run") or {}).get("time_ms")},
    )
    if not runner.sandbox.clean:
        logger.error("environment could not be proven clean; retiring it after this answer")
    return reply


def retire_environment() -> bool:
    """Asked by the runtime loop after each answer: True ends this execution environment."""
    return not runner.sandbox.clean
