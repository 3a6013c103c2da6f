"""A local endpoint speaking Lambda's Invoke API, so boto3 clients work unchanged through
AWS_ENDPOINT_URL_LAMBDA.

`POST /2015-03-31/functions/{FunctionName}/invocations` with `X-Amz-Invocation-Type`
RequestResponse (or DryRun), an optional `Qualifier` and `X-Amz-Tenant-Id`. Answers as Lambda
does: the function's payload with `X-Amz-Executed-Version` and, when it failed,
`X-Amz-Function-Error`; errors of the service itself as `x-amzn-ErrorType` with a JSON body
(ResourceNotFoundException, TooManyRequestsException with Retry-After, RequestTooLargeException,
InvalidParameterValueException, InvalidRequestContentException).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from glimpse.environment import ExecutionEnvironment, FunctionConfig
from glimpse.environment.variables import ACCOUNT_ID, REGION
from glimpse.template import aliases, functions, load_template

from .pool import FunctionPool, Throttled

_INVOKE_PATH = re.compile(r"/2015-03-31/functions/(?P<name>[^/]+)/invocations")
# name, name:qualifier, account:function:name[:qualifier] or the whole ARN
_FUNCTION_NAME = re.compile(
    r"(?:(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?\d{12}:function:)?(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>[A-Za-z0-9$_-]{1,128}))?"
)
MAX_REQUEST_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit
PUBLISHED_VERSION = "1"  # the one version an alias points at locally
THROTTLE_RETRY_AFTER_S = 1
DEFAULT_CONCURRENCY = 2  # per function; a 2-core machine gains nothing from more environments


class ServiceError(Exception):
    """An error of the Lambda service itself (not of the function), answered as Lambda answers it."""

    def __init__(self, status: HTTPStatus, error_type: str, message: str, **fields: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.body = {"Type": "User", "message": message, **fields}
        self.headers: dict[str, str] = {}


@dataclass(frozen=True)
class _Target:
    pool: FunctionPool
    executed_version: str


class LambdaService:
    """Serves the given function pools on 127.0.0.1 until stopped."""

    def __init__(self, pools: Mapping[str, FunctionPool], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.pools = dict(pools)
        service = self

        class Handler(_InvokeHandler):
            lambda_service = service

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="glimpse-lambda-service", daemon=True)

    @classmethod
    def from_template(
        cls,
        template_path: Path,
        *,
        build_dir: Path,
        runtime_dir: Path,
        profile: str = "lambda",
        parameters: Mapping[str, str] | None = None,
        concurrency: Mapping[str, int] | None = None,
        extra_functions: Mapping[str, FunctionConfig] | None = None,
    ) -> LambdaService:
        """Every function of the template (plus `extra_functions`), each in its own pool.

        A function's concurrency is, in order: `concurrency[name]`, its ReservedConcurrentExecutions,
        DEFAULT_CONCURRENCY."""
        declared = functions(template_path, build_dir, parameters) | dict(extra_functions or {})
        published = aliases(template_path)
        reserved = _reserved_concurrency(template_path)

        def new_environment(function: FunctionConfig) -> ExecutionEnvironment:
            return ExecutionEnvironment(function, profile=profile, runtime_dir=runtime_dir)

        pools = {}
        for name, function in declared.items():
            limit = (concurrency or {}).get(name) or reserved.get(name) or DEFAULT_CONCURRENCY
            pools[name] = FunctionPool(function, concurrency=limit, new_environment=new_environment,
                                       aliases=published.get(name, frozenset()), reserved=name in reserved)
        return cls(pools)

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for pool in self.pools.values():
            pool.close()

    def __enter__(self) -> LambdaService:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def target(self, function_name: str, qualifier: str | None) -> _Target:
        match = _FUNCTION_NAME.fullmatch(function_name)
        if match is None:
            raise ServiceError(HTTPStatus.BAD_REQUEST, "InvalidParameterValueException",
                               f"1 validation error detected: Value '{function_name}' at 'functionName' failed to satisfy constraint")
        name, named_qualifier = match["name"], match["qualifier"]
        if qualifier and named_qualifier and qualifier != named_qualifier:
            raise ServiceError(HTTPStatus.BAD_REQUEST, "InvalidParameterValueException",
                               "The derived qualifier from the function name does not match the specified qualifier.")
        qualifier = qualifier or named_qualifier
        pool = self.pools.get(name)
        if pool is None or (qualifier not in (None, "$LATEST") and qualifier not in pool.aliases):
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}{':' + qualifier if qualifier else ''}"
            raise ServiceError(HTTPStatus.NOT_FOUND, "ResourceNotFoundException", f"Function not found: {arn}")
        return _Target(pool, "$LATEST" if qualifier in (None, "$LATEST") else PUBLISHED_VERSION)


class _InvokeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    # Headers and body leave in two writes: with Nagle's algorithm the body waits for the client's
    # delayed ACK of the headers, 40 ms on every invocation.
    disable_nagle_algorithm = True
    lambda_service: LambdaService

    def do_POST(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        url = urlsplit(self.path)
        match = _INVOKE_PATH.fullmatch(url.path)
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length)
        try:
            if match is None:
                raise ServiceError(HTTPStatus.NOT_FOUND, "UnknownOperationException", f"no operation at {url.path}")
            target = self.lambda_service.target(unquote(match["name"]), parse_qs(url.query).get("Qualifier", [None])[0])
            self._invoke(target, payload)
        except ServiceError as error:
            body = json.dumps(error.body).encode()
            self._answer(error.status, body, {"x-amzn-ErrorType": error.error_type, **error.headers})

    def _invoke(self, target: _Target, payload: bytes) -> None:
        invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            self._answer(HTTPStatus.NO_CONTENT, b"", {})
            return
        if invocation_type != "RequestResponse":
            raise ServiceError(HTTPStatus.BAD_REQUEST, "InvalidParameterValueException",
                               f"invocation type {invocation_type!r} is not emulated locally; use RequestResponse")
        if len(payload) > MAX_REQUEST_BYTES:
            raise ServiceError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "RequestTooLargeException",
                               f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the InvokeFunction operation")
        try:
            json.loads(payload or b"{}")
        except ValueError:
            raise ServiceError(HTTPStatus.BAD_REQUEST, "InvalidRequestContentException",
                               "Could not parse request body into json") from None
        tenant_id = self.headers.get("X-Amz-Tenant-Id")
        try:
            result = target.pool.invoke(payload or b"{}", tenant_id=tenant_id)
        except Throttled:
            error = ServiceError(HTTPStatus.TOO_MANY_REQUESTS, "TooManyRequestsException", "Rate Exceeded.",
                                 Reason=target.pool.throttle_reason)
            error.headers["Retry-After"] = str(THROTTLE_RETRY_AFTER_S)
            raise error from None
        except ValueError as error:  # the environment refused the tenant id
            raise ServiceError(HTTPStatus.BAD_REQUEST, "InvalidParameterValueException", str(error)) from None
        headers = {"X-Amz-Executed-Version": target.executed_version, "x-amzn-RequestId": result.request_id}
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        self._answer(HTTPStatus.OK, result.payload, headers)

    def _answer(self, status: HTTPStatus, body: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", headers.get("x-amzn-RequestId", str(uuid.uuid4())))
        for name, value in headers.items():
            if name != "x-amzn-RequestId":
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        """Quiet: a request line names the function, nothing else worth a line per invocation."""


def _reserved_concurrency(template_path: Path) -> dict[str, int]:
    template = load_template(template_path)
    found = {}
    for name, resource in template.get("Resources", {}).items():
        value = resource.get("Properties", {}).get("ReservedConcurrentExecutions")
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(value, int):
            found[name] = value
    return found
