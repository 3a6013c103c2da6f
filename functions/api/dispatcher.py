"""Dispatcher Lambda: runs the asynchronous executions the router queued (glimpse.api.asynchronous).

Invoked asynchronously by the router with an execution's ids, never retried by Lambda (a retry
would run the program twice). It invokes the runner synchronously as the router does, stores
the result in the executions table and delivers it to the callback URL, signed with the
tenant's secret. It is trusted like the router; the runner it invokes still has no permission.
"""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

from glimpse.api import Executions, RouterSettings
from glimpse.api.asynchronous import Dispatch, Dispatcher
from glimpse.api.aws import callback_signing_secret, execution_store, lambda_runners
from glimpse.callbacks import deliver, tenant_secret

logger = Logger()
metrics = Metrics()
tracer = Tracer(patch_modules=("botocore",))

settings = RouterSettings.from_environment(os.environ)
runners, _ = lambda_runners(settings)
signing_secret = callback_signing_secret(settings)


def executions_for(dispatch: Dispatch) -> Executions:
    """An Executions whose only runner is the one the router resolved for this execution."""
    runner_settings = settings.model_copy(update={"runners": {dispatch.language: dispatch.runner}})
    return Executions(runner_settings, runners, logger=logger, metrics=metrics)


def deliver_callback(url: str, body: bytes, *, tenant, execution_id: str, budget_s: float) -> dict:
    secret = tenant_secret(signing_secret(), tenant.api_key_id)
    delivery = deliver(url, body, secret=secret, execution_id=execution_id, allow_loopback=settings.callbacks_allow_loopback,
                       budget_s=budget_s)
    return delivery.model_dump(mode="json", exclude={"history"})


dispatcher = Dispatcher(execution_store(settings), executions_for, deliver_callback, logger=logger)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics()
def handler(event, context):
    dispatcher.dispatch(Dispatch.model_validate(event), remaining_s=lambda: context.get_remaining_time_in_millis() / 1000)
