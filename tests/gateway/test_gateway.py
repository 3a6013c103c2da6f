"""The local gateway over real HTTP, in front of a stand-in function (functions/app.py) that
answers with the proxy event it was given: the event API Gateway builds, the key check, the
usage plan, the payload limits, the integration timeout and failures, each answered in the
template's GatewayResponses shape."""

import http.client
import json
import socket
import time

import pytest

from glimpse_local.environment import ExecutionEnvironment, FunctionConfig
from glimpse_local.gateway import ApiDefinition, ApiKey, LocalGateway, Route, UsagePlan
from glimpse_local.lambda_service import FunctionPool

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
STAND_IN = ROOT / "tests" / "gateway" / "functions"
KEY = ApiKey.of("first-key-of-the-gateway-tests")
OTHER_KEY = ApiKey.of("second-key-of-the-gateway-tests")


def start_environment(function):
    environment = ExecutionEnvironment(function, runtime_dir=ROOT / "build" / "lambda-runtime")
    environment.start()
    return environment


def routes() -> tuple[Route, ...]:
    def route(method, path, function="StandIn", timeout_ms=10_000, api_key_required=True):
        return Route(method=method, path=path, function=function, timeout_ms=timeout_ms, api_key_required=api_key_required)

    return (route("POST", "/echo"), route("GET", "/echo"), route("GET", "/open", api_key_required=False),
            route("GET", "/fail"), route("GET", "/not-proxy"), route("GET", "/slow", "SlowStandIn", timeout_ms=500))


@pytest.fixture(scope="module")
def pools():
    made = {name: FunctionPool(FunctionConfig(name=name, handler="app.handler", code_dir=STAND_IN, timeout_s=10.0),
                               concurrency=concurrency, start_environment=start_environment)
            for name, concurrency in (("StandIn", 4), ("SlowStandIn", 1))}
    yield made
    for pool in made.values():
        pool.close()


def gateway_for(pools, usage_plan=None) -> LocalGateway:
    api = ApiDefinition.from_template(ROOT / "template.yaml").model_copy(update={"routes": routes(), "usage_plan": usage_plan})
    return LocalGateway(api, functions=pools, keys=[KEY, OTHER_KEY])


@pytest.fixture(scope="module")
def gateway(pools):
    with gateway_for(pools) as running:
        yield running


def request(gateway, method, path, body=None, headers=None):
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    content = response.read()
    connection.close()
    return response, json.loads(content) if content else None


def test_an_admitted_request_is_the_proxy_event_api_gateway_sends(gateway):
    response, event = request(gateway, "POST", "/echo?x=1&x=2&y=", body=b'{"language": "python"}',
                              headers={"X-API-Key": KEY.value, "X-Glimpse-End-User": "ada", "X-Forwarded-For": "6.6.6.6"})
    assert response.status == 201
    assert response.getheader("X-Answer") == "yes" and response.getheader("X-Many") == "a, b"
    assert event["httpMethod"] == "POST" and event["path"] == "/echo" and event["resource"] == "/echo"
    assert event["body"] == '{"language": "python"}' and event["isBase64Encoded"] is False
    assert event["headers"]["X-Glimpse-End-User"] == "ada" and event["multiValueHeaders"]["X-Glimpse-End-User"] == ["ada"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"  # the gateway's, not the client's claim
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    context = event["requestContext"]
    assert context["identity"]["apiKeyId"] == KEY.id and context["identity"]["apiKey"] == KEY.value
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["stage"] == "prod" and context["resourcePath"] == "/echo" and context["path"] == "/echo"
    assert context["requestId"] == response.getheader("x-amzn-RequestId")


def test_a_route_without_a_key_requirement_identifies_no_key(gateway):
    response, event = request(gateway, "GET", "/open", headers={"X-API-Key": KEY.value})
    assert response.status == 201 and event["requestContext"]["identity"]["apiKeyId"] is None


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "not-a-key-of-this-gateway"}], ids=["missing", "wrong"])
def test_a_route_that_needs_a_key_refuses_a_missing_or_wrong_one(gateway, headers):
    response, body = request(gateway, "GET", "/echo", headers=headers)
    assert response.status == 403
    assert body["error"] == "forbidden" and "x-api-key" in body["message"]
    assert body["request_id"] == response.getheader("x-amzn-RequestId")


