"""One execution through the router: resolve the language, cap the limits, invoke the language's
runner for the tenant, check its answer against the contract; and record what happened (never
the code, stdin or output).

A runner's answer comes from a Lambda environment where untrusted code ran: it is checked as
strictly as a request (glimpse.models.Answer: no unknown field, every size bounded, the whole answer
within Lambda's 6 MB) and against the request it answers (its id, language and tests). One that
fails is a 502 runner_failed, logged with what was wrong (pydantic's words and the field's place,
never a value from the answer) and counted; it is never passed on (docs/security.md)."""

from __future__ import annotations

import re
import time

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, ValidationError

from glimpse.api.errors import ApiError, InvalidRequest, RunnerFailed, RunnerTimedOut, Throttled
from glimpse.api.runners import LambdaRunners
from glimpse.api.settings import RouterSettings
from glimpse.languages import Recipe, UnknownLanguage, catalogue, version_mismatch
from glimpse.models import ExecutionRequest, ExecutionResult, Rejection

# Lambda's limit for a synchronous answer; a larger one cannot be a runner's own.
MAX_ANSWER_BYTES = 6 * 1024 * 1024
_PRINTABLE_PLACE = re.compile(r"[A-Za-z0-9_]{1,40}")


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

    def recipe(self, language: str, version: str | None = None) -> Recipe:
        """The deployed language a request names (id or alias) at `version`, or a 422 naming
        `language` or `version`."""
        try:
            recipe = catalogue().get(language)
        except UnknownLanguage:
            known = ", ".join(recipe.id for recipe in self.deployed())
            raise InvalidRequest.for_field("language", f"unknown language {language!r}; this deployment runs {known}") from None
        if recipe.id not in self.settings.runners:
            known = ", ".join(recipe.id for recipe in self.deployed())
            raise InvalidRequest.for_field("language", f"{recipe.id} has no runner in this deployment; it runs {known}")
        mismatch = version_mismatch(recipe, version)
        if mismatch is not None:
            raise InvalidRequest.for_field("version", mismatch)
        return recipe

    def run(self, recipe: Recipe, request: ExecutionRequest, tenant: Tenant, *, request_id: str, route: str) -> ExecutionResult:
        """Run `request`, validated already, on the runner of `recipe`, its language as `recipe`
        resolved it; or raise the ApiError that says why not."""
        started = time.monotonic()
        outcome: dict = {"route": route, "tenant": tenant.api_key_id, "end_user": tenant.end_user, "request_id": request_id}
        try:
            result = self._invoke(recipe, self._event(request, recipe, request_id), tenant, outcome)
        except ApiError as error:
            error.recorded = True
            self._record(outcome | {"status": error.code, "http_status": int(error.status),
                                    "runner_request_id": error.runner_request_id,
                                    "runner_error_type": error.runner_error_type,
                                    "answer_problem": error.answer_problem}, recipe.id, started, error)
            raise
        run_ms = result.run.time_ms if result.run else None
        self._record(outcome | {"status": str(result.status), "http_status": 200, "execution_id": result.id, "run_ms": run_ms},
                     recipe.id, started, None)
        return result

    def _event(self, request: ExecutionRequest, recipe: Recipe, request_id: str) -> ExecutionRequest:
        """The runner's event: the request with the language's id, the deployment's time cap and an id."""
        limits = request.limits.model_copy(update={"time_ms": min(request.limits.time_ms, self.settings.max_time_ms)})
        return request.model_copy(update={"id": request.id or request_id, "language": recipe.id, "limits": limits})

    def _invoke(self, recipe: Recipe, event: ExecutionRequest, tenant: Tenant, outcome: dict) -> ExecutionResult:
        payload = event.model_dump_json(exclude_none=True).encode()
        outcome["request_bytes"] = len(payload)
        invoked = time.monotonic()
        try:
            answer = self.runners.invoke(self.settings.runners[recipe.id], payload, tenant.id)
        finally:
            outcome["runner_ms"] = round((time.monotonic() - invoked) * 1000, 1)
        outcome["runner_request_id"] = answer.request_id
        outcome["response_bytes"] = answer.size_bytes
        try:
            return self._checked(answer.document, answer.size_bytes, event)
        except ValueError as problem:  # pydantic's ValidationError is one
            failure = RunnerFailed("the runner's answer does not follow the contract")
            failure.runner_request_id, failure.answer_problem = answer.request_id, _describe(problem)
            self.metrics.add_metric(name="RunnerAnswersRefused", unit=MetricUnit.Count, value=1)
            raise failure from None

    @staticmethod
    def _checked(document, size_bytes: int, event: ExecutionRequest) -> ExecutionResult:
        """The runner's result for `event`; raises InvalidRequest for its rejection, and
        ValidationError or ValueError for an answer that is neither."""
        if size_bytes > MAX_ANSWER_BYTES:
            raise ValueError(f"the answer has {size_bytes} bytes, more than Lambda's {MAX_ANSWER_BYTES}")
        if isinstance(document, dict) and document.get("error") == "invalid_request":
            rejection = Rejection.model_validate(document)
            raise InvalidRequest.of(rejection)
        result = ExecutionResult.model_validate(document)
        if result.id != event.id or result.language != event.language:
            raise ValueError("the answer is for another execution (its id or language differs)")
        tests = [test.index for test in result.tests or []]
        if (event.tests is None) != (result.tests is None) or tests != list(range(len(event.tests or []))):
            raise ValueError("the answer's tests are not the request's")
        return result

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


def _describe(problem: ValidationError | ValueError) -> str:
    """What was wrong with an answer, for the logs: pydantic's error types and the places of the
    first few, spelt with names of the contract (an unknown field's own name is not repeated)."""
    if not isinstance(problem, ValidationError):
        return str(problem)
    found = []
    for error in problem.errors(include_input=False, include_url=False)[:3]:
        place = ".".join(str(part) if _PRINTABLE_PLACE.fullmatch(str(part)) else "?" for part in error["loc"])
        found.append(f"{place or 'answer'}: {error['type']}")
    return f"{problem.error_count()} problem(s): " + "; ".join(found)
