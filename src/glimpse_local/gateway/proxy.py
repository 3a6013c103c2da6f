"""The Lambda proxy integration of a REST API: an HTTP request as the event API Gateway sends the
function (payload format 1.0), and the function's answer back as HTTP."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from glimpse_local.environment.variables import ACCOUNT_ID

from .definition import Route
from .keys import ApiKey

LOCAL_API_ID = "glimpselcl"  # an API id as API Gateway's look: ten lower-case characters


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]  # as received, repeated names included
    body: bytes
    source_ip: str


def proxy_event(request: Request, route: Route, path_parameters: dict[str, str], *, stage: str, request_id: str) -> dict:
    """The event of the request before API Gateway has checked a key (`identified` adds it)."""
    headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers.setdefault(name, []).append(value)
    query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query.setdefault(name, []).append(value)
    host = header(request.headers, "Host") or ""
    now = time.time()
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": LOCAL_API_ID,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "extendedRequestId": request_id,
            "httpMethod": request.method,
            "identity": {
                "accessKey": None, "accountId": None, "caller": None, "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None, "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                "principalOrgId": None, "user": None, "userArn": None,
                "apiKey": None,
                "apiKeyId": None,
                "sourceIp": request.source_ip,
                "userAgent": header(request.headers, "User-Agent"),
            },
            # The URL has no stage segment locally, so this path is the request's own.
            "path": request.path,
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": route.path,
            "resourcePath": route.path,
            "stage": stage,
        },
        # Without binary media types API Gateway hands the body over as text.
        "body": request.body.decode("utf-8", errors="replace") if request.body else None,
        "isBase64Encoded": False,
    }


def identified(event: dict, key: ApiKey | None, authorizer: dict | None) -> dict:
    """The event with the key API Gateway checked (on a route that requires one: API Gateway names
    a key only there) and the authorizer's principal and context."""
    context = event["requestContext"]
    if key is not None:
        context = {**context, "identity": {**context["identity"], "apiKey": key.value, "apiKeyId": key.id}}
    if authorizer is not None:
        context = {**context, "authorizer": authorizer}
    return {**event, "requestContext": context}


class NotAProxyResponse(ValueError):
    """The function answered something API Gateway cannot turn into HTTP (it answers 502)."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_response(payload: bytes) -> Response:
    try:
        document = json.loads(payload)
        status = int(document["statusCode"])
        headers: dict[str, list[str]] = {name: [str(value)] for name, value in (document.get("headers") or {}).items()}
        for name, values in (document.get("multiValueHeaders") or {}).items():
            headers[name] = [str(value) for value in values]
        body = document.get("body") or ""
        content = base64.b64decode(body) if document.get("isBase64Encoded") else body.encode()
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise NotAProxyResponse(f"not a proxy response: {error}") from None
    return Response(status, [(name, value) for name, values in headers.items() for value in values], content)


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    """The last value of a header, whatever the case of its name."""
    return next((value for key, value in reversed(headers) if key.lower() == name.lower()), None)
