"""The v1 API (docs/api.md): run a program, now or queued, read a queued one back, the callback
secret, the languages, the OpenAPI document. Its errors are ErrorResponse documents."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, Server
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from pydantic import BaseModel, Field

from glimpse.api.asynchronous import Accepted, Queue, Submission
from glimpse.api.errors import ApiError, ErrorResponse, InvalidRequest, NotFound
from glimpse.api.executions import Executions, Tenant
from glimpse.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from glimpse.api.idempotency import Idempotency
from glimpse.api.routing import ApiRouter, EndUser, base_path, documented_errors, json_response
from glimpse.callbacks import SIGNATURE_HEADER, tenant_secret
from glimpse.models import ExecutionResult

API_VERSION = "1"  # of the public contract (glimpse.models), which the OpenAPI document describes
IdempotencyKey = Annotated[
    str | None,
    Header(alias=IDEMPOTENCY_HEADER, pattern=r"^[\x21-\x7e]{1,255}$",
           description="retrying with the same key and body returns the first execution instead of running again"),
]
Wait = Annotated[bool, Query(description="false: answer 202 at once with the execution's id; poll GET /v1/executions/{id}")]
ExecutionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class Language(BaseModel):
    id: str
    name: str
    version: str
    aliases: list[str]
    file_name: str = Field(description="the name `code` is given when no `files` are sent")
    extensions: list[str]
    compile_options: list[str] = Field(description="the compiler options a request may send: each must match one of these "
                                                   "regular expressions whole (none: the language takes none)")
    packages: dict[str, str] = Field(description="the libraries a program can import beyond the language's standard "
                                                 "library, name → version")


class Languages(BaseModel):
    languages: list[Language]


class CallbackSecret(BaseModel):
    secret: str = Field(description="verify each callback's Glimpse-Signature with it (docs/callbacks.md)")
    header: str = SIGNATURE_HEADER
    algorithm: str = "HMAC-SHA256 over '<t>.' + body"


def error_response(error: ApiError, request_id: str) -> Response:
    body = ErrorResponse(error=error.code, message=error.message, fields=error.fields, request_id=request_id)
    return Response(int(error.status), content_types.APPLICATION_JSON, body.model_dump(mode="json"), headers=error.headers())


class V1:
    """The v1 routes, on `router`. `master_secret` gives the secret tenants' callback secrets derive from.
    Each route's method keeps the name that makes its OpenAPI operationId."""

    def __init__(self, executions: Executions, queue: Queue, idempotency: Idempotency, master_secret: Callable[[], bytes]) -> None:
        self.executions = executions
        self.queue = queue
        self.idempotency = idempotency
        self.master_secret = master_secret
        self.router = router = ApiRouter(error_response)
        router.post("/v1/executions", summary="Run a program", tags=["v1"],
                    responses={200: {"description": "the execution's result", "content": {content_types.APPLICATION_JSON: {"model": ExecutionResult}}},
                               202: {"description": "with wait=false: queued", "content": {content_types.APPLICATION_JSON: {"model": Accepted}}},
                               **documented_errors(400, 403, 409, 413, 422, 429, 502, 504)})(self.execute)
        router.get("/v1/executions/<execution_id>", summary="An asynchronous execution: queued, running, or its result", tags=["v1"],
                   responses=documented_errors(403, 404, 429))(self.execution)
        router.get("/v1/callback-secret", summary="The secret that signs this API key's callbacks", tags=["v1"],
                   responses=documented_errors(403, 429))(self.callback_secret)
        router.get("/v1/languages", summary="The languages this deployment runs", tags=["v1"],
                   responses=documented_errors(403))(self.languages)
        router.get("/v1/openapi.json", include_in_schema=False)(self.openapi)

    def execute(self, request: Submission, end_user: EndUser = None, wait: Wait = True, idempotency_key: IdempotencyKey = None):
        tenant = self.router.tenant(end_user)
        if not wait:
            execution_id = self._once(idempotency_key, tenant,
                                      lambda: self.queue.submit(request, tenant, request.id or self.router.request_id()))
            location = f"{base_path(self.router.current_event)}/v1/executions/{execution_id}"
            return Response(202, content_types.APPLICATION_JSON, Accepted(id=execution_id, location=location).model_dump_json(),
                            headers={"Location": location})
        if request.callback_url is not None:
            raise InvalidRequest.for_field("callback_url", "a callback is for asynchronous executions: add ?wait=false")
        if idempotency_key is None:
            return json_response(200, self._run(request, tenant, self.router.request_id()).model_dump_json(exclude_none=True))
        kept_id = request.id or self.router.request_id()
        execution_id = self._once(idempotency_key, tenant, lambda: self.queue.run_and_keep(
            tenant, kept_id, lambda: self._run(request, tenant, kept_id)))
        return json_response(200, json.dumps(self.queue.read(tenant, execution_id)))

    def execution(self, execution_id: ExecutionId):
        document = self.queue.read(self.router.tenant(None), execution_id)
        if document is None:
            raise NotFound(f"this API key has no execution {execution_id} (or it expired)")
        return json_response(200, json.dumps(document))

    def callback_secret(self) -> CallbackSecret:
        return CallbackSecret(secret=tenant_secret(self.master_secret(), self.router.tenant(None).api_key_id))

    def languages(self) -> Languages:
        return Languages(languages=[
            Language(id=recipe.id, name=recipe.name, version=recipe.version, aliases=recipe.aliases,
                     file_name=recipe.file_name, extensions=recipe.extensions,
                     compile_options=recipe.compile.options if recipe.compile is not None else [], packages=recipe.packages)
            for recipe in self.executions.deployed()
        ])

    def openapi(self):
        # The base URL the caller used: its scheme, host and whatever precedes the route (the
        # stage in API Gateway's own URLs, a base path mapping's path, nothing locally).
        request = self.router.current_event
        scheme = request.headers.get("X-Forwarded-Proto", "https")
        domain = request.request_context.domain_name
        return json_response(200, self._openapi(f"{scheme}://{domain}{base_path(request)}" if domain else "/"))

    @functools.lru_cache(maxsize=4)  # noqa: B019 (one router per Lambda environment: it lives as long as the cache)
    def _openapi(self, server: str) -> str:
        return self.router.api_resolver.get_openapi_json_schema(
            title="Glimpse", version=API_VERSION, servers=[Server(url=server)],
            description="Run untrusted code snippets with hard limits. Every route needs an API key (x-api-key, or X-Auth-Token), "
                        "but the original Glimpse's and Piston's routes where a deployment makes them public.",
            security_schemes={"api_key": APIKey(name="x-api-key", in_=APIKeyIn.header)}, security=[{"api_key": []}],
        )

    def _run(self, request: Submission, tenant: Tenant, request_id: str) -> ExecutionResult:
        recipe = self.executions.recipe(request.language, request.version)
        return self.executions.run(recipe, request.execution(), tenant, request_id=request_id, route="v1")

    def _once(self, key: str | None, tenant: Tenant, action: Callable[[], str]) -> str:
        """The execution id of `action`, run once per Idempotency-Key of the tenant (every time without one)."""
        if key is None:
            return action()
        return self.idempotency.once(tenant.api_key_id, key, self.router.current_event.body or "", action)
