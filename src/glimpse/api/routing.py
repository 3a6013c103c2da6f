"""What the router's four APIs (v1 in v1.py, Piston's in piston.py, the original Glimpse's in
original.py, Judge0's in judge0/) have in common: a Powertools Router that answers errors in its
API's own shape, the tenant and request id of the current request, the end-user header, the
documented errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from glimpse.api.errors import ApiError, ErrorResponse
from glimpse.api.executions import Tenant
from glimpse.api.settings import MAX_BODY_BYTES

END_USER_HEADER = "X-Glimpse-End-User"
EndUser = Annotated[
    str | None,
    Header(alias=END_USER_HEADER, pattern=r"^[A-Za-z0-9._=+@-]{1,128}$",
           description="one of the tenant's own users: their executions never share an execution environment with "
                       "another user's (letters, digits and . _ = + @ -, at most 128)"),
]
ErrorRenderer = Callable[[ApiError, str], Response]


class ApiRouter(Router):
    """The routes of one API, and how that API answers an error (`render`, given the error and the
    request id). Powertools merges every Router's exception handlers into one table, so the
    resolver's handlers ask the API that owns the route: it remembers the paths it declared, as
    OpenAPI and API Gateway's `resource` write them."""

    def __init__(self, render: ErrorRenderer) -> None:
        super().__init__()
        self.render = render
        self.paths: set[str] = set()

    def route(self, rule: str, method: Any, *args: Any, **kwargs: Any):
        self.paths.add(re.sub(r"<(\w+)>", r"{\1}", rule))
        return super().route(rule, method, *args, **kwargs)

    def tenant(self, end_user: str | None) -> Tenant:
        """Who runs: the checked API key's id, narrowed to the end user when the header names one."""
        return Tenant(api_key_id=self.current_event.request_context.identity.api_key_id, end_user=end_user)

    def request_id(self) -> str:
        return request_id(self.current_event)


def request_id(request: APIGatewayProxyEvent) -> str:
    return request.request_context.request_id or ""


def base_path(request: APIGatewayProxyEvent) -> str:
    """What precedes the route in the URL the caller used: the stage in API Gateway's own URLs, a
    base path mapping's path, nothing locally."""
    context = request.request_context
    return (context.path or "").removesuffix(context.resource_path or "")


def json_response(status: int, body: Any) -> Response:
    return Response(status, content_types.APPLICATION_JSON, body)


def documented_errors(*statuses: int) -> dict[int, dict[str, Any]]:
    """The OpenAPI responses of these error statuses."""
    descriptions = {400: "the body is not a JSON object", 403: "no valid API key", 404: "no such route, or no such execution",
                    409: "a request with this Idempotency-Key is still under way",
                    413: f"the body is larger than {MAX_BODY_BYTES} bytes", 422: "a field is invalid: `fields` names it",
                    429: "throttled: retry after Retry-After seconds", 502: "the runner failed (the request id finds it in the logs)",
                    504: "the runner did not answer in time"}
    return {status: {"description": descriptions[status], "content": {content_types.APPLICATION_JSON: {"model": ErrorResponse}}}
            for status in statuses}
