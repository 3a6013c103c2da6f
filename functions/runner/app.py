"""Runner Lambda: runs one execution of the language named by GLIMPSE_LANGUAGE.

The sandbox is built once per execution environment (at init), so its probes and its start-up
sweep cost nothing per request. When a run leaves the environment in a state the sandbox cannot
prove clean, the answer is posted to the Runtime API first and then the process exits, so Lambda
replaces the environment before anyone else's code meets it.
"""

import json
import os
import urllib.request

from aws_lambda_powertools import Logger

from glimpse.languages import catalogue
from glimpse.runner import Runner
from glimpse.sandbox import Sandbox

logger = Logger(service="glimpse-runner")

disabled = [name for name in os.environ.get("GLIMPSE_DISABLE_PROTECTIONS", "").split(",") if name]
runner = Runner(
    recipe=catalogue().get(os.environ["GLIMPSE_LANGUAGE"]),
    sandbox=Sandbox(disabled=disabled),
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
        logger.error("environment could not be proven clean; retiring it")
        answer_and_exit(context.aws_request_id, reply)
    return reply


def answer_and_exit(request_id: str, reply: dict) -> None:
    url = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation/{request_id}/response"
    request = urllib.request.Request(url, data=json.dumps(reply).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5):
            pass
    finally:
        os._exit(0)  # even when the answer could not be posted: this environment must go
