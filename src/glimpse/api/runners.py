"""Invoking a runner Lambda: the one place that knows Lambda's Invoke API and its failures.

Every way an invocation can go wrong becomes one of the router's errors (glimpse.api.errors):
throttling → Throttled (429, with Lambda's Retry-After), a runner that crashed, raised or could
not be reached → RunnerFailed (502), one that ran out of time → RunnerTimedOut (504).
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError
from pydantic import BaseModel, ConfigDict

from glimpse.api.errors import PayloadTooLarge, RunnerFailed, RunnerTimedOut, Throttled

# Lambda's errorType when a function outlives its timeout (the runtime is then killed).
_TIMED_OUT = "Sandbox.Timedout"
_ERROR_TYPE = re.compile(r"[A-Za-z0-9_.]{1,64}")
DEFAULT_RETRY_AFTER_S = 1


class RunnerAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    document: Any  # the runner's JSON answer: a result or a Rejection
    request_id: str  # the runner invocation's own request id, for the logs
    size_bytes: int


class LambdaRunners:
    """Invokes runner functions synchronously with a boto3 Lambda client.

    The client must not retry: a retried execution runs the program twice, and a throttled one
    is the caller's to retry, after Retry-After."""

    def __init__(self, client, *, qualifier: str | None, tenant_isolation: bool) -> None:
        self._client = client
        self._qualifier = qualifier
        self._tenant_isolation = tenant_isolation

    def invoke(self, function_name: str, event: bytes, tenant_id: str) -> RunnerAnswer:
        arguments: dict[str, Any] = {"FunctionName": function_name, "InvocationType": "RequestResponse", "Payload": event}
        if self._qualifier:
            arguments["Qualifier"] = self._qualifier
        if self._tenant_isolation:
            arguments["TenantId"] = tenant_id
        try:
            response = self._client.invoke(**arguments)
            payload = response["Payload"].read()
        except ClientError as error:
            raise _service_error(error) from error
        except ReadTimeoutError as error:
            raise RunnerTimedOut("the runner did not answer in time") from error
        except ConnectionError as error:
            raise RunnerFailed("the runner could not be reached") from error
        request_id = response["ResponseMetadata"].get("RequestId", "")
        if response.get("FunctionError"):
            failure = _function_error(payload)
            failure.runner_request_id = request_id
            raise failure
        try:
            document = json.loads(payload)
        except ValueError:
            raise RunnerFailed("the runner answered something that is not JSON") from None
        return RunnerAnswer(document=document, request_id=request_id, size_bytes=len(payload))


def _function_error(payload: bytes) -> RunnerFailed | RunnerTimedOut:
    """Lambda's error document names what happened (Runtime.ExitError, Sandbox.Timedout, ...); its
    message is not passed on: it is the runtime's business, not the caller's."""
    try:
        error_type = str(json.loads(payload).get("errorType"))
    except (ValueError, AttributeError):
        error_type = "unreadable error document"
    if not _ERROR_TYPE.fullmatch(error_type):  # it is logged: only a name of Lambda's shape
        error_type = "unrecognised error type"
    failure: RunnerFailed | RunnerTimedOut
    if error_type == _TIMED_OUT:
        failure = RunnerTimedOut("the runner ran out of time before it could answer")
    else:
        failure = RunnerFailed("the runner failed before it could answer")
    failure.runner_error_type = error_type
    return failure


def _service_error(error: ClientError) -> Throttled | PayloadTooLarge | RunnerFailed:
    code = error.response.get("Error", {}).get("Code", "")
    if code == "TooManyRequestsException":
        return Throttled("too many executions at once; retry after the time Retry-After says", _retry_after(error))
    if code == "RequestTooLargeException":
        return PayloadTooLarge("the execution request is larger than a runner accepts (6 MB)")
    # ResourceNotFound (a runner named but not deployed), ServiceException, ENI and KMS errors:
    # the service's failure, not the request's.
    return RunnerFailed(f"the runner could not be invoked ({code or 'unknown error'})")


def _retry_after(error: ClientError) -> int:
    """Lambda's Retry-After header, in whole seconds (at least one)."""
    headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    value = error.response.get("retryAfterSeconds") or headers.get("retry-after")
    try:
        return max(1, int(float(value)))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S
