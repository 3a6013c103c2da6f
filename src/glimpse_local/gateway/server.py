"""The local gateway: HTTP on 127.0.0.1, answered as the template's REST API answers.

In the order of WAF and API Gateway: the per-IP rule of the stage's WAF, when the gateway applies
one, may refuse the request (429); a body over 10 MB is refused (413), a method and path the API
does not declare get 403 (Missing Authentication Token); the route's Lambda authorizer, if it has
one, is invoked and may refuse the request (403, 401 or 500); a route that needs an API key gets
403 without a known one (in x-api-key, or from the authorizer when the API's key source is
AUTHORIZER), then the key's usage plan may throttle (429); an admitted request becomes a proxy
event for the route's function, whose answer becomes the response. The gateway waits for
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

from glimpse_local.environment import InvokeResult
from glimpse_local.lambda_service import MAX_REQUEST_BYTES, CallerGone, FunctionPool, LocalHttpService, Throttled

from .authorizer import Authorization, AuthorizerRefusal, authorization, authorizer_event, method_arn
from .definition import DEFAULT_TIMEOUT_MS, ApiDefinition, Route
from .keys import ApiKey
from .proxy import NotAProxyResponse, Request, Response, header, http_response, identified, proxy_event
from .usage import UsageMeter
from .waf import PerIpMeter

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit for REST APIs


class LocalGateway(LocalHttpService):
    def __init__(self, api: ApiDefinition, *, functions: Mapping[str, FunctionPool], keys: Iterable[ApiKey],
                 host: str = "127.0.0.1", port: int = 0) -> None:
        missing = sorted(api.functions - set(functions))
        if missing:
            raise ValueError(f"the API invokes {', '.join(missing)}, which the Lambda service does not serve")
        self.api = api
        self.functions = dict(functions)
        self.keys = {key.value: key for key in [*keys, *(template_key.key for template_key in api.template_keys)]}
        self.usage = UsageMeter(api.usage_plan, plans={template_key.key.id: template_key.usage_plan for template_key in api.template_keys})
        self.per_ip = PerIpMeter(api.per_ip_rule) if api.per_ip_rule else None
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
        event = proxy_event(request, route, path_parameters, stage=self.api.stage, request_id=request_id)
        authorized = None
        if route.authorizer:
            try:
                authorized = self._authorize(route, request, event, request_id)
            except AuthorizerRefusal as refused:
                logger.info("%s: %s", request_id, refused)
                return self.refusal(refused.response_type, request_id)
        key = None  # API Gateway identifies a key only where the method requires one
        if route.api_key_required:
            key = self.keys.get(self._sent_key(request, authorized) or "")
            if key is None:
                return self.refusal("INVALID_API_KEY", request_id)
            refused = self.usage.refusal(key.id)
            if refused:
                return self.refusal(refused, request_id)
        event = identified(event, key, authorized.request_context() if authorized else None)
        return self._integrate(route, json.dumps(event).encode(), request_id)

    def per_ip_refusal(self, source_ip: str) -> Response | None:
        """The WAF rule's answer if it blocks this request (each request counts once, here)."""
        if self.per_ip is None or not self.per_ip.blocks(source_ip):
            return None
        rule = self.per_ip.rule
        return Response(rule.status, [("Content-Type", rule.content_type), *rule.headers.items()], rule.body.encode())

    def refusal(self, response_type: str, request_id: str) -> Response:
        response = self.api.responses[response_type]
        body = response.body({"requestId": request_id, "error.responseType": response_type})
        return Response(response.status, [("Content-Type", "application/json"), *response.headers.items()], body)

    def _sent_key(self, request: Request, authorized: Authorization | None) -> str | None:
        """The request's API key, from where the API's key source says."""
        if self.api.key_source == "AUTHORIZER":
            return authorized.usage_identifier_key if authorized else None
        return header(request.headers, "x-api-key")

    def _authorize(self, route: Route, request: Request, event: dict, request_id: str) -> Authorization:
        """The route's authorizer's answer; AuthorizerRefusal if it refuses the request or fails.
        The wait is an integration's default, 29 s; the function's own Timeout ends it sooner."""
        arn = method_arn(request.method, request.path, self.api.stage)
        started = time.monotonic()
        try:
            result = self._invoke(route.authorizer, json.dumps(authorizer_event(event, arn)).encode(), DEFAULT_TIMEOUT_MS)
        except (IntegrationTimeout, CallerGone, Throttled) as error:
            raise AuthorizerRefusal("AUTHORIZER_CONFIGURATION_ERROR", f"{route.authorizer} did not answer: {error!r}") from None
        if result.function_error:
            logger.error("%s: %s failed: %s", request_id, route.authorizer, result.payload[:2000].decode(errors="replace"))
        return authorization(result.payload, result.function_error, arn, latency_ms=round((time.monotonic() - started) * 1000))

    def _invoke(self, function: str, event: bytes, timeout_ms: int) -> InvokeResult:
        """Invoke the function, waiting at most timeout_ms (then IntegrationTimeout; the function runs on)."""
        deadline = time.monotonic() + timeout_ms / 1000
        invocation = self._integrations.submit(self.functions[function].invoke, event, caller_waits=lambda: time.monotonic() < deadline)
        return invocation.result(timeout=timeout_ms / 1000)

    def _integrate(self, route: Route, event: bytes, request_id: str) -> Response:
        if len(event) > MAX_REQUEST_BYTES:  # Lambda refuses the invocation; API Gateway answers it as a body too large
            logger.warning("%s: a %d-byte event is over Lambda's invocation payload limit", request_id, len(event))
            return self.refusal("REQUEST_TOO_LARGE", request_id)
        try:
            result = self._invoke(route.function, event, route.timeout_ms)
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
        blocked = gateway.per_ip_refusal(self.client_address[0])  # WAF sees the request before API Gateway does
        body = self._body(request_id)  # read even when blocked, so the answer is not lost to a reset connection
        if blocked is not None or isinstance(body, Response):
            response = blocked or body
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
