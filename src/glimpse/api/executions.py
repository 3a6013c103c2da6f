"""One execution through the router: resolve the language, cap the limits, invoke the language's
runner for the tenant, check its answer against the contract; and record what happened (never
the code, stdin or output)."""

from __future__ import annotations

import time

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, ValidationError

from glimpse.api.errors import ApiError, InvalidRequest, RunnerFailed, RunnerTimedOut, Throttled
from glimpse.api.runners import LambdaRunners
from glimpse.api.settings import RouterSettings
from glimpse.languages import Recipe, UnknownLanguage, catalogue
from glimpse.models import ExecutionRequest, ExecutionResult, Rejection



class Tenant(BaseModel):
    """Who runs: the API key's id (API Gateway checked the key), optionally narrowed to one of the
    tenant's own end users, so environments are not shared between those either."""

    model_config = ConfigDict(frozen=True)

    api_key_id: str
    end_user: str | None = None

    @property
    def id(self) -> str:
        return f"{self.api_key_id}:{self.end_user}" if self.end_user else self.api_key_id


class Executions:
    """`logger` and `metrics` are the handler's own: the ones its decorators set up and flush."""

    def __init__(self, settings: RouterSettings, runners: LambdaRunners, *, logger: Logger, metrics: Metrics) -> None:
        self.settings = settings
        self.runners = runners
        self.logger = logger
        self.metrics = metrics

    def deployed(self) -> list[Recipe]:
        """The catalogue's languages that have a runner here."""
        return [recipe for recipe in catalogue().recipes if recipe.id in self.settings.runners]

    def recipe(self, language: str) -> Recipe:
        """The deployed language a request names (id or alias), or a 422 naming `language`."""
        try:
            recipe = catalogue().get(language)
        except UnknownLanguage:
            known = ", ".join(recipe.id for recipe in self.deployed())
            raise InvalidRequest.for_field("language", f"unknown language {language!r}; this deployment runs {known}") from None
        if recipe.id not in self.settings.runners:
            known = ", ".join(recipe.id for recipe in self.deployed())
            raise InvalidRequest.for_field("language", f"{recipe.id} has no runner in this deployment; it runs {known}")
        return recipe

    @staticmethod
    def check_version(recipe: Recipe, version: str | None) -> None:
        """A 422 naming `version` unless the language is at that version."""
        if not recipe.accepts_version(version):
            raise InvalidRequest.for_field("version", f"{recipe.id} is at version {recipe.version}, not {version!r}")

    def run(self, request: ExecutionRequest, tenant: Tenant, *, request_id: str, route: str) -> ExecutionResult:
        """Run `request` on its language's runner, or raise the ApiError that says why not."""
        started = time.monotonic()
        language = request.language
        outcome: dict = {"route": route, "tenant": tenant.api_key_id, "end_user": tenant.end_user, "request_id": request_id}
        try:
            recipe = self.recipe(request.language)
            language = recipe.id
            self.check_version(recipe, request.version)
            event = self._event(request, recipe, request_id)
            result = self._invoke(recipe, event, tenant, outcome)
        except ApiError as error:
            error.recorded = True
            self._record(outcome | {"status": error.code, "http_status": int(error.status),
                                    "runner_request_id": error.runner_request_id,
                                    "runner_error_type": error.runner_error_type}, language, started, error)
            raise
        run_ms = result.run.time_ms if result.run else None
        self._record(outcome | {"status": str(result.status), "http_status": 200, "execution_id": result.id, "run_ms": run_ms},
                     language, started, None)
        return result

    def _event(self, request: ExecutionRequest, recipe: Recipe, request_id: str) -> bytes:
        """The runner's event: the request with the language's id, the deployment's time cap and an id."""
        limits = request.limits.model_copy(update={"time_ms": min(request.limits.time_ms, self.settings.max_time_ms)})
        event = request.model_copy(update={
            "id": request.id or request_id,
            "language": recipe.id,
            "limits": limits,
        })
        return event.model_dump_json(exclude_none=True).encode()

    def _invoke(self, recipe: Recipe, event: bytes, tenant: Tenant, outcome: dict) -> ExecutionResult:
        outcome["request_bytes"] = len(event)
        invoked = time.monotonic()
        try:
            answer = self.runners.invoke(self.settings.runners[recipe.id], event, tenant.id)
        finally:
            outcome["runner_ms"] = round((time.monotonic() - invoked) * 1000, 1)
        outcome["runner_request_id"] = answer.request_id
        outcome["response_bytes"] = answer.size_bytes
        document = answer.document
        if isinstance(document, dict) and document.get("error") == "invalid_request":
            try:
                rejection = Rejection.model_validate(document)
            except ValidationError:
                raise RunnerFailed("the runner's answer does not follow the contract") from None
            raise InvalidRequest(rejection.message, rejection.fields)
        try:
            return ExecutionResult.model_validate(document)
        except ValidationError:
            raise RunnerFailed("the runner's answer does not follow the contract") from None

    def _record(self, outcome: dict, language: str, started: float, error: ApiError | None) -> None:
        outcome = {key: value for key, value in outcome.items() if value is not None}
        outcome |= {"language": language, "router_ms": round((time.monotonic() - started) * 1000, 1)}
        if error is None or error.status < 500:
            self.logger.info("execution answered", extra=outcome)
        else:
            self.logger.error("execution failed", extra=outcome | {"reason": error.message})
        # Two dimension sets: by language and status, and the service alone (what alarms watch).
        self.metrics.add_dimensions(language=language, status=outcome["status"])
        self.metrics.add_metric(name="Executions", unit=MetricUnit.Count, value=1)
        self.metrics.add_metric(name="ExecutionLatency", unit=MetricUnit.Milliseconds, value=outcome["router_ms"])
        if isinstance(error, (RunnerFailed, RunnerTimedOut)):
            self.metrics.add_metric(name="RunnerErrors", unit=MetricUnit.Count, value=1)
        if isinstance(error, Throttled):
            self.metrics.add_metric(name="RunnerThrottles", unit=MetricUnit.Count, value=1)
