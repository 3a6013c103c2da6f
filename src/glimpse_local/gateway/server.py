"""The local gateway: HTTP on 127.0.0.1, answered as the template's REST API answers.

In API Gateway's order: a body over 10 MB is refused (413), a method and path the API does not
declare get 403 (Missing Authentication Token), a route that needs an API key gets 403 without a
known one in x-api-key, then the key's usage plan may throttle (429); an admitted request becomes
a proxy event for the route's function, whose answer becomes the response. The gateway waits for
it as long as the route's TimeoutInMillis (then 504); a function that fails or answers no proxy
response is a 502; an invocation Lambda refuses (throttled, or an event over its 6 MB payload
limit) is an integration failure, 504. Each refusal has the template's GatewayResponses shape.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as IntegrationTimeout
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from glimpse_local.lambda_service import MAX_REQUEST_BYTES, FunctionPool, LocalHttpService, Throttled

from .definition import ApiDefinition, Route
from .keys import ApiKey
from .proxy import NotAProxyResponse, Request, Response, header, http_response, proxy_event
from .usage import UsageMeter

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit for REST APIs


class LocalGateway(LocalHttpService):
    def __init__(self, api: ApiDefinition, *, functions: Mapping[str, FunctionPool], keys: Iterable[ApiKey],
                 host: str = "127.0.0.1", port: int = 0) -> None:
        missing = sorted({route.function for route in api.routes} - set(functions))
        if missing:
            raise ValueError(f"the API integrates {', '.join(missing)}, which the Lambda service does not serve")
        self.api = api
        self.functions = dict(functions)
        self.keys = {key.value: key for key in keys}
        self.usage = UsageMeter(api.usage_plan)
        # An integration waits in a thread of its own, so the request's thread can give up on it at
        # the route's timeout (the function runs on, as in Lambda). One per environment the
        # integrated functions may have at once: more would only wait for a free one. One still
        # queued here when its route's time is up never runs (FunctionPool.invoke's caller_waits).
        self._integrations = ThreadPoolExecutor(max_workers=sum(pool.concurrency for pool in self.functions.values()),
                                                thread_name_prefix="glimpse-integration")
        gateway = self

        class Handler(_GatewayHandler):
            local_gateway = gateway

        super().__init__(Handler, host=host, port=port, name="glimpse-gateway")

    def stop(self) -> None:
        super().stop()
        self._integrations.shutdown(wait=False, cancel_futures=True)

    def answer(self, request: Request, request_id: str) -> Response:
        matched = self.api.route(request.method, request.path)
        if matched is None:
            return self.refusal("MISSING_AUTHENTICATION_TOKEN", request_id)
        route, path_parameters = matched
        key = self.keys.get(header(request.headers, "x-api-key") or "")
        if route.api_key_required:
            if key is None:
                return self.refusal("INVALID_API_KEY", request_id)
            refused = self.usage.refusal(key.id)
            if refused:
                return self.refusal(refused, request_id)
        else:
            key = None  # API Gateway identifies a key only where the method requires one
        event = proxy_event(request, route, path_parameters, stage=self.api.stage, key=key, request_id=request_id)
        return self._integrate(route, json.dumps(event).encode(), request_id)

    def refusal(self, response_type: str, request_id: str) -> Response:
        response = self.api.responses[response_type]
        body = response.body({"requestId": request_id, "error.responseType": response_type})
        return Response(response.status, [("Content-Type", "application/json"), *response.headers.items()], body)

    def _integrate(self, route: Route, event: bytes, request_id: str) -> Response:
        if len(event) > MAX_REQUEST_BYTES:  # Lambda refuses the invocation; API Gateway answers it as a body too large
            logger.warning("%s: a %d-byte event is over Lambda's invocation payload limit", request_id, len(event))
            return self.refusal("REQUEST_TOO_LARGE", request_id)
        deadline = time.monotonic() + route.timeout_ms / 1000
        invocation = self._integrations.submit(self.functions[route.function].invoke, event,
                                               caller_waits=lambda: time.monotonic() < deadline)
        try:
            result = invocation.result(timeout=route.timeout_ms / 1000)
        except IntegrationTimeout:
            logger.warning("%s: %s did not answer within %d ms", request_id, route.function, route.timeout_ms)
            return self.refusal("INTEGRATION_TIMEOUT", request_id)
        except Throttled:
            logger.warning("%s: Lambda throttled %s (all %d environments busy)", request_id, route.function,
                           self.functions[route.function].concurrency)
            return self.refusal("INTEGRATION_FAILURE", request_id)
        if result.function_error:
            logger.error("%s: %s failed: %s", request_id, route.function, result.payload[:2000].decode(errors="replace"))
            return self.refusal("DEFAULT_5XX", request_id)
        try:
            return http_response(result.payload)
        except NotAProxyResponse as error:
            logger.error("%s: %s answered %s", request_id, route.function, error)
            return self.refusal("DEFAULT_5XX", request_id)


class _GatewayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave in two writes: no delayed-ACK wait between
    local_gateway: LocalGateway

    def do_GET(self) -> None:  # noqa: N802 (the names http.server dispatches to)
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET  # noqa: N815

    def _handle(self) -> None:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        gateway = self.local_gateway
        body = self._body(request_id)
        if isinstance(body, Response):
            response = body
        else:
            url = urlsplit(self.path)
            # What API Gateway tells its integration about the connection, in its headers.
            forwarded = [("X-Forwarded-For", self.client_address[0]), ("X-Forwarded-Port", str(self.server.server_address[1])),
                         ("X-Forwarded-Proto", "http")]
            headers = [(name, value) for name, value in self.headers.items() if not name.lower().startswith("x-forwarded-")]
            request = Request(method=self.command, path=url.path, query=url.query, headers=headers + forwarded,
                              body=body, source_ip=self.client_address[0])
            response = gateway.answer(request, request_id)
        self._send(response, request_id)
        logger.info("%s %s %d %.1f ms %s", self.command, self.path, response.status, (time.monotonic() - started) * 1000, request_id)

    def _body(self, request_id: str) -> bytes | Response:
        """The request's body, or the gateway's refusal of it (the connection then closes: the body stays unread)."""
        length = self.headers.get("Content-Length")
        if length is None:
            if self.headers.get("Transfer-Encoding"):
                self.close_connection = True
                return Response(HTTPStatus.LENGTH_REQUIRED, [("Content-Type", "application/json")], json.dumps(
                    {"message": "send the body with a Content-Length: the local gateway does not read chunked bodies"}).encode())
            return b""
        if not length.isdigit():
            self.close_connection = True
            return Response(HTTPStatus.BAD_REQUEST, [("Content-Type", "application/json")],
                            json.dumps({"message": f"Content-Length {length!r} is not a number of bytes"}).encode())
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            return self.local_gateway.refusal("REQUEST_TOO_LARGE", request_id)
        return self.rfile.read(int(length))

    def _send(self, response: Response, request_id: str) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if header(response.headers, "Content-Type") is None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("x-amzn-RequestId", request_id)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        """Requests are logged once answered (_handle), with their status and duration."""
