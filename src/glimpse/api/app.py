"""The router's HTTP API on Powertools' APIGatewayRestResolver: the v1 routes of DESIGN §2, the
original Glimpse's and Piston's, the OpenAPI document; errors rendered in each API's own shape."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, Server
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
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
from glimpse.api.asynchronous import Accepted, Queue, Submission, failure_document
from glimpse.api.executions import Executions, Tenant
from glimpse.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from glimpse.api.idempotency import Idempotency
from glimpse.api.settings import MAX_BODY_BYTES
from glimpse.callbacks import SIGNATURE_HEADER, tenant_secret
from glimpse.models import ExecutionResult, FieldError

API_VERSION = "1"  # of the public contract (glimpse.models), which the OpenAPI document describes
END_USER_HEADER = "X-Glimpse-End-User"
EndUser = Annotated[
    str | None,
    Header(alias=END_USER_HEADER, pattern=r"^[A-Za-z0-9._=+@-]{1,128}$",
           description="one of the tenant's own users: their executions never share an execution environment with "
                       "another user's (letters, digits and . _ = + @ -, at most 128)"),
]
IdempotencyKey = Annotated[
    str | None,
    Header(alias=IDEMPOTENCY_HEADER, pattern=r"^[\x21-\x7e]{1,255}$",
           description="retrying with the same key and body returns the first execution instead of running again"),
]
Wait = Annotated[bool, Query(description="false: answer 202 at once with the execution's id; poll GET /v1/executions/{id}")]
ExecutionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
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


class CallbackSecret(BaseModel):
    secret: str = Field(description="verify each callback's Glimpse-Signature with it (docs/callbacks.md)")
    header: str = SIGNATURE_HEADER
    algorithm: str = "HMAC-SHA256 over '<t>.' + body"


def _errors(*statuses: int) -> dict[int, dict[str, Any]]:
    descriptions = {400: "the body is not a JSON object", 403: "no valid API key", 404: "no such route, or no such execution",
                    409: "a request with this Idempotency-Key is still under way",
                    413: f"the body is larger than {MAX_BODY_BYTES} bytes", 422: "a field is invalid: `fields` names it",
                    429: "throttled: retry after Retry-After seconds", 502: "the runner failed (the request id finds it in the logs)",
                    504: "the runner did not answer in time"}
    return {status: {"description": descriptions[status], "content": {content_types.APPLICATION_JSON: {"model": ErrorResponse}}}
            for status in statuses}


class RouterApi:
    """The router: `handle` takes an API Gateway REST proxy event and returns the proxy response."""

    def __init__(self, executions: Executions, queue: Queue, idempotency: Idempotency, *,
                 callback_secret: Callable[[], bytes], logger: Logger) -> None:
        self.executions = executions
        self.queue = queue
        self.idempotency = idempotency
        self.callback_secret = callback_secret  # the master secret tenants' secrets derive from
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
                             202: {"description": "with wait=false: queued", "content": {content_types.APPLICATION_JSON: {"model": Accepted}}},
                             **_errors(400, 403, 409, 413, 422, 429, 502, 504)})
        def execute(request: Submission, end_user: EndUser = None, wait: Wait = True, idempotency_key: IdempotencyKey = None):
            tenant = self._tenant(end_user)
            if not wait:
                execution_id = self._once(idempotency_key, tenant,
                                          lambda: self.queue.submit(request, tenant, request.id or self._request_id()))
                location = f"{_base_path(app.current_event)}/v1/executions/{execution_id}"
                return Response(202, content_types.APPLICATION_JSON, Accepted(id=execution_id, location=location).model_dump_json(),
                                headers={"Location": location})
            if request.callback_url is not None:
                raise InvalidRequest.for_field("callback_url", "a callback is for asynchronous executions: add ?wait=false")
            if idempotency_key is None:
                result = executions.run(request.execution(), tenant, request_id=self._request_id(), route="v1")
                return _json(200, result.model_dump_json(exclude_none=True))
            execution_id = self._once(idempotency_key, tenant, lambda: self._run_and_keep(request, tenant))
            return _json(200, json.dumps(self.queue.read(tenant, execution_id)))

        @app.get("/v1/executions/<execution_id>", summary="An asynchronous execution: queued, running, or its result", tags=["v1"],
                 responses=_errors(403, 404, 429))
        def execution(execution_id: ExecutionId):
            document = self.queue.read(self._tenant(None), execution_id)
            if document is None:
                raise NotFound(f"this API key has no execution {execution_id} (or it expired)")
            return _json(200, json.dumps(document))

        @app.get("/v1/callback-secret", summary="The secret that signs this API key's callbacks", tags=["v1"],
                 responses=_errors(403, 429))
        def callback_secret() -> CallbackSecret:
            api_key_id = self._tenant(None).api_key_id
            return CallbackSecret(secret=tenant_secret(self.callback_secret(), api_key_id))

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
            scheme = request.headers.get("X-Forwarded-Proto", "https")
            domain = request.request_context.domain_name
            server = f"{scheme}://{domain}{_base_path(request)}" if domain else "/"
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

    def _once(self, key: str | None, tenant: Tenant, action) -> str:
        """The execution id of `action`, run once per Idempotency-Key of the tenant (every time without one)."""
        if key is None:
            return action()
        return self.idempotency.once(tenant.api_key_id, key, self.resolver.current_event.body or "", action)

    def _run_and_keep(self, request: Submission, tenant: Tenant) -> str:
        """Run synchronously, keeping the result where a retry with the same key finds it."""
        execution_id = request.id or self._request_id()
        if not self.queue.store.create(tenant.api_key_id, execution_id, {}):
            raise InvalidRequest.for_field("id", f"an execution with id {execution_id!r} exists already")
        try:
            result = self.executions.run(request.execution(), tenant, request_id=execution_id, route="v1")
        except ApiError as error:  # the retry runs again (Powertools forgets a failed call); a reader sees why
            self.queue.store.finish(tenant.api_key_id, execution_id, failure_document(execution_id, error))
            raise
        self.queue.store.finish(tenant.api_key_id, execution_id, result.model_dump(mode="json", exclude_none=True))
        return execution_id

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


def _base_path(request: APIGatewayProxyEvent) -> str:
    """What precedes the route in the URL the caller used: the stage in API Gateway's own URLs, a
    base path mapping's path, nothing locally."""
    context = request.request_context
    return (context.path or "").removesuffix(context.resource_path or "")


def _request_id(request: APIGatewayProxyEvent) -> str:
    return request.request_context.request_id or ""


def _json(status: int, body: Any) -> Response:
    return Response(status, content_types.APPLICATION_JSON, body)
