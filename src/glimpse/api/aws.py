"""The router's and the dispatcher's AWS clients, made once per environment from their settings.

boto3 finds each service's endpoint as usual, or where AWS_ENDPOINT_URL_<SERVICE> says (the
local stack, `sam local`). The Lambda client never retries (a retried execution would run twice).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from glimpse.api.asynchronous import Dispatch
from glimpse.api.errors import RunnerFailed
from glimpse.api.runners import LambdaRunners
from glimpse.api.settings import RouterSettings
from glimpse.api.store import ExecutionStore


def lambda_runners(settings: RouterSettings) -> tuple[LambdaRunners, object]:
    client = boto3.client(
        "lambda", config=Config(read_timeout=settings.runner_wait_s, connect_timeout=2, retries={"total_max_attempts": 1})
    )
    return LambdaRunners(client, qualifier=settings.runner_qualifier, tenant_isolation=settings.tenant_isolation), client


def execution_store(settings: RouterSettings) -> ExecutionStore:
    return ExecutionStore(boto3.resource("dynamodb").Table(settings.executions_table), ttl_s=settings.results_ttl_s)


def dispatcher_invoker(client, function_name: str) -> Callable[[Dispatch], None]:
    """Invokes the dispatcher asynchronously (Lambda queues the event and answers 202 at once)."""

    def invoke(dispatch: Dispatch) -> None:
        try:
            response = client.invoke(FunctionName=function_name, InvocationType="Event", Payload=dispatch.model_dump_json())
        except (ClientError, BotoCoreError) as error:
            raise RunnerFailed("the execution could not be queued") from error
        if response.get("StatusCode") != 202:
            raise RunnerFailed("the execution could not be queued")

    return invoke


def callback_signing_secret(settings: RouterSettings) -> Callable[[], bytes]:
    """The master secret tenants' callback secrets derive from, read from Secrets Manager once."""

    client = boto3.client("secretsmanager")

    @functools.cache
    def secret() -> bytes:
        return client.get_secret_value(SecretId=settings.callback_secret)["SecretString"].encode()

    return secret
