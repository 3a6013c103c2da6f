"""The API through the whole local stack over real HTTP on 127.0.0.1: gateway, router and runners
in their execution environments, all from template.yaml."""

import time

import pytest

from glimpse.api.original import language_for_code
from glimpse.languages import catalogue
from stack_helpers import KEYS, call, hello, languages


@pytest.mark.parametrize("language", languages())
def test_every_language_runs_through_every_executing_route(stack, language):
    source = hello(language)
    v1 = call(stack.url, "POST", "/v1/executions", {"language": language, "code": source})
    assert v1.status == 200, v1.body
    assert v1.body["status"] == "ok" and v1.body["run"]["stdout"] == "Hello, World!\n"
    assert v1.body["id"] == v1.headers["x-amzn-requestid"]  # the API request's id, as API Gateway gave it

    extension = catalogue().get(language).extensions[0].removeprefix(".")
    code = extension if language_for_code(extension) == language else language  # python-ml's py is python's: its id
    original = call(stack.url, "POST", "/run-code-lambda", {"language": code, "code": source, "input": ""})
    assert original.status == 200, original.body
    assert original.body["statusCode"] == 200 and original.body["body"]["output"] == "Hello, World!\n"

    piston = call(stack.url, "POST", "/api/v2/execute", {"language": language, "version": "*", "files": [{"content": source}]})
    assert piston.status == 200, piston.body
    assert piston.body["language"] == language and piston.body["run"]["stdout"] == "Hello, World!\n"


def test_a_body_sent_as_curl_d_sends_it_runs(stack):
    # `curl -d '{...}'` declares application/x-www-form-urlencoded: the README's first example.
    answer = call(stack.url, "POST", "/v1/executions", {"language": "python", "code": "print(42)"},
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 200 and answer.body["status"] == "ok" and answer.body["run"]["stdout"] == "42\n"


def test_the_listing_routes_name_every_language_and_the_openapi_server_is_the_stack(stack):
    listed = call(stack.url, "GET", "/v1/languages")
    assert listed.status == 200 and [language["id"] for language in listed.body["languages"]] == languages()
    runtimes = call(stack.url, "GET", "/api/v2/runtimes")
    assert runtimes.status == 200 and {runtime["language"] for runtime in runtimes.body} == set(languages())
    document = call(stack.url, "GET", "/v1/openapi.json")
    assert document.status == 200 and document.body["servers"] == [{"url": stack.url}]


@pytest.mark.parametrize("key", [None, "wrong"], ids=["missing", "wrong"])
@pytest.mark.parametrize("method, path", [("POST", "/v1/executions"), ("GET", "/v1/languages"), ("POST", "/run-code-lambda"),
                                          ("POST", "/api/v2/execute"), ("GET", "/api/v2/runtimes")])
def test_every_route_refuses_a_missing_or_wrong_api_key(stack, key, method, path):
    wrong = KEYS["main"].model_copy(update={"value": "x" * 40})
    answer = call(stack.url, method, path, {"language": "python", "code": "print(1)"} if method == "POST" else None,
                  key=wrong if key else None)
    assert answer.status == 403
    assert answer.body["error"] == "forbidden" and answer.body["request_id"] == answer.headers["x-amzn-requestid"]


def test_an_unknown_route_is_refused_as_api_gateway_refuses_it(stack):
    answer = call(stack.url, "GET", "/v2/executions")
    assert answer.status == 403 and answer.body["message"] == "no such route, or no API key"


def test_a_key_is_throttled_at_the_usage_plans_rate_and_burst(stack):
    plan = stack.api.usage_plan  # the template's defaults: 10 a second, a burst of 20
    started = time.monotonic()
    statuses = [call(stack.url, "GET", "/v1/languages", key=KEYS["throttled"]).status for _ in range(plan.burst_limit + 10)]
    elapsed = time.monotonic() - started
    admitted = statuses.count(200)
    assert plan.burst_limit <= admitted <= plan.burst_limit + plan.rate_limit * elapsed + 1, (admitted, elapsed)
    assert set(statuses) == {200, 429}
    throttled = call(stack.url, "GET", "/v1/languages", key=KEYS["throttled"])
    assert throttled.status == 429 and throttled.headers["retry-after"] == "1" and throttled.body["error"] == "throttled"
    assert call(stack.url, "GET", "/v1/languages", key=KEYS["main"]).status == 200  # another key's bucket is untouched
    time.sleep(2 / plan.rate_limit)
    assert call(stack.url, "GET", "/v1/languages", key=KEYS["throttled"]).status == 200
