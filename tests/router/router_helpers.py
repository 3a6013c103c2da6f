"""Helpers for the router tests (a module of its own: conftest is not importable).

Events are API Gateway REST proxy events shaped as Powertools documents them
(tests/events/apiGatewayProxyEvent.json in aws-lambda-powertools-python), with the API key's id
in requestContext.identity.apiKeyId as API Gateway sets it once a key has been checked.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import itertools
import json
import logging
import os
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROUTER_APP = ROOT / "functions" / "api" / "app.py"
STAGE = "prod"
DOMAIN = "abcdef1234.execute-api.us-east-1.amazonaws.com"
_loaded = itertools.count()


def api_event(method: str, path: str, body: object = None, *, api_key_id: str | None = "tenantkey01",
              headers: dict[str, str] | None = None, base64_body: bool = False) -> dict:
    if body is not None and not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    if isinstance(body, bytes):
        body = body.decode()
    if base64_body and body is not None:
        body = base64.b64encode(body.encode()).decode()
    headers = {"Accept": "application/json", "Content-Type": "application/json", "Host": DOMAIN,
               "User-Agent": "curl/8.5.0", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Port": "443",
               "X-Forwarded-Proto": "https", "x-api-key": "s3cr3tk3yvalue", **(headers or {})}
    request_id = str(uuid.uuid4())
    now = time.time()
    path, _, query = path.partition("?")
    parameters = urllib.parse.parse_qs(query, keep_blank_values=True)
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {name: values[-1] for name, values in parameters.items()} or None,
        "multiValueQueryStringParameters": parameters or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": DOMAIN,
            "domainPrefix": "abcdef1234",
            "extendedRequestId": "Xb2xTFSaIAMFcfA=",
            "httpMethod": method,
            "identity": {
                "accessKey": None, "accountId": None, "apiKey": "s3cr3tk3yvalue" if api_key_id else None,
                "apiKeyId": api_key_id, "caller": None, "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None, "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                "principalOrgId": None, "sourceIp": "203.0.113.7", "user": None, "userAgent": "curl/8.5.0", "userArn": None,
            },
            "path": f"/{STAGE}{path}",
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": "a1b2c3",
            "resourcePath": path,
            "stage": STAGE,
        },
        "body": body,
        "isBase64Encoded": base64_body,
    }


@dataclass
class LambdaContext:
    """What the Lambda runtime hands a handler (awslambdaric's LambdaContext's fields)."""

    function_name: str = "RouterFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:RouterFunction"
    log_group_name: str = "/aws/lambda/RouterFunction"
    log_stream_name: str = "2026/11/26/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: object
    event: dict

    @property
    def request_id(self) -> str:
        return self.event["requestContext"]["requestId"]


class Router:
    """functions/api/app.py loaded as a module of its own with the given environment (its
    settings and boto3 client are made at import, as in Lambda); `call` sends one event."""

    def __init__(self, environment: dict[str, str]) -> None:
        saved = dict(os.environ)
        os.environ.update(environment)
        try:
            spec = importlib.util.spec_from_file_location(f"router_app_{next(_loaded)}", ROUTER_APP)
            self.module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.module)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.logs = io.StringIO()
        handler = logging.StreamHandler(self.logs)
        handler.setFormatter(self.module.logger.registered_formatter)
        logging.getLogger(self.module.logger.name).addHandler(handler)

    def call(self, method: str, path: str, body: object = None, **options) -> Answer:
        event = api_event(method, path, body, **options)
        return self.send(event)

    def send(self, event: dict) -> Answer:
        response = self.module.handler(event, LambdaContext())
        headers = {name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()}
        headers |= response.get("headers") or {}
        body = response["body"]
        return Answer(response["statusCode"], headers, json.loads(body) if body else None, event)

    def log_records(self) -> list[dict]:
        return [json.loads(line) for line in self.logs.getvalue().splitlines() if line.startswith("{")]
