"""The router's configuration, from the environment variables template.yaml sets on it."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, Field

from glimpse.languages import catalogue
from glimpse.models import LIMIT_BOUNDS

RUNNER_VARIABLE_PREFIX = "GLIMPSE_RUNNER_"
# What the router keeps of the gateway's deadline for itself: reading the answer, logging, replying.
ROUTER_MARGIN_MS = 1_000
# What a run's wall-clock limit leaves for the rest of an invocation: a cold start, writing the
# files, the clean-up. A request asking more is capped (and the result says so in `limits`).
RUNNER_OVERHEAD_MS = 2_000
# A body the router reads at all: the largest valid request (2 MiB of sources, base64-encoded, and
# 2 MiB of stdin) fits, and so does the runner event it becomes, under Lambda's 6 MB payload limit.
MAX_BODY_BYTES = 5 * 1024 * 1024


def runner_variable(language_id: str) -> str:
    """GLIMPSE_RUNNER_PYTHON for python: the variable naming that language's runner function."""
    return RUNNER_VARIABLE_PREFIX + "".join(char if char.isalnum() else "_" for char in language_id.upper())


class RouterSettings(BaseModel):
    runners: dict[str, str] = Field(description="language id → the runner function's name or ARN")
    runner_qualifier: str | None = Field(default=None, description="the alias every runner is invoked at")
    tenant_isolation: bool = Field(description="runners use tenant isolation mode: every invocation names its tenant")
    api_timeout_ms: int = Field(default=29_000, ge=4_000, description="API Gateway's integration timeout")
    executions_table: str = Field(default="", description="the DynamoDB table of asynchronous executions and idempotency records")
    dispatcher: str = Field(default="", description="the function that runs asynchronous executions")
    results_ttl_s: int = Field(default=86_400, ge=1, description="how long an asynchronous execution's result is kept")
    callbacks_allow_loopback: bool = Field(default=False, description="development only: http:// callbacks to loopback")
    callback_secret: str = Field(default="", description="the Secrets Manager secret tenants' callback secrets derive from")
    public_api_key_id: str = Field(default="", description="the public compatibility routes' API key, refused on every other route")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> RouterSettings:
        """A runner is deployed for a language of the catalogue when GLIMPSE_RUNNER_<ID> names it."""
        runners = {recipe.id: environ[runner_variable(recipe.id)] for recipe in catalogue().recipes
                   if environ.get(runner_variable(recipe.id))}
        return cls(
            runners=runners,
            runner_qualifier=environ.get("GLIMPSE_RUNNER_QUALIFIER") or None,
            tenant_isolation=environ.get("GLIMPSE_TENANT_ISOLATION", "false").lower() == "true",
            api_timeout_ms=int(environ.get("GLIMPSE_API_TIMEOUT_MS", 29_000)),
            executions_table=environ.get("GLIMPSE_EXECUTIONS_TABLE", ""),
            dispatcher=environ.get("GLIMPSE_DISPATCHER_FUNCTION", ""),
            results_ttl_s=int(environ.get("GLIMPSE_RESULTS_TTL_S") or 86_400),
            callbacks_allow_loopback=environ.get("GLIMPSE_CALLBACKS_ALLOW_LOOPBACK", "false").lower() == "true",
            callback_secret=environ.get("GLIMPSE_CALLBACK_SECRET", ""),
            public_api_key_id=environ.get("GLIMPSE_PUBLIC_API_KEY_ID", ""),
        )

    @property
    def runner_wait_s(self) -> float:
        """How long the router waits for a runner: it answers 504 itself before the gateway gives up."""
        return (self.api_timeout_ms - ROUTER_MARGIN_MS) / 1000

    @property
    def max_time_ms(self) -> int:
        return min(LIMIT_BOUNDS["time_ms"].maximum, self.api_timeout_ms - ROUTER_MARGIN_MS - RUNNER_OVERHEAD_MS)
