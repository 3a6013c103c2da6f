"""A local Lambda service: the Invoke API, answered by execution environments built from
template.yaml (glimpse_local.environment), so the router's boto3 client works unchanged.

Each function has a pool of environments, warmed ahead of demand on request, reused one
invocation at a time, at most its concurrency at once (beyond that: TooManyRequestsException),
replaced when they retire, and never shared between tenants of a tenant-isolated function.
"""

from .pool import Environment, FunctionPool, TenancyMismatch, Throttled
from .server import DEFAULT_CONCURRENCY, MAX_REQUEST_BYTES, LambdaService, LocalHttpService

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MAX_REQUEST_BYTES",
    "Environment",
    "FunctionPool",
    "LambdaService",
    "LocalHttpService",
    "TenancyMismatch",
    "Throttled",
]
