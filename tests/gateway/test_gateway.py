"""The local gateway over real HTTP, in front of a stand-in function (functions/app.py) that
answers with the proxy event it was given: the event API Gateway builds, the key check, the
usage plans, the payload limits, the integration timeout and failures, the Lambda authorizer (a
stand-in too) and the WAF's per-IP rule, each answered in the template's GatewayResponses shape."""

import http.client
import json
import socket
import time

import pytest

from glimpse_local.environment import ExecutionEnvironment, FunctionConfig
from glimpse_local.gateway import ApiDefinition, ApiKey, LocalGateway, PerIpRule, Route, TemplateKey, UsagePlan
from glimpse_local.lambda_service import FunctionPool

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
STAND_IN = ROOT / "tests" / "gateway" / "functions"
KEY = ApiKey.of("first-key-of-the-gateway-tests")
OTHER_KEY = ApiKey.of("second-key-of-the-gateway-tests")


def start_environment(function):
    environment = ExecutionEnvironment(function, runtime_dir=ROOT / "build" / "lambda-runtime")
    environment.start()
    return environment


def route(method, path, function="StandIn", timeout_ms=10_000, api_key_required=True, authorizer=None) -> Route:
    return Route(method=method, path=path, function=function, timeout_ms=timeout_ms, api_key_required=api_key_required,
                 authorizer=authorizer)


def routes() -> tuple[Route, ...]:
    return (route("POST", "/echo"), route("GET", "/echo"), route("GET", "/open", api_key_required=False),
            route("GET", "/fail"), route("GET", "/not-proxy"), route("GET", "/slow", "SlowStandIn", timeout_ms=500))


@pytest.fixture(scope="module")
def pools():
    made = {name: FunctionPool(FunctionConfig(name=name, handler=handler, code_dir=STAND_IN, timeout_s=10.0),
                               concurrency=concurrency, start_environment=start_environment)
            for name, handler, concurrency in (("StandIn", "app.handler", 4), ("SlowStandIn", "app.handler", 1),
                                               ("Authorizer", "app.authorize", 2))}
    yield made
    for pool in made.values():
        pool.close()


def gateway_for(pools, **changes) -> LocalGateway:
    """The template's API with the tests' routes, keys in x-api-key, no usage plan and no per-IP
    rule, unless `changes` say otherwise."""
    api = ApiDefinition.from_template(ROOT / "template.yaml").model_copy(update={
        "routes": routes(), "usage_plan": None, "key_source": "HEADER", "template_keys": (), "per_ip_rule": None, **changes})
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
    with gateway_for(pools, usage_plan=UsagePlan(rate_limit=2, burst_limit=3, quota_limit=None, quota_period=None)) as gateway:
        statuses = [request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})[0].status for _ in range(5)]
        assert statuses[:3] == [201, 201, 201] and statuses[-1] == 429
        response, body = request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})
        assert response.status == 429 and response.getheader("Retry-After") == "1" and body["error"] == "throttled"
        assert request(gateway, "GET", "/echo", headers={"X-API-Key": OTHER_KEY.value})[0].status == 201  # its own bucket
        time.sleep(0.6)  # refills at 2 a second
        assert request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})[0].status == 201


def test_the_usage_plan_quota_refuses_beyond_its_limit(pools):
    with gateway_for(pools, usage_plan=UsagePlan(rate_limit=None, burst_limit=None, quota_limit=2, quota_period="DAY")) as gateway:
        assert [request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})[0].status for _ in range(2)] == [201, 201]
        response, body = request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})
        assert response.status == 429 and "quota" in body["message"]


def test_a_template_key_is_known_and_metered_by_its_own_plan(pools):
    own = TemplateKey(key=ApiKey.of("template-key-of-the-gateway-tests"), usage_plan=UsagePlan(
        rate_limit=None, burst_limit=None, quota_limit=1, quota_period="DAY"))
    with gateway_for(pools, template_keys=(own,)) as gateway:
        statuses = [request(gateway, "GET", "/echo", headers={"X-API-Key": own.key.value})[0].status for _ in range(2)]
        assert statuses == [201, 429]
        assert [request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})[0].status for _ in range(2)] == [201, 201]


def authorized_routes() -> tuple[Route, ...]:
    return (route("GET", "/guarded/{item}", authorizer="Authorizer"),
            route("GET", "/open-guarded", api_key_required=False, authorizer="Authorizer"),
            route("GET", "/", api_key_required=False))  # Auth: {ApiKeyRequired: false, Authorizer: NONE}: the playground's


