"""The API as the local gateway reads it from template.yaml: the authorizer on every route but the
playground page's, keys named by it, the public key and its plan when the compatibility routes are
public, the WAF's per-IP rule, the gateway's answers by default."""

import json
from pathlib import Path

import pytest

from glimpse.authorizer import PAGE_ROUTES, PUBLIC_KEY_VARIABLE
from glimpse_local.gateway import ApiDefinition, ApiKey
from glimpse_local.gateway.definition import _responses
from glimpse_local.template import functions

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
PUBLIC = {"CompatRoutes": "public", "PublicRateLimit": "7", "PublicBurstLimit": "9", "PublicQuotaLimit": "99"}
PUBLIC_KEY = ApiKey.of("glimpse-local-public-compat-routes")  # the template's Value, with the local stack's name


@pytest.mark.parametrize("parameters", [{}, PUBLIC], ids=["keys", "public"])
def test_every_route_but_the_pages_needs_a_key_that_the_authorizer_names(parameters):
    api = ApiDefinition.from_template(TEMPLATE, parameters)
    assert api.key_source == "AUTHORIZER"
    page = [route for route in api.routes if (route.method, route.path) in PAGE_ROUTES]
    guarded = [route for route in api.routes if route not in page]
    assert guarded and all(route.api_key_required and route.authorizer == "AuthorizerFunction" for route in guarded)
    # The playground page: no key, and no authorizer is asked (Auth: ApiKeyRequired false, Authorizer NONE).
    assert {(route.method, route.path) for route in page} == PAGE_ROUTES
    assert all(not route.api_key_required and route.authorizer is None and route.function == "RouterFunction" for route in page)
    assert api.functions == {"RouterFunction", "AuthorizerFunction"}
    assert api.usage_plan.rate_limit == 10 and api.usage_plan.quota_limit == 10_000  # the default plan, every other key's


def test_with_public_routes_the_public_key_is_known_with_its_own_plan():
    assert ApiDefinition.from_template(TEMPLATE).template_keys == ()
    (public,) = ApiDefinition.from_template(TEMPLATE, PUBLIC).template_keys
    assert public.key == PUBLIC_KEY
    assert (public.usage_plan.rate_limit, public.usage_plan.burst_limit, public.usage_plan.quota_limit) == (7, 9, 99)
    assert public.usage_plan.quota_period == "DAY"


def test_the_authorizer_and_the_router_know_the_public_key_by_its_value_and_its_id():
    declared = functions(TEMPLATE, ROOT / "build" / "functions", PUBLIC)
    assert declared["AuthorizerFunction"].environment[PUBLIC_KEY_VARIABLE] == PUBLIC_KEY.value
    assert declared["RouterFunction"].environment["GLIMPSE_PUBLIC_API_KEY_ID"] == PUBLIC_KEY.id
    keys_only = functions(TEMPLATE, ROOT / "build" / "functions")
    assert keys_only["AuthorizerFunction"].environment[PUBLIC_KEY_VARIABLE] == ""
    assert keys_only["RouterFunction"].environment["GLIMPSE_PUBLIC_API_KEY_ID"] == ""


def test_the_wafs_per_ip_rule_is_read_with_its_own_answer():
    rule = ApiDefinition.from_template(TEMPLATE, {"WafRequestsPer10MinutesPerIp": "10"}).per_ip_rule
    assert (rule.limit, rule.window_s, rule.status, rule.headers) == (10, 600, 429, {"Retry-After": "600"})
    assert rule.content_type == "application/json" and json.loads(rule.body)["error"] == "throttled"
    assert ApiDefinition.from_template(TEMPLATE, {"Waf": "disabled"}).per_ip_rule is None


def test_the_authorizers_refusals_default_to_api_gateways_own_answers():
    defaults = _responses({})
    assert (defaults["UNAUTHORIZED"].status, json.loads(defaults["UNAUTHORIZED"].body({}))) == (401, {"message": "Unauthorized"})
    assert defaults["ACCESS_DENIED"].status == 403
    assert (defaults["AUTHORIZER_CONFIGURATION_ERROR"].status, json.loads(defaults["AUTHORIZER_CONFIGURATION_ERROR"].body({}))) == \
        (500, {"message": None})
    customised = ApiDefinition.from_template(TEMPLATE).responses
    assert customised["AUTHORIZER_CONFIGURATION_ERROR"].status == 500  # DEFAULT_5XX's body, in the router's shape
    assert json.loads(customised["AUTHORIZER_CONFIGURATION_ERROR"].body({"requestId": "r"}))["error"] == "internal_error"
