"""Router Lambda: the REST API's only integration. Validates each request, resolves its language
and dispatches it to that language's runner Lambda (glimpse.api does the work).

The boto3 client never retries: a retried execution would run the program twice, and a
throttled one is the caller's to retry after Retry-After. It gives up on a runner shortly before
API Gateway gives up on the router, so the caller gets the router's 504 with a request id.
"""

import os

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from botocore.config import Config

from glimpse.api import Executions, LambdaRunners, RouterApi, RouterSettings

logger = Logger()
metrics = Metrics()
# Only boto3 calls leave the router: patching httplib as well would trace each call twice.
tracer = Tracer(patch_modules=("botocore",))

settings = RouterSettings.from_environment(os.environ)
lambda_client = boto3.client(
    "lambda", config=Config(read_timeout=settings.runner_wait_s, connect_timeout=2, retries={"total_max_attempts": 1})
)
runners = LambdaRunners(lambda_client, qualifier=settings.runner_qualifier, tenant_isolation=settings.tenant_isolation)
api = RouterApi(Executions(settings, runners, logger=logger, metrics=metrics), logger=logger)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # a response holds the program's output
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event, context):
    return api.handle(event, context)
