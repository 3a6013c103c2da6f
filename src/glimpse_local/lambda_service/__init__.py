"""A local Lambda service: the Invoke API, answered by execution environments built from
template.yaml (glimpse_local.environment), so the router's boto3 client works unchanged.

Each function has a pool of environments, warmed ahead of demand on request, reused one
invocation at a time, at most its concurrency at once (beyond a Lambda limit:
TooManyRequestsException; beyond the machine's budget: a wait for a free environment), replaced when they retire, and never shared between tenants of a tenant-isolated function.
"""

from .pool import CallerGone, Environment, FunctionPool, TenancyMismatch, Throttled
from .server import DEFAULT_CONCURRENCY, MAX_REQUEST_BYTES, LambdaService, LocalHttpService

__all__ = [
    "CallerGone",
    "DEFAULT_CONCURRENCY",
    "MAX_REQUEST_BYTES",
    "Environment",
    "FunctionPool",
    "LambdaService",
    "LocalHttpService",
    "TenancyMismatch",
    "Throttled",
]
