"""What the router answers when it does not answer a result: one exception per HTTP status it
owns, each naming the offending fields where there are some. Routes raise them; one exception
handler renders them in the shape of the route's API (v1, Piston or the original Glimpse)."""

from __future__ import annotations

from http import HTTPStatus

from pydantic import BaseModel, Field

from glimpse.models import FieldError, Rejection


class ApiError(Exception):
    status: HTTPStatus
    code: str
    # Set when a runner invocation failed: what the logs say about it (never shown to the caller).
    runner_request_id: str | None = None
    runner_error_type: str | None = None
    answer_problem: str | None = None  # what was wrong with a runner's answer
    recorded = False  # logged and counted already

    def __init__(self, message: str, fields: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []

    @classmethod
    def for_field(cls, field: str, message: str) -> ApiError:
        return cls(f"{field}: {message}", [FieldError(field=field, message=message)])

    def headers(self) -> dict[str, str]:
        return {}


class MalformedBody(ApiError):
    """The body is not a JSON object at all."""

    status, code = HTTPStatus.BAD_REQUEST, "invalid_json"


class BadRequest(ApiError):
    """A request refused as a whole, not for one field of its body: a query parameter, or an
    action its target's state does not allow."""

    status, code = HTTPStatus.BAD_REQUEST, "bad_request"


class InvalidRequest(ApiError):
    """A well-formed request the contract refuses (the runner's own Rejection included)."""

    status, code = HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_request"

    @classmethod
    def of(cls, rejection: Rejection) -> InvalidRequest:
        return cls(rejection.message, rejection.fields)


class Forbidden(ApiError):
    status, code = HTTPStatus.FORBIDDEN, "forbidden"


class NotFound(ApiError):
    status, code = HTTPStatus.NOT_FOUND, "not_found"


class Conflict(ApiError):
    """The same Idempotency-Key while its first request is still under way."""

    status, code = HTTPStatus.CONFLICT, "conflict"


class PayloadTooLarge(ApiError):
    status, code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large"


class Throttled(ApiError):
    status, code = HTTPStatus.TOO_MANY_REQUESTS, "throttled"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class RunnerFailed(ApiError):
    """The runner crashed, raised, or could not be reached: nothing says the program ran."""

    status, code = HTTPStatus.BAD_GATEWAY, "runner_failed"


class RunnerTimedOut(ApiError):
    """The runner did not answer in time (its own Lambda timeout, or the router's wait)."""

    status, code = HTTPStatus.GATEWAY_TIMEOUT, "runner_timeout"


class InternalError(ApiError):
    """A bug of the router's own; logged with its trace, never shown."""

    status, code = HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error"


class ErrorResponse(BaseModel):
    """The body of every error of the v1 API."""

    error: str = Field(description="invalid_json, bad_request, invalid_request, forbidden, not_found, conflict, payload_too_large, "
                                   "throttled, runner_failed, runner_timeout or internal_error")
    message: str
    fields: list[FieldError] = Field(default_factory=list, description="the offending fields, when the request is at fault")
    request_id: str = Field(description="quote it when reporting a problem: it finds the request in the logs")


def refusal(errors: list[dict], renamed: dict[str, str] | None = None) -> InvalidRequest:
    """The 422 for pydantic's errors (glimpse.models.Rejection.of_errors reads them)."""
    return InvalidRequest.of(Rejection.of_errors(errors, renamed))
