"""Router Lambda: the REST API's only integration. Validates each request, resolves its language
and dispatches it to that language's runner Lambda (glimpse.api does the work); queues
asynchronous executions for the dispatcher (dispatcher.py) and reads them back.

The boto3 client never retries: a retried execution would run the program twice, and a
throttled one is the caller's to retry after Retry-After. It gives up on a runner shortly before
API Gateway gives up on the router, so the caller gets the router's 504 with a request id.
"""

import os
from pathlib import Path

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from glimpse.api import Executions, RouterApi, RouterSettings
from glimpse.api.aws import callback_signing_secret, dispatcher_invoker, execution_store, lambda_runners
from glimpse.api.asynchronous import Queue
from glimpse.api.idempotency import Idempotency
from glimpse.api.playground import PLAYGROUND_DEV_KEY_VARIABLE, Playground
from glimpse.callbacks import vet_callback_url

logger = Logger()
metrics = Metrics()
# Only boto3 calls leave the router: patching httplib as well would trace each call twice.
tracer = Tracer(patch_modules=("botocore",))

settings = RouterSettings.from_environment(os.environ)
runners, lambda_client = lambda_runners(settings)
executions = Executions(settings, runners, logger=logger, metrics=metrics)


def _check_callback(url: str) -> str:
    vet_callback_url(url, allow_loopback=settings.callbacks_allow_loopback)
    return url


queue = Queue(execution_store(settings), executions, dispatcher_invoker(lambda_client, settings.dispatcher),
              check_callback=_check_callback)
idempotency = Idempotency(DynamoDBPersistenceLayer(table_name=settings.executions_table), ttl_s=settings.results_ttl_s)
# The playground page, built into the artifact beside this file (functions/api/Makefile).
playground = Playground(Path(__file__).with_name("playground"), max_time_ms=settings.max_time_ms,
                        dev_key=os.environ.get(PLAYGROUND_DEV_KEY_VARIABLE))
api = RouterApi(executions, queue, idempotency, callback_secret=callback_signing_secret(settings), logger=logger,
                playground=playground)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # a response holds the program's output
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event, context):
    idempotency.config.register_lambda_context(context)
    return api.handle(event, context)
