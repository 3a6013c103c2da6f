"""The router's HTTP API on Powertools' APIGatewayRestResolver: four APIs, each a Router of its
own (v1 in v1.py, Piston's in piston.py, the original Glimpse's in original.py, Judge0's in
judge0/), joined here; an error is answered in the shape of the API whose route it belongs to
(docs/api.md). The playground page (playground.py), whose routes need no key, has a resolver of
its own: a request without a key reaches nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from glimpse.api.asynchronous import Queue
from glimpse.api.errors import ApiError, Forbidden, InternalError, MalformedBody, NotFound, PayloadTooLarge, refusal
from glimpse.api.executions import Executions
from glimpse.api.idempotency import Idempotency
from glimpse.api.judge0 import Judge0Api
from glimpse.api.original import original_router
from glimpse.api.piston import piston_router
from glimpse.api.playground import Playground
from glimpse.api.routing import ApiRouter, request_id
from glimpse.api.settings import MAX_BODY_BYTES
from glimpse.api.v1 import V1
from glimpse.authorizer import is_page_route, is_public_route
from glimpse.models import FieldError

# pydantic's error types for a body that is JSON but not an object
_NOT_AN_OBJECT = {"model_attributes_type", "dict_type", "model_type"}


class RouterApi:
    """The router: `handle` takes an API Gateway REST proxy event and returns the proxy response."""

    def __init__(self, executions: Executions, queue: Queue, idempotency: Idempotency, *,
                 callback_secret: Callable[[], bytes], logger: Logger, playground: Playground | None = None) -> None:
        self.logger = logger
        self.playground = playground or Playground(None, max_time_ms=executions.settings.max_time_ms)
        self.public_key_id = executions.settings.public_api_key_id or None
        self.v1 = V1(executions, queue, idempotency, callback_secret).router
        self.apis = [self.v1, original_router(executions), piston_router(executions), Judge0Api(executions, queue).router]
        self.resolver = APIGatewayRestResolver(enable_validation=True)
        for api in self.apis:
            self.resolver.include_router(api)
        self.resolver.exception_handler(ApiError)(lambda error: self._render(error, self.resolver.current_event))
        self.resolver.exception_handler(RequestValidationError)(self._invalid)
        self.resolver.not_found(lambda _error: self._render(NotFound(f"no route {self._event.http_method} {self._event.path}"),
                                                            self._event))
        self.resolver.exception_handler(Exception)(self._unexpected)

    @property
    def _event(self) -> APIGatewayProxyEvent:
        return self.resolver.current_event

    def handle(self, event: dict, context: Any) -> dict:
        # Refused before the body is parsed: no API key, or the public key on a route that is not
        # public (API Gateway refuses those first; these are the router's own checks), or a body
        # too large to read.
        request = APIGatewayProxyEvent(event)
        if is_page_route(request.http_method, request.resource):
            return self.playground.handle(event, context)
        key_id = request.request_context.identity.api_key_id
        if not key_id:
            return self._refusal(request, Forbidden("this API needs an API key in the x-api-key or X-Auth-Token header"))
        if key_id == self.public_key_id and not is_public_route(request.http_method, request.resource):
            # The authorizer denies the public key here already; a mistake there must not open the route.
            return self._refusal(request, Forbidden("this route needs a tenant's API key, in the x-api-key or X-Auth-Token header"))
        body_bytes = len((request.body or "").encode())
        if (body_bytes * 3 // 4 if request.is_base64_encoded else body_bytes) > MAX_BODY_BYTES:
            return self._refusal(request, PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES} bytes"))
        return self.resolver.resolve(_declared_json(event), context)

    def _refusal(self, request: APIGatewayProxyEvent, error: ApiError) -> dict:
        response = self._render(error, request)
        return {"statusCode": response.status_code, "multiValueHeaders": {name: [value] for name, value in response.headers.items()},
                "body": json.dumps(response.body), "isBase64Encoded": False}

    def _invalid(self, error: RequestValidationError) -> Response:
        errors = error.errors()
        malformed = [item for item in errors if item["type"] == "json_invalid"
                     or (item["type"] in _NOT_AN_OBJECT and tuple(item["loc"]) == ("body",))]
        if not malformed:
            return self._render(refusal(errors), self._event)
        problem = malformed[0]
        if problem["type"] == "json_invalid":  # its location is the offset where parsing failed
            reason = f"not valid JSON: {problem['ctx']['error']} at offset {problem['loc'][1]}"
        else:
            reason = "not a JSON object"
        return self._render(MalformedBody(f"body: {reason}", [FieldError(field="body", message=reason)]), self._event)

    def _unexpected(self, _error: Exception) -> Response:
        self.logger.exception("the router failed", extra={"request_id": request_id(self._event)})
        return self._render(InternalError("the router failed; the request id finds it in the logs"), self._event)

    def _render(self, error: ApiError, request: APIGatewayProxyEvent) -> Response:
        """The error in the shape of the API its route belongs to."""
        if not error.recorded:  # Executions logs the errors of the executions it ran
            self.logger.info("request refused", extra={"request_id": request_id(request), "status": error.code,
                                                   "http_status": int(error.status), "reason": error.message, "path": request.path})
        return self._api(request).render(error, request_id(request))

    def _api(self, request: APIGatewayProxyEvent) -> ApiRouter:
        """The API that declared the request's route (API Gateway's `resource`, or the path where no
        gateway says); v1 answers for a route nobody declared."""
        route = request.resource or request.path
        return next((api for api in self.apis if route in api.paths), self.v1)


def _declared_json(event: dict) -> dict:
    """The event with its body declared JSON. The API speaks JSON only and reads a body as JSON
    whatever Content-Type says: `curl -d` says application/x-www-form-urlencoded, which Powertools
    would parse as a form."""
    headers = {name: value for name, value in (event.get("headers") or {}).items() if name.lower() != "content-type"}
    return {**event, "headers": headers | {"Content-Type": "application/json"}}
