"""The router: the public HTTP API in front of the runners (docs/api.md, docs/architecture.md).

`RouterApi.handle` takes an API Gateway REST proxy event and hands it to one of three Powertools
Routers (v1, Piston, original Glimpse); `Executions` resolves, caps and dispatches one execution;
`LambdaRunners` is the only part that knows Lambda's Invoke API.
"""

from .app import RouterApi
from .errors import ApiError, ErrorResponse
from .executions import Executions, Tenant
from .routing import END_USER_HEADER
from .runners import LambdaRunners, RunnerAnswer
from .settings import MAX_BODY_BYTES, RouterSettings, runner_variable

__all__ = [
    "END_USER_HEADER",
    "MAX_BODY_BYTES",
    "ApiError",
    "ErrorResponse",
    "Executions",
    "LambdaRunners",
    "RouterApi",
    "RouterSettings",
    "RunnerAnswer",
    "Tenant",
    "runner_variable",
]
