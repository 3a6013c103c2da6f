"""The public compatibility routes' key (CompatRoutes public) in the router: the authorizer already
refuses it on every other route, and the router refuses it there too, whatever reached it."""

import pytest

PUBLIC_KEY_ID = "publickey1"


@pytest.fixture(scope="module")
def public_router(router_for):
    return router_for(GLIMPSE_PUBLIC_API_KEY_ID=PUBLIC_KEY_ID)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v1/executions", {"language": "python", "code": "print(42)"}),
    ("GET", "/v1/languages", None), ("GET", "/v1/callback-secret", None), ("GET", "/v1/openapi.json", None),
])
def test_the_public_key_is_refused_on_a_route_that_is_not_public(public_router, method, path, body):
    answer = public_router.call(method, path, body, api_key_id=PUBLIC_KEY_ID)
    assert answer.status == 403, answer.body
    assert answer.body["error"] == "forbidden" and "tenant's API key" in answer.body["message"]


def test_the_public_key_is_served_on_the_public_routes(public_router):
    assert public_router.call("GET", "/api/v2/runtimes", api_key_id=PUBLIC_KEY_ID).status == 200
    answer = public_router.call("POST", "/run-code-lambda", {"language": "py", "code": "print(42)"}, api_key_id=PUBLIC_KEY_ID)
    assert answer.status == 200 and answer.body["body"]["output"] == "42\n"
    answer = public_router.call("POST", "/api/v2/execute", {"language": "python", "files": [{"content": "print(42)"}]},
                                api_key_id=PUBLIC_KEY_ID)
    assert answer.status == 200 and answer.body["run"]["stdout"] == "42\n"


def test_without_a_public_key_every_key_is_a_tenants(router):
    assert router.call("GET", "/v1/languages", api_key_id=PUBLIC_KEY_ID).status == 200
