"""A local Lambda service: the Invoke API, answered by execution environments built from
template.yaml (glimpse.environment), so the router's boto3 client works unchanged.

Each function has a pool of environments reused one invocation at a time, at most its concurrency
at once (beyond that: TooManyRequestsException), never shared between tenants.
"""

from .pool import FunctionPool, Throttled
from .server import DEFAULT_CONCURRENCY, LambdaService

__all__ = ["DEFAULT_CONCURRENCY", "FunctionPool", "LambdaService", "Throttled"]
