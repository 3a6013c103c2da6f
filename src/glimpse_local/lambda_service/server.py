"""A local endpoint speaking Lambda's Invoke API, so boto3 clients work unchanged through
AWS_ENDPOINT_URL_LAMBDA.

`POST /2015-03-31/functions/{FunctionName}/invocations` with `X-Amz-Invocation-Type`
RequestResponse, Event or DryRun, an optional `Qualifier` and `X-Amz-Tenant-Id`. Answers as Lambda
does: the function's payload with `X-Amz-Executed-Version` and, when it failed,
`X-Amz-Function-Error` (an event: 202 at once); errors of the service itself as
`x-amzn-ErrorType` with a JSON body (ResourceNotFoundException, TooManyRequestsException with
Retry-After, RequestTooLargeException, InvalidParameterValueException,
InvalidRequestContentException).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from glimpse_local.environment import ExecutionEnvironment, FunctionConfig
from glimpse_local.environment.variables import ACCOUNT_ID, REGION
from glimpse_local.sockets import readable
from glimpse_local.template import FunctionSettings, aliases, function_settings, functions

from .events import MAX_EVENT_BYTES, EventQueue
from .pool import CallerGone, Environment, FunctionPool, TenancyMismatch, Throttled

logger = logging.getLogger(__name__)
function_logs = logging.getLogger("glimpse.functions")  # a child per function, as a log group each

_INVOKE_PATH = re.compile(r"/2015-03-31/functions/(?P<name>[^/]+)/invocations")
# name, name:qualifier, account:function:name[:qualifier] or the whole ARN
_FUNCTION_NAME = re.compile(
    r"(?:(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?\d{12}:function:)?(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>[A-Za-z0-9$_-]{1,128}))?"
)
MAX_REQUEST_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit
_PAYLOAD_LIMITS = {"RequestResponse": MAX_REQUEST_BYTES, "Event": MAX_EVENT_BYTES}
PUBLISHED_VERSION = "1"  # the one version an alias points at locally
THROTTLE_RETRY_AFTER_S = 1
# Per function, the machine's budget. Lambda scales to the account's 1000; ten environments of one
# function at once keep a workstation's memory in bounds and serve a developer and the tests
# (`glimpse dev --concurrency`). An invocation beyond it waits, where Lambda would scale out.
DEFAULT_CONCURRENCY = 10
# A function declaring this variable calls Lambda (the router): locally it is given this service.
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_LAMBDA"


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


class LocalHttpServer(ThreadingHTTPServer):
    """A thread per connection, and a listen backlog for bursts of connections: with the default of
    5, the kernel resets the connections beyond it that arrive at once."""

    daemon_threads = True
    request_queue_size = socket.SOMAXCONN

    def handle_error(self, request, client_address) -> None:
        """A client that left before its answer (a caller killed, a stack stopping) is no error of
        the server's; anything else is logged, not printed to stderr."""
        if not isinstance(sys.exception(), ConnectionError):
            logger.exception("serving %s:%s failed", *client_address[:2])