@pytest.mark.parametrize("method, path", [("GET", "/nowhere"), ("DELETE", "/echo")])
def test_an_undeclared_method_or_path_is_a_missing_authentication_token(gateway, method, path):
    response, body = request(gateway, method, path, headers={"X-API-Key": KEY.value})
    assert response.status == 403 and body["message"] == "no such route, or no API key"


def test_a_body_over_10_mb_is_refused_unread(gateway):
    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(f"POST /echo HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY.value}\r\nContent-Length: {10 * 1024 * 1024 + 1}\r\n\r\n".encode())
        answer = connection.makefile("rb").read()  # the gateway answers and closes without waiting for the body
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and json.loads(body)["error"] == "payload_too_large"


def test_an_event_over_lambdas_payload_limit_is_a_413_that_says_so(gateway):
    response, body = request(gateway, "POST", "/echo", body=b"x" * (7 * 1024 * 1024), headers={"X-API-Key": KEY.value})
    assert response.status == 413 and body["error"] == "payload_too_large"
    assert "over 6 MB" in body["message"]


def test_a_chunked_body_is_refused_with_a_reason(gateway):
    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:  # the chunks are never sent: the gateway does not wait for them
        connection.sendall(f"POST /echo HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY.value}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        answer = connection.makefile("rb").read()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 411") and "Content-Length" in json.loads(body)["message"]


def test_a_failed_function_or_an_answer_that_is_no_proxy_response_is_a_502(gateway):
    for path in ("/fail", "/not-proxy"):
        response, body = request(gateway, "GET", path, headers={"X-API-Key": KEY.value})
        assert response.status == 502, path
        assert body["error"] == "internal_error" and body["request_id"] == response.getheader("x-amzn-RequestId")


def test_a_function_slower_than_the_integration_timeout_is_a_504_and_lambda_throttling_too(gateway):
    started = time.monotonic()
    response, body = request(gateway, "GET", "/slow", headers={"X-API-Key": KEY.value})
    assert response.status == 504 and body["error"] == "runner_timeout"
    assert 0.5 <= time.monotonic() - started < 2.5
    # The function runs on (3 s), holding SlowStandIn's only environment: Lambda throttles the next.
    response, body = request(gateway, "GET", "/slow", headers={"X-API-Key": KEY.value})
    assert response.status == 504 and body["error"] == "internal_error"


def test_the_usage_plan_throttles_each_key_at_its_rate_and_burst(pools):
    with gateway_for(pools, UsagePlan(rate_limit=2, burst_limit=3, quota_limit=None, quota_period=None)) as gateway:
        statuses = [request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})[0].status for _ in range(5)]
        assert statuses[:3] == [201, 201, 201] and statuses[-1] == 429
        response, body = request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})
        assert response.status == 429 and response.getheader("Retry-After") == "1" and body["error"] == "throttled"
        assert request(gateway, "GET", "/echo", headers={"X-API-Key": OTHER_KEY.value})[0].status == 201  # its own bucket
        time.sleep(0.6)  # refills at 2 a second
        assert request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})[0].status == 201


def test_the_usage_plan_quota_refuses_beyond_its_limit(pools):
    with gateway_for(pools, UsagePlan(rate_limit=None, burst_limit=None, quota_limit=2, quota_period="DAY")) as gateway:
        assert [request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})[0].status for _ in range(2)] == [201, 201]
        response, body = request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})
        assert response.status == 429 and "quota" in body["message"]
