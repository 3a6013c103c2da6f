"""The router's HTTP API on Powertools' APIGatewayRestResolver: the v1 routes of DESIGN §2, the
original Glimpse's and Piston's, the OpenAPI document; errors rendered in each API's own shape."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, Server
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, Field

from glimpse.api import original, piston
from glimpse.api.errors import (
    ApiError,
    ErrorResponse,
    Forbidden,
    InternalError,
    InvalidRequest,
    MalformedBody,
    NotFound,
    PayloadTooLarge,
    field_errors,
)
from glimpse.api.executions import Executions, Tenant
from glimpse.api.settings import MAX_BODY_BYTES
from glimpse.models import ExecutionRequest, ExecutionResult, FieldError

API_VERSION = "1"  # of the public contract (glimpse.models), which the OpenAPI document describes
END_USER_HEADER = "X-Glimpse-End-User"
EndUser = Annotated[
    str | None,
    Header(alias=END_USER_HEADER, pattern=r"^[A-Za-z0-9._=+@-]{1,128}$",
           description="one of the tenant's own users: their executions never share an execution environment with "
                       "another user's (letters, digits and . _ = + @ -, at most 128)"),
]
# pydantic's error types for a body that is JSON but not an object
_NOT_AN_OBJECT = {"model_attributes_type", "dict_type", "model_type"}


class Language(BaseModel):
    id: str
    name: str
    version: str
    aliases: list[str]
    file_name: str = Field(description="the name `code` is given when no `files` are sent")
    extensions: list[str]


class Languages(BaseModel):
    languages: list[Language]


def _errors(*statuses: int) -> dict[int, dict[str, Any]]:
    descriptions = {400: "the body is not a JSON object", 403: "no valid API key", 404: "no such route",
                    413: f"the body is larger than {MAX_BODY_BYTES} bytes", 422: "a field is invalid: `fields` names it",
                    429: "throttled: retry after Retry-After seconds", 502: "the runner failed (the request id finds it in the logs)",
                    504: "the runner did not answer in time"}
    return {status: {"description": descriptions[status], "content": {content_types.APPLICATION_JSON: {"model": ErrorResponse}}}
            for status in statuses}


class RouterApi:
    """The router: `handle` takes an API Gateway REST proxy event and returns the proxy response."""

    def __init__(self, executions: Executions, *, logger: Logger) -> None:
        self.executions = executions
        self.logger = logger
        self.resolver = APIGatewayRestResolver(enable_validation=True)
        self._routes()

    def handle(self, event: dict, context: Any) -> dict:
        # Refused before the body is parsed: no API key (API Gateway refuses those first; this is
        # the router's own check), or a body too large to read.
        request = APIGatewayProxyEvent(event)
        if not request.request_context.identity.api_key_id:
            return self._refusal(request, Forbidden("this API needs an API key in the x-api-key header"))
        body_bytes = len((request.body or "").encode())
        if (body_bytes * 3 // 4 if request.is_base64_encoded else body_bytes) > MAX_BODY_BYTES:
            return self._refusal(request, PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes"))
        return self.resolver.resolve(_declared_json(event), context)

    def _refusal(self, request: APIGatewayProxyEvent, error: ApiError) -> dict:
        response = self._render(error, request)
        return {"statusCode": response.status_code, "multiValueHeaders": {name: [value] for name, value in response.headers.items()},
                "body": json.dumps(response.body), "isBase64Encoded": False}

    def _tenant(self, end_user: str | None) -> Tenant:
        return Tenant(api_key_id=self.resolver.current_event.request_context.identity.api_key_id, end_user=end_user)

    def _request_id(self) -> str:
        return _request_id(self.resolver.current_event)

    def _routes(self) -> None:
        app, executions = self.resolver, self.executions

        @app.post("/v1/executions", summary="Run a program", tags=["v1"],
                  responses={200: {"description": "the execution's result", "content": {content_types.APPLICATION_JSON: {"model": ExecutionResult}}},
                             **_errors(400, 403, 413, 422, 429, 502, 504)})
        def execute(request: ExecutionRequest, end_user: EndUser = None):
            result = executions.run(request, self._tenant(end_user), request_id=self._request_id(), route="v1")
            return _json(200, result.model_dump_json(exclude_none=True))

        @app.get("/v1/languages", summary="The languages this deployment runs", tags=["v1"], responses=_errors(403))
        def languages() -> Languages:
            return Languages(languages=[
                Language(id=recipe.id, name=recipe.name, version=recipe.version, aliases=recipe.aliases,
                         file_name=recipe.file_name, extensions=recipe.extensions)
                for recipe in executions.deployed()
            ])

        @app.get("/v1/openapi.json", include_in_schema=False)
        def openapi():
            # The base URL the caller used: its scheme, host and whatever precedes the route (the
            # stage in API Gateway's own URLs, a base path mapping's path, nothing locally).
            request = app.current_event
            context = request.request_context
            base_path = (context.path or "").removesuffix(context.resource_path or "")
            scheme = request.headers.get("X-Forwarded-Proto", "https")
            server = f"{scheme}://{context.domain_name}{base_path}" if context.domain_name else "/"
            return _json(200, self._openapi(server))

        @app.post("/run-code-lambda", summary="The original Glimpse's route", tags=["original Glimpse"],
                  responses=_errors(400, 403, 413, 422, 429, 502, 504))
        def run_code_lambda(request: original.OriginalRunRequest, end_user: EndUser = None) -> original.OriginalRunResponse:
            result = executions.run(original.execution_request(request), self._tenant(end_user),
                                    request_id=self._request_id(), route="original")
            return original.response(result)

        @app.post("/api/v2/execute", summary="Piston's execute", tags=["Piston"],
                  responses={200: {"description": "Piston's result", "content": {content_types.APPLICATION_JSON: {"model": piston.PistonExecuteResponse}}},
                             **_errors(400, 403, 413, 429, 502, 504)})
        def piston_execute(request: piston.PistonExecuteRequest, end_user: EndUser = None):
            recipe = executions.recipe(request.language)
            result = executions.run(piston.execution_request(request, recipe), self._tenant(end_user),
                                    request_id=self._request_id(), route="piston")
            return _json(200, piston.response(result).document())

        @app.get("/api/v2/runtimes", summary="Piston's runtimes", tags=["Piston"], responses=_errors(403))
        def piston_runtimes() -> list[piston.PistonRuntime]:
            return [piston.runtime(recipe) for recipe in executions.deployed()]

        @app.exception_handler(ApiError)
        def api_error(error: ApiError) -> Response:
            return self._render(error, app.current_event)

        @app.exception_handler(RequestValidationError)
        def invalid(error: RequestValidationError) -> Response:
            errors = error.errors()
            malformed = [item for item in errors if item["type"] == "json_invalid"
                         or (item["type"] in _NOT_AN_OBJECT and tuple(item["loc"]) == ("body",))]
            if malformed:
                problem = malformed[0]
                if problem["type"] == "json_invalid":  # its location is the offset where parsing failed
                    reason = f"not valid JSON: {problem['ctx']['error']} at offset {problem['loc'][1]}"
                else:
                    reason = "not a JSON object"
                return self._render(MalformedBody(f"body: {reason}", [FieldError(field="body", message=reason)]), app.current_event)
            fields = field_errors(errors)
            summary = "; ".join(f"{item.field}: {item.message}" for item in fields[:5])
            return self._render(InvalidRequest(f"invalid request: {summary}", fields), app.current_event)

        @app.not_found
        def not_found(_error: Exception) -> Response:
            return self._render(NotFound(f"no route {app.current_event.http_method} {app.current_event.path}"), app.current_event)

        @app.exception_handler(Exception)
        def unexpected(_error: Exception) -> Response:
            self.logger.exception("the router failed", extra={"request_id": self._request_id()})
            return self._render(InternalError("the router failed; the request id finds it in the logs"), app.current_event)

    def _render(self, error: ApiError, request: APIGatewayProxyEvent) -> Response:
        """The error in the shape of the API its route belongs to."""
        request_id = _request_id(request)
        if not error.recorded:  # Executions logs the errors of the executions it ran
            self.logger.info("request refused", extra={"request_id": request_id, "status": error.code, "http_status": int(error.status),
                                                   "reason": error.message, "path": request.path})
        path = request.resource or request.path
        if path.startswith("/api/v2/"):
            # Piston answers every problem with the request as 400 {"message"}
            status = 400 if error.status == InvalidRequest.status else int(error.status)
            body: Any = piston.error_document(error, request_id)
        elif path == "/run-code-lambda":
            status, body = int(error.status), original.error_document(error, request_id)
        else:
            status = int(error.status)
            body = ErrorResponse(error=error.code, message=error.message, fields=error.fields, request_id=request_id).model_dump(mode="json")
        return Response(status, content_types.APPLICATION_JSON, body, headers=error.headers())

    @functools.lru_cache(maxsize=4)  # noqa: B019 (one router per Lambda environment: it lives as long as the cache)
    def _openapi(self, server: str) -> str:
        return self.resolver.get_openapi_json_schema(
            title="Glimpse", version=API_VERSION, servers=[Server(url=server)],
            description="Run untrusted code snippets with hard limits. Every route needs an API key (x-api-key).",
            security_schemes={"api_key": APIKey(name="x-api-key", in_=APIKeyIn.header)}, security=[{"api_key": []}],
        )


def _declared_json(event: dict) -> dict:
    """The event with its body declared JSON. The API speaks JSON only and reads a body as JSON
    whatever Content-Type says: `curl -d` says application/x-www-form-urlencoded, which Powertools
    would parse as a form."""
    headers = {name: value for name, value in (event.get("headers") or {}).items() if name.lower() != "content-type"}
    return {**event, "headers": headers | {"Content-Type": "application/json"}}


def _request_id(request: APIGatewayProxyEvent) -> str:
    return request.request_context.request_id or ""


def _json(status: int, body: Any) -> Response:
    return Response(status, content_types.APPLICATION_JSON, body)