class LocalHttpService:
    """An HTTP server on a thread of its own, serving `handler` from start() to stop()."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, host: str, port: int, name: str) -> None:
        self._server = LocalHttpServer((host, port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop taking requests; those under way finish on their own threads."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


class LambdaService(LocalHttpService):
    """Serves function pools on 127.0.0.1 until stopped."""

    def __init__(self, pools: Mapping[str, FunctionPool] = {}, *, host: str = "127.0.0.1", port: int = 0) -> None:  # noqa: B006 (read only)
        self.pools = dict(pools)
        self.events = EventQueue()
        service = self

        class Handler(_InvokeHandler):
            lambda_service = service

        super().__init__(Handler, host=host, port=port, name="glimpse-lambda-service")

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
        default_concurrency: int = DEFAULT_CONCURRENCY,
        extra_functions: Mapping[str, tuple[FunctionConfig, FunctionSettings]] | None = None,
        services: Mapping[str, str] | None = None,
        variables: Mapping[str, Mapping[str, str]] | None = None,
    ) -> LambdaService:
        """Every function of the template (plus `extra_functions`), each in its own pool.

        A function's concurrency is, in order: `concurrency[name]`, its ReservedConcurrentExecutions
        (limits Lambda applies: beyond them it throttles), `default_concurrency` (the machine's
        budget: beyond it an invocation waits for a free environment). A function that declares AWS_ENDPOINT_URL_LAMBDA gets this service's
        URL there (as `sam local` overrides it), and each variable of `services` (endpoint variable
        → the URL of another local service) likewise; such functions have this host's network
        (glimpse_local.template), where those URLs are reached. `variables[name]` adds variables of
        the local stack's own to that function (the playground's development key on the router)."""
        service = cls()
        endpoints = {ENDPOINT_VARIABLE: service.endpoint_url} | dict(services or {})
        all_settings = function_settings(template_path, parameters)
        declared = {name: (function, all_settings[name]) for name, function in functions(template_path, build_dir, parameters).items()}
        published = aliases(template_path)
        start = service._environment_starter(profile, runtime_dir)
        for name, (function, settings) in (declared | dict(extra_functions or {})).items():
            lambda_limit = (concurrency or {}).get(name) or settings.reserved_concurrency
            limit = lambda_limit or default_concurrency
            declared_endpoints = {variable: url for variable, url in endpoints.items() if variable in function.environment}
            function = dataclasses.replace(function, environment={**function.environment, **declared_endpoints,
                                                                  **(variables or {}).get(name, {})})
            service.pools[name] = FunctionPool(
                function, concurrency=limit, start_environment=start, aliases=published.get(name, frozenset()),
                reserved=settings.reserved_concurrency is not None, lambda_limit=lambda_limit is not None,
                tenant_isolation=settings.tenant_isolation,
            )
        return service

    def _environment_starter(self, profile: str, runtime_dir: Path) -> Callable[[FunctionConfig], Environment]:
        def start(function: FunctionConfig) -> Environment:
            # What a function prints goes where Lambda sends it, its log stream: here, this log.
            log = function_logs.getChild(function.name)
            environment = ExecutionEnvironment(function, profile=profile, runtime_dir=runtime_dir,
                                               log_sink=lambda line: log.info("%s", line))
            environment.start()
            return environment
        return start

    @property
    def endpoint_url(self) -> str:
        """What AWS_ENDPOINT_URL_LAMBDA names: boto3's word for this service's URL."""
        return self.url

    def stop(self) -> None:
        """Stop serving, then every environment (invocations under way end as the runtime's exit)."""
        super().stop()
        self.events.stop_waiting()
        for pool in self.pools.values():
            pool.close()
        self.events.join()

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
        limit = _PAYLOAD_LIMITS.get(invocation_type)
        if limit is None:
            raise ServiceError(HTTPStatus.BAD_REQUEST, "InvalidParameterValueException",
                               f"1 validation error detected: Value '{invocation_type}' at 'invocationType' failed to satisfy "
                               "constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
        if len(payload) > limit:
            raise ServiceError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "RequestTooLargeException",
                               f"Request must be smaller than {limit} bytes for the InvokeFunction operation")
        try:
            json.loads(payload or b"{}")
        except ValueError:
            raise ServiceError(HTTPStatus.BAD_REQUEST, "InvalidRequestContentException",
                               "Could not parse request body into json") from None
        tenant_id = self.headers.get("X-Amz-Tenant-Id")
        try:
            if invocation_type == "Event":
                target.pool.check_tenancy(tenant_id)
                self.lambda_service.events.submit(target.pool, payload or b"{}", tenant_id)
                self._answer(HTTPStatus.ACCEPTED, b"", {})
                return
            result = target.pool.invoke(payload or b"{}", tenant_id=tenant_id, caller_waits=self._caller_waits)
        except CallerGone:  # nobody reads an answer any more
            self.close_connection = True
            return
        except Throttled:
            error = ServiceError(HTTPStatus.TOO_MANY_REQUESTS, "TooManyRequestsException", "Rate Exceeded.",
                                 Reason=target.pool.throttle_reason)
            error.headers["Retry-After"] = str(THROTTLE_RETRY_AFTER_S)
            raise error from None
        except TenancyMismatch as error:
            raise ServiceError(HTTPStatus.BAD_REQUEST, "InvalidParameterValueException", str(error)) from None
        headers = {"X-Amz-Executed-Version": target.executed_version, "x-amzn-RequestId": result.request_id}
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        self._answer(HTTPStatus.OK, result.payload, headers)

    def _caller_waits(self) -> bool:
        """The client still waits for this answer: it has not closed its connection (boto3 does at
        its read timeout). Bytes waiting to be read would be a next request: it is still there."""
        if not readable(self.connection, 0):
            return True
        try:
            return self.connection.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False

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

