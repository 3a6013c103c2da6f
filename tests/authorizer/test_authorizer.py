"""The authorizer's core (glimpse.authorizer) and its handler (functions/authorizer/app.py): the key
it names for each request, from x-api-key, X-Auth-Token or, on a public route, the public key, and
what it refuses. Events are REQUEST authorizer events as API Gateway sends them for a REST API."""

import importlib.util
import os

import pytest
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import APIGatewayAuthorizerRequestEvent

from glimpse.authorizer import PUBLIC_ROUTES, ApiKeyAuthorizer

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
PUBLIC_KEY = "glimpse-test-public-compat-routes"
TENANT_KEY = "a-tenants-key-of-forty-letters-and-digit"
PUBLIC = ApiKeyAuthorizer(public_key=PUBLIC_KEY)
KEYS_ONLY = ApiKeyAuthorizer()


def request(method: str, resource: str, headers: dict[str, str] | None = None, *, path: str | None = None) -> dict:
    path = path or resource
    return {
        "type": "REQUEST", "methodArn": f"arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef1234/prod/{method}{path}",
        "resource": resource, "path": path, "httpMethod": method,
        "headers": {"Host": "abcdef1234.execute-api.cn-north-1.amazonaws.com.cn", **(headers or {})},
        "queryStringParameters": None, "pathParameters": None, "stageVariables": None,
        "requestContext": {"resourcePath": resource, "httpMethod": method, "stage": "prod", "apiId": "abcdef1234"},
    }


def answer(authorizer: ApiKeyAuthorizer, event: dict) -> dict:
    return authorizer.authorize(APIGatewayAuthorizerRequestEvent(event)).asdict()


def effect(document: dict) -> str:
    (statement,) = document["policyDocument"]["Statement"]
    # No answer is cached, so a policy for the whole stage only ever decides the one request.
    assert statement["Action"] == "execute-api:Invoke"
    assert statement["Resource"] == ["arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef1234/prod/*/*"]
    return statement["Effect"]


@pytest.mark.parametrize("authorizer", [PUBLIC, KEYS_ONLY], ids=["public", "keys"])
@pytest.mark.parametrize("header", ["x-api-key", "X-API-Key", "x-auth-token", "X-Auth-Token"])
def test_a_key_in_x_api_key_or_x_auth_token_is_the_requests_key_on_every_route(authorizer, header):
    for method, resource in [("POST", "/v1/executions"), ("GET", "/v1/executions/{execution_id}"), *PUBLIC_ROUTES]:
        document = answer(authorizer, request(method, resource, {header: TENANT_KEY}))
        assert effect(document) == "Allow" and document["usageIdentifierKey"] == TENANT_KEY, (method, resource)
        assert document["principalId"] == header.lower()


def test_x_api_key_wins_over_x_auth_token_and_an_empty_header_is_no_key():
    document = answer(KEYS_ONLY, request("GET", "/v1/languages", {"x-api-key": TENANT_KEY, "X-Auth-Token": "another-key-of-enough-length"}))
    assert document["usageIdentifierKey"] == TENANT_KEY
    document = answer(KEYS_ONLY, request("GET", "/v1/languages", {"x-api-key": "", "X-Auth-Token": TENANT_KEY}))
    assert document["usageIdentifierKey"] == TENANT_KEY and document["principalId"] == "x-auth-token"


@pytest.mark.parametrize(("method", "resource"), sorted(PUBLIC_ROUTES))
def test_a_public_route_without_a_key_is_metered_with_the_public_key(method, resource):
    document = answer(PUBLIC, request(method, resource))
    assert effect(document) == "Allow" and document["usageIdentifierKey"] == PUBLIC_KEY and document["principalId"] == "public"
    # Sent by hand, the public key is the same as none there.
    assert answer(PUBLIC, request(method, resource, {"x-api-key": PUBLIC_KEY}))["usageIdentifierKey"] == PUBLIC_KEY


@pytest.mark.parametrize(("method", "resource"), [("POST", "/v1/executions"), ("GET", "/v1/languages"),
                                                  ("GET", "/v1/executions/{execution_id}"), ("GET", "/api/v2/execute")])
def test_a_route_that_is_not_public_refuses_a_request_without_a_key_and_the_public_key(method, resource):
    for headers in ({}, {"x-api-key": PUBLIC_KEY}, {"X-Auth-Token": PUBLIC_KEY}):
        document = answer(PUBLIC, request(method, resource, headers, path=resource.replace("{execution_id}", "abc")))
        assert effect(document) == "Deny" and "usageIdentifierKey" not in document, headers


@pytest.mark.parametrize(("method", "resource"), sorted(PUBLIC_ROUTES))
def test_with_keys_only_a_public_route_without_a_key_is_refused(method, resource):
    document = answer(KEYS_ONLY, request(method, resource))
    assert effect(document) == "Deny" and "usageIdentifierKey" not in document and document["principalId"] == "none"


def test_the_public_key_comes_from_the_environment():
    assert ApiKeyAuthorizer.from_environment({"GLIMPSE_PUBLIC_API_KEY": PUBLIC_KEY}) == PUBLIC
    assert ApiKeyAuthorizer.from_environment({"GLIMPSE_PUBLIC_API_KEY": ""}) == KEYS_ONLY == ApiKeyAuthorizer.from_environment({})


def test_the_handler_answers_api_gateway_with_the_policy_document():
    saved = dict(os.environ)
    os.environ["GLIMPSE_PUBLIC_API_KEY"] = PUBLIC_KEY
    try:
        spec = importlib.util.spec_from_file_location("authorizer_app", ROOT / "functions" / "authorizer" / "app.py")
        app = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(app)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert app.handler(request("POST", "/run-code-lambda"), None) == answer(PUBLIC, request("POST", "/run-code-lambda"))