@pytest.fixture(scope="module")
def authorized(pools):
    """Routes behind the stand-in authorizer, which names the key (key source AUTHORIZER)."""
    with gateway_for(pools, routes=authorized_routes(), key_source="AUTHORIZER") as running:
        yield running


def test_the_authorizer_gets_the_request_event_and_names_the_key(authorized):
    response, event = request(authorized, "GET", "/guarded/abc?x=1", headers={"X-Test-Key": KEY.value, "X-Other": "v"})
    assert response.status == 201
    context = event["requestContext"]
    assert context["identity"]["apiKeyId"] == KEY.id and context["identity"]["apiKey"] == KEY.value
    authorizer = context["authorizer"]
    # Context values reach a REST integration as strings.
    assert authorizer["principalId"] == "stand-in" and authorizer["count"] == "3" and authorizer["flag"] == "true"
    assert isinstance(authorizer["integrationLatency"], int)
    given = json.loads(authorizer["event"])
    assert given["type"] == "REQUEST" and given["methodArn"] == "arn:aws:execute-api:us-east-1:012345678912:glimpselcl/prod/GET/guarded/abc"
    assert given["resource"] == "/guarded/{item}" and given["path"] == "/guarded/abc" and given["httpMethod"] == "GET"
    assert given["pathParameters"] == {"item": "abc"} and given["queryStringParameters"] == {"x": "1"}
    assert given["headers"]["X-Other"] == "v" and given["multiValueHeaders"]["X-Other"] == ["v"]
    assert given["requestContext"]["resourcePath"] == "/guarded/{item}" and given["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert "body" not in given


def test_with_the_authorizer_as_key_source_x_api_key_alone_is_no_key(authorized):
    for headers in ({"X-API-Key": KEY.value}, {"X-Test-Key": "not-a-key-of-this-gateway"}):
        response, body = request(authorized, "GET", "/guarded/abc", headers=headers)
        assert response.status == 403 and "x-api-key" in body["message"], headers


def test_a_route_without_a_key_requirement_gets_the_authorizers_context_and_no_key(authorized):
    response, event = request(authorized, "GET", "/open-guarded", headers={"X-Test-Key": KEY.value})
    assert response.status == 201
    assert event["requestContext"]["identity"]["apiKeyId"] is None and event["requestContext"]["authorizer"]["principalId"] == "stand-in"


def test_a_route_without_an_authorizer_or_a_key_requirement_is_answered_without_asking_the_authorizer(authorized):
    """The playground page's routes: even a request the authorizer would deny goes through, with no key named."""
    response, event = request(authorized, "GET", "/", headers={"X-Test-Answer": "deny"})
    assert response.status == 201
    assert event["resource"] == "/" and event["path"] == "/"
    assert event["requestContext"]["identity"]["apiKeyId"] is None and "authorizer" not in event["requestContext"]


@pytest.mark.parametrize(("asked", "response_type"), [
    ("deny", "ACCESS_DENIED"), ("elsewhere", "ACCESS_DENIED"),  # a statement denies it; none allows it
    ("unauthorized", "UNAUTHORIZED"), ("fail", "AUTHORIZER_CONFIGURATION_ERROR"), ("no-policy", "AUTHORIZER_CONFIGURATION_ERROR"),
])
def test_an_authorizer_that_refuses_or_fails_is_answered_as_api_gateway_answers(authorized, asked, response_type):
    response, body = request(authorized, "GET", "/guarded/abc", headers={"X-Test-Key": KEY.value, "X-Test-Answer": asked})
    expected = authorized.api.responses[response_type]  # the template's GatewayResponses entry, or API Gateway's default
    request_id = response.getheader("x-amzn-RequestId")
    assert response.status == expected.status
    assert body == json.loads(expected.body({"requestId": request_id, "error.responseType": response_type}))


def test_the_per_ip_rule_answers_before_anything_else_until_the_window_has_room(pools):
    rule = PerIpRule(limit=3, window_s=1, status=429, headers={"Retry-After": "600"}, content_type="application/json",
                     body='{"error": "throttled"}')
    with gateway_for(pools, per_ip_rule=rule) as gateway:
        assert [request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})[0].status for _ in range(3)] == [201] * 3
        for method, path in (("GET", "/echo"), ("GET", "/nowhere"), ("POST", "/echo")):
            response, body = request(gateway, method, path, body=b"{}", headers={"X-API-Key": KEY.value})
            assert response.status == 429 and body == {"error": "throttled"}, path
            assert response.getheader("Retry-After") == "600" and response.getheader("Content-Type") == "application/json"
        time.sleep(1.1)
        assert request(gateway, "GET", "/echo", headers={"X-API-Key": KEY.value})[0].status == 201
