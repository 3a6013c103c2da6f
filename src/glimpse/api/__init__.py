"""The router: the public HTTP API in front of the runners (DESIGN §2).

`RouterApi.handle` takes an API Gateway REST proxy event; `Executions` resolves, caps and
dispatches one execution; `LambdaRunners` is the only part that knows Lambda's Invoke API.
"""

from .app import END_USER_HEADER, RouterApi
from .errors import ApiError, ErrorResponse
from .executions import Executions, Tenant
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
