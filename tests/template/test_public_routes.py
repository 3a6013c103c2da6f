"""The API-key authorizer and the public compatibility routes (CompatRoutes), asserted on what
CloudFormation receives: which routes are public, the public key and its own plan, the rule that
requires the WAF with them, the authorizer's function and role."""

from pathlib import Path

import pytest

from glimpse.authorizer import PAGE_ROUTES, PUBLIC_KEY_VARIABLE, PUBLIC_ROUTES
from glimpse_local.template import LocalResolver, load_template

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def test_the_public_routes_are_the_original_glimpses_and_pistons_as_the_template_declares_them():
    events = load_template(TEMPLATE)["Resources"]["RouterFunction"]["Properties"]["Events"].values()
    declared = {(event["Properties"]["Method"].upper(), event["Properties"]["Path"]) for event in events}
    compat = {(method, path) for method, path in declared if path == "/run-code-lambda" or path.startswith("/api/v2/")}
    assert PUBLIC_ROUTES == compat and len(compat) == 3


def test_the_page_routes_are_the_playgrounds_as_the_template_declares_them_without_key_or_authorizer():
    events = load_template(TEMPLATE)["Resources"]["RouterFunction"]["Properties"]["Events"].values()
    keyless = {(event["Properties"]["Method"].upper(), event["Properties"]["Path"]) for event in events
               if event["Properties"].get("Auth") == {"ApiKeyRequired": False, "Authorizer": "NONE"}}
    assert PAGE_ROUTES == keyless and not PAGE_ROUTES & PUBLIC_ROUTES
    assert not any("Auth" in event["Properties"] for event in events
                   if (event["Properties"]["Method"].upper(), event["Properties"]["Path"]) not in PAGE_ROUTES)


def test_the_authorizer_is_asked_about_every_request_and_never_cached(synthesized):
    (api,) = [resource for resource in synthesized()["Resources"].values() if resource["Type"] == "AWS::ApiGateway::RestApi"]
    authorizer = api["Properties"]["Body"]["securityDefinitions"]["ApiKeyAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "request" and authorizer["authorizerResultTtlInSeconds"] == 0
    assert "identitySource" not in authorizer  # the key may be in either header, or in none
    assert authorizer["authorizerUri"]["Fn::Sub"][1] == {"__FunctionArn__": {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}}


@pytest.mark.parametrize(("compat_routes", "created"), [("keys", False), ("public", True)])
def test_the_public_key_and_its_own_plan_exist_only_with_public_routes(synthesized, compat_routes, created):
    template = synthesized(CompatRoutes=compat_routes)
    resolver = LocalResolver(template, {"CompatRoutes": compat_routes})
    resources = template["Resources"]
    for name in ("PublicApiKey", "PublicUsagePlan", "PublicUsagePlanKey"):
        assert resolver.condition(resources[name]["Condition"]) is created, name
    key, plan = resources["PublicApiKey"]["Properties"], resources["PublicUsagePlan"]["Properties"]
    assert key["Enabled"] is True
    assert resources["PublicUsagePlanKey"]["Properties"] == {"KeyId": {"Ref": "PublicApiKey"}, "KeyType": "API_KEY",
                                                             "UsagePlanId": {"Ref": "PublicUsagePlan"}}
    assert plan["ApiStages"] == resources["DefaultUsagePlan"]["Properties"]["ApiStages"]
    assert plan["Throttle"] == {"RateLimit": {"Ref": "PublicRateLimit"}, "BurstLimit": {"Ref": "PublicBurstLimit"}}
    assert plan["Quota"] == {"Limit": {"Ref": "PublicQuotaLimit"}, "Period": "DAY"}
    # The authorizer names the key by its value, the router refuses it by its id.
    authorizer = resources["AuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    assert authorizer[PUBLIC_KEY_VARIABLE] == {"Fn::If": ["PublicCompatRoutes", key["Value"], ""]}
    router = resources["RouterFunction"]["Properties"]["Environment"]["Variables"]
    assert router["GLIMPSE_PUBLIC_API_KEY_ID"] == {"Fn::If": ["PublicCompatRoutes", {"Ref": "PublicApiKey"}, ""]}


@pytest.mark.parametrize(("compat_routes", "waf", "accepted"), [
    ("public", "enabled", True), ("public", "disabled", False), ("keys", "disabled", True), ("keys", "enabled", True),
])
def test_public_routes_need_the_waf(synthesized, compat_routes, waf, accepted):
    """Each keyless caller is limited by the WAF's per-IP rule only: the public plan is everyone's."""
    rules = synthesized()["Rules"]
    resolver = LocalResolver(synthesized(), {"CompatRoutes": compat_routes, "Waf": waf})
    checked = [rule for rule in rules.values() if resolver.value(rule["RuleCondition"])]
    assert all(resolver.value(assertion["Assert"]) for rule in checked for assertion in rule["Assertions"]) is accepted


def test_the_authorizer_may_only_write_its_logs_and_calls_nothing(synthesized):
    resources = synthesized()["Resources"]
    function = resources["AuthorizerFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["AuthorizerRole", "Arn"]}
    assert function["VpcConfig"] == function["TenancyConfig"] == {"Ref": "AWS::NoValue"}  # neither a runner's network nor its tenancy
    assert not any(name.startswith("AWS_ENDPOINT_URL_") for name in function["Environment"]["Variables"])
    role = resources["AuthorizerRole"]["Properties"]
    assert "ManagedPolicyArns" not in role
    (policy,) = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                                     "Resource": {"Fn::GetAtt": ["AuthorizerLogGroup", "Arn"]}}]
    # API Gateway may invoke it (SAM adds the permission for the authorizer).
    permissions = [resource["Properties"] for resource in resources.values() if resource["Type"] == "AWS::Lambda::Permission"
                   and resource["Properties"]["FunctionName"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}]
    assert [permission["Principal"] for permission in permissions] == ["apigateway.amazonaws.com"]
