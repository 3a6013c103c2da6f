"""The deployed template's security properties, asserted on what CloudFormation receives (the SAM
transform applied): API keys on every route but the playground page's, least-privilege roles,
runners without a way out, per-tenant isolation, the WAF on the stage. Conditions are evaluated as
CloudFormation would, for the parameter values each test names."""

from pathlib import Path

import pytest

from glimpse.api import runner_variable
from glimpse.authorizer import PAGE_ROUTES
from glimpse.languages import catalogue
from glimpse_local.template import LocalResolver, load_template

NETWORK_INTERFACE_ACTIONS = {"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                             "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}


def of_type(template: dict, kind: str) -> dict:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == kind}


def runners(template: dict) -> dict:
    return {name: resource for name, resource in of_type(template, "AWS::Lambda::Function").items()
            if "GLIMPSE_LANGUAGE" in resource["Properties"].get("Environment", {}).get("Variables", {})}


_LEFT_OUT = object()


def chosen(node, resolver: LocalResolver):
    """The node with Fn::If and AWS::NoValue resolved as CloudFormation would for the resolver's
    parameters; every other intrinsic is kept as it is (only a deployment knows its value)."""
    if isinstance(node, list):
        return [item for item in (chosen(item, resolver) for item in node) if item is not _LEFT_OUT]
    if not isinstance(node, dict):
        return node
    if list(node) == ["Fn::If"]:
        condition, when_true, when_false = node["Fn::If"]
        return chosen(when_true if resolver.condition(condition) else when_false, resolver)
    if node == {"Ref": "AWS::NoValue"}:
        return _LEFT_OUT
    return {key: value for key, value in ((key, chosen(value, resolver)) for key, value in node.items()) if value is not _LEFT_OUT}


def statements(role: dict, resolver: LocalResolver) -> list[dict]:
    """The role's policy statements, with conditions resolved (a policy left out by !If is gone)."""
    found = []
    for policy in chosen(role["Properties"].get("Policies", []), resolver):
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            found.append(statement | {"Action": {actions} if isinstance(actions, str) else set(actions)})
    return found


@pytest.mark.parametrize("compat_routes", ["keys", "public"])
def test_every_route_but_the_pages_requires_an_api_key_which_the_authorizer_names(synthesized, compat_routes):
    """A public route too: API Gateway meters every request with a key (the public key there). The
    playground page's HTML and assets alone need none and ask no authorizer: no program runs there."""
    template = synthesized(CompatRoutes=compat_routes)
    (api,) = of_type(template, "AWS::ApiGateway::RestApi").values()
    assert api["Properties"]["ApiKeySourceType"] == "AUTHORIZER"
    swagger = api["Properties"]["Body"]
    assert swagger["securityDefinitions"]["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert "security" not in swagger  # no API-wide requirement: each operation says its own
    operations = [(path, method, operation) for path, item in swagger["paths"].items() for method, operation in item.items()]
    declared = load_template(Path(__file__).resolve().parents[2] / "template.yaml")["Resources"]["RouterFunction"]["Properties"]["Events"]
    assert len(operations) == len(declared)
    open_operations = {(method.upper(), path) for path, method, operation in operations if not operation["security"]}
    assert open_operations == PAGE_ROUTES
    for path, method, operation in operations:
        if (method.upper(), path) not in PAGE_ROUTES:
            assert {"api_key": []} in operation["security"] and {"ApiKeyAuthorizer": []} in operation["security"], (path, method)
        assert operation["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
        assert operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"].endswith("${RouterFunction.Arn}/invocations")


def test_executing_routes_wait_as_long_as_the_router_is_told(synthesized):
    (api,) = of_type(synthesized(), "AWS::ApiGateway::RestApi").values()
    for path in ("/v1/executions", "/run-code-lambda", "/api/v2/execute", "/submissions"):
        integration = api["Properties"]["Body"]["paths"][path]["post"]["x-amazon-apigateway-integration"]
        assert integration["timeoutInMillis"] == {"Ref": "ApiTimeoutMs"}
    router = synthesized()["Resources"]["RouterFunction"]["Properties"]
    assert router["Environment"]["Variables"]["GLIMPSE_API_TIMEOUT_MS"] == {"Ref": "ApiTimeoutMs"}
    assert router["Timeout"] * 1000 > int(synthesized()["Parameters"]["ApiTimeoutMs"]["MaxValue"])


def test_the_usage_plan_throttles_and_limits_the_stage(synthesized):
    template = synthesized()
    properties = template["Resources"]["DefaultUsagePlan"]["Properties"]
    (stage_name,) = of_type(template, "AWS::ApiGateway::Stage")
    assert properties["ApiStages"] == [{"ApiId": {"Ref": "GlimpseApi"}, "Stage": {"Ref": stage_name}}]
    assert properties["Throttle"] == {"RateLimit": {"Ref": "RateLimit"}, "BurstLimit": {"Ref": "BurstLimit"}}
    assert properties["Quota"] == {"Limit": {"Ref": "QuotaLimit"}, "Period": {"Ref": "QuotaPeriod"}}
    assert template["Outputs"]["UsagePlanId"]["Value"] == {"Ref": "DefaultUsagePlan"}
    assert "ApiUrl" in template["Outputs"]


@pytest.mark.parametrize("network", ["isolated-vpc", "existing-vpc", "none"])
def test_runners_may_only_write_their_own_logs(synthesized, network):
    template = synthesized()
    resolver = LocalResolver(template, {"RunnerNetwork": network, "ExistingVpcId": "vpc-0123456789abcdef0",
                                        "ExistingSubnetIds": "subnet-01,subnet-02"})
    roles = {resource["Properties"]["Role"]["Fn::GetAtt"][0] for resource in runners(template).values()}
    assert roles == {"RunnerRole"}
    role = template["Resources"]["RunnerRole"]["Properties"]
    assert "ManagedPolicyArns" not in role and "PermissionsBoundary" not in role
    found = statements(template["Resources"]["RunnerRole"], resolver)
    allowed = [statement for statement in found if statement["Effect"] == "Allow"]
    assert allowed[0] == {"Effect": "Allow", "Action": {"logs:CreateLogStream", "logs:PutLogEvents"},
                          "Resource": {"Fn::GetAtt": ["RunnerLogGroup", "Arn"]}}
    if network == "none":
        assert len(found) == 1
        return
    # In a VPC Lambda manages the runners' network interfaces with this role; the runners' own
    # calls carry lambda:SourceFunctionArn and are denied.
    (interfaces,) = allowed[1:]
    (denied,) = [statement for statement in found if statement["Effect"] == "Deny"]
    assert interfaces["Action"] == denied["Action"] == NETWORK_INTERFACE_ACTIONS
    assert denied["Resource"] == "*" and set(denied["Condition"]) == {"ArnLike"}
    assert resolver.value(denied["Condition"]["ArnLike"]["lambda:SourceFunctionArn"]) == "arn:aws:lambda:us-east-1:012345678912:function:*"
    assert group_vpc(template) == {"Fn::If": ["CreateVpc", {"Ref": "RunnerVpc"}, {"Ref": "ExistingVpcId"}]}
    assert len(found) == 3


def test_only_the_router_and_the_dispatcher_may_invoke_the_runners_through_one_policy(synthesized):
    template = synthesized()
    (policy,) = of_type(template, "AWS::IAM::ManagedPolicy").values()
    (invoke,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert invoke["Effect"] == "Allow" and invoke["Action"] == "lambda:InvokeFunction"
    assert sorted(invoke["Resource"], key=str) == sorted(({"Fn::Sub": f"${{{name}.Arn}}:*"} for name in runners(template)), key=str)
    holders = {name for name, role in of_type(template, "AWS::IAM::Role").items()
               if {"Ref": "InvokeRunnersPolicy"} in role["Properties"].get("ManagedPolicyArns", [])}
    assert holders == {"RouterRole", "DispatcherRole"}


def actions_by_resource(role: dict, template: dict) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for statement in statements(role, LocalResolver(template)):
        assert statement["Effect"] == "Allow"
        found.setdefault(str(statement["Resource"]), set()).update(statement["Action"])
    return found


def test_the_router_may_queue_executions_read_the_signing_secret_and_nothing_else(synthesized):
    template = synthesized()
    assert template["Resources"]["RouterFunction"]["Properties"]["Role"] == {"Fn::GetAtt": ["RouterRole", "Arn"]}
    assert actions_by_resource(template["Resources"]["RouterRole"], template) == {
        str({"Fn::GetAtt": ["DispatcherFunction", "Arn"]}): {"lambda:InvokeFunction"},
        str({"Fn::GetAtt": ["ExecutionsTable", "Arn"]}): {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                                                         "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"},
        str({"Ref": "CallbackSigningSecret"}): {"secretsmanager:GetSecretValue"},
        str({"Fn::GetAtt": ["RouterLogGroup", "Arn"]}): {"logs:CreateLogStream", "logs:PutLogEvents"},
        "*": {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
    }


def test_the_dispatcher_may_take_and_finish_executions_and_is_never_retried(synthesized):
    template = synthesized()
    dispatcher = template["Resources"]["DispatcherFunction"]["Properties"]
    assert dispatcher["Role"] == {"Fn::GetAtt": ["DispatcherRole", "Arn"]}
    assert actions_by_resource(template["Resources"]["DispatcherRole"], template) == {
        str({"Fn::GetAtt": ["ExecutionsTable", "Arn"]}): {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"},
        str({"Ref": "CallbackSigningSecret"}): {"secretsmanager:GetSecretValue"},
        str({"Fn::GetAtt": ["DispatcherLogGroup", "Arn"]}): {"logs:CreateLogStream", "logs:PutLogEvents"},
        "*": {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
    }
    (retries,) = of_type(template, "AWS::Lambda::EventInvokeConfig").values()
    assert retries["Properties"]["MaximumRetryAttempts"] == 0
    resolved = chosen(dispatcher, LocalResolver(template))  # outside the runners' VPC, no tenancy of its own
    assert "VpcConfig" not in resolved and "TenancyConfig" not in resolved


def test_the_executions_table_is_on_demand_encrypted_and_expires_items(synthesized):
    (table,) = of_type(synthesized(), "AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST" and properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_each_runner_is_wired_to_the_router_by_its_language(synthesized):
    template = synthesized()
    variables = template["Resources"]["RouterFunction"]["Properties"]["Environment"]["Variables"]
    named = {name: value for name, value in variables.items() if name.startswith("GLIMPSE_RUNNER_") and name != "GLIMPSE_RUNNER_QUALIFIER"}
    expected = {}
    for name, runner in runners(template).items():
        language = runner["Properties"]["Environment"]["Variables"]["GLIMPSE_LANGUAGE"]
        assert catalogue().get(language).id == language
        expected[runner_variable(language)] = {"Ref": name}
    assert named == expected


def test_runners_sit_behind_a_security_group_with_no_egress(synthesized):
    template = synthesized()
    (group,) = of_type(template, "AWS::EC2::SecurityGroup").values()
    assert group["Condition"] == "RunnersInVpc"
    assert group["Properties"]["SecurityGroupEgress"] == [{"IpProtocol": "-1", "CidrIp": "127.0.0.1/32", "Description": "no egress"}]
    assert "SecurityGroupIngress" not in group["Properties"]
    assert not of_type(template, "AWS::EC2::SecurityGroupEgress") and not of_type(template, "AWS::EC2::SecurityGroupIngress")
    for name, runner in runners(template).items():
        vpc = runner["Properties"]["VpcConfig"]["Fn::If"]
        assert vpc[0] == "RunnersInVpc" and vpc[1]["SecurityGroupIds"] == [{"Ref": "RunnerSecurityGroup"}], name
    assert template["Resources"]["RouterFunction"]["Properties"]["VpcConfig"] == {"Ref": "AWS::NoValue"}


def test_the_runners_vpc_has_no_way_out(synthesized):
    template = synthesized()
    for kind in ("AWS::EC2::InternetGateway", "AWS::EC2::EgressOnlyInternetGateway", "AWS::EC2::NatGateway",
                 "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::Route", "AWS::EC2::VPCEndpoint", "AWS::EC2::VPCPeeringConnection",
                 "AWS::EC2::TransitGatewayAttachment", "AWS::EC2::EIP"):
        assert not of_type(template, kind), kind
    (vpc,) = of_type(template, "AWS::EC2::VPC").values()
    assert vpc["Properties"]["EnableDnsSupport"] is False
    for subnet in of_type(template, "AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


@pytest.mark.parametrize(("network", "dns_firewall", "active"), [
    ("isolated-vpc", "enabled", True), ("existing-vpc", "enabled", True), ("existing-vpc", "disabled", False), ("none", "enabled", False),
])
def test_the_dns_firewall_denies_every_name_in_the_runners_vpc(synthesized, network, dns_firewall, active):
    template = synthesized()
    resolver = LocalResolver(template, {"RunnerNetwork": network, "DnsFirewall": dns_firewall})
    (domains,) = of_type(template, "AWS::Route53Resolver::FirewallDomainList").values()
    (group,) = of_type(template, "AWS::Route53Resolver::FirewallRuleGroup").values()
    (association,) = of_type(template, "AWS::Route53Resolver::FirewallRuleGroupAssociation").values()
    assert {resolver.condition(resource["Condition"]) for resource in (domains, group, association)} == {active}
    assert domains["Properties"]["Domains"] == ["*"]
    (rule,) = group["Properties"]["FirewallRules"]
    assert rule["Action"] == "BLOCK" and rule["FirewallDomainListId"] == {"Fn::GetAtt": ["DnsAllDomains", "Id"]}
    assert association["Properties"]["VpcId"] == group_vpc(template)  # the runners' VPC, created or given


def group_vpc(template: dict):
    (group,) = of_type(template, "AWS::EC2::SecurityGroup").values()
    return group["Properties"]["VpcId"]


@pytest.mark.parametrize(("waf", "active"), [("enabled", True), ("disabled", False)])
def test_the_waf_rate_limits_each_address_on_the_stage_once_it_exists(synthesized, waf, active):
    template = synthesized()
    resolver = LocalResolver(template, {"Waf": waf})
    (acl,) = of_type(template, "AWS::WAFv2::WebACL").values()
    (association,) = of_type(template, "AWS::WAFv2::WebACLAssociation").values()
    assert resolver.condition(acl["Condition"]) is active and resolver.condition(association["Condition"]) is active
    (rule,) = acl["Properties"]["Rules"]
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP" and statement["EvaluationWindowSec"] == 600
    assert statement["Limit"] == {"Ref": "WafRequestsPer10MinutesPerIp"}
    # The original Glimpse's 1000 requests per hour, over WAF's 10-minute window.
    assert template["Parameters"]["WafRequestsPer10MinutesPerIp"]["Default"] == round(1000 / 6)
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    # The association names the stage resource, so CloudFormation creates the stage first.
    (stage_name,) = of_type(template, "AWS::ApiGateway::Stage")
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith(f"/restapis/${{GlimpseApi}}/stages/${{{stage_name}}}")
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["PerIpRateLimit", "Arn"]}


@pytest.mark.parametrize("isolation", ["per-tenant", "warm-pool"])
def test_runners_use_tenant_isolation_or_a_warm_pool(synthesized, isolation):
    template = synthesized(RunnerIsolation=isolation)
    resolver = LocalResolver(template, {"RunnerIsolation": isolation})
    router = chosen(template["Resources"]["RouterFunction"]["Properties"], resolver)
    assert "TenancyConfig" not in router
    assert router["Environment"]["Variables"]["GLIMPSE_TENANT_ISOLATION"] == ("true" if isolation == "per-tenant" else "false")
    qualifier = router["Environment"]["Variables"]["GLIMPSE_RUNNER_QUALIFIER"]
    aliases = of_type(template, "AWS::Lambda::Alias")
    for name, runner in runners(template).items():
        properties = chosen(runner["Properties"], resolver)
        if isolation == "per-tenant":
            assert properties["TenancyConfig"] == {"TenantIsolationMode": "PER_TENANT"}, name
        else:
            assert "TenancyConfig" not in properties, name
        serving = [alias for alias in aliases.values() if alias["Properties"]["FunctionName"] == {"Ref": name}
                   and alias["Properties"]["Name"] == qualifier and ("Condition" not in alias or resolver.condition(alias["Condition"]))]
        assert len(serving) == 1, (name, qualifier)
        if isolation == "warm-pool":
            assert serving[0]["Properties"]["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": {"Ref": "WarmPoolSize"}}


def test_logs_are_kept_for_the_retention_asked_and_alarms_watch_what_the_functions_report(synthesized):
    template = synthesized()
    groups = of_type(template, "AWS::Logs::LogGroup")
    assert groups and all(group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for group in groups.values())
    for name, function in of_type(template, "AWS::Lambda::Function").items():
        assert function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] in groups, name
    watched = set()
    for alarm in of_type(template, "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        for metric in [properties] if "MetricName" in properties else [query["MetricStat"]["Metric"] for query in properties["Metrics"]
                                                                       if "MetricStat" in query]:
            dimensions = {item["Name"]: item["Value"] for item in metric["Dimensions"]}
            watched.add((metric["MetricName"], str(dimensions.get("service") or dimensions.get("FunctionName") or dimensions.get("ApiName"))))
    assert watched == {
        ("5XXError", str({"Fn::Sub": "${AWS::StackName}-api"})),
        ("RunnerThrottles", "glimpse-router"), ("RunnerErrors", "glimpse-router"), ("RunnerErrors", "glimpse-dispatcher"),
        ("Throttles", str({"Ref": "RouterFunction"})),
        ("Errors", str({"Ref": "DispatcherFunction"})), ("Throttles", str({"Ref": "DispatcherFunction"})),
    }
    # The functions' own metrics are watched under the namespace and service name they publish with.
    for function in ("RouterFunction", "DispatcherFunction"):
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        for alarm in of_type(template, "AWS::CloudWatch::Alarm").values():
            properties = alarm["Properties"]
            if properties.get("MetricName", "").startswith("Runner") and \
                    properties["Dimensions"] == [{"Name": "service", "Value": variables["POWERTOOLS_SERVICE_NAME"]}]:
                assert properties["Namespace"] == variables["POWERTOOLS_METRICS_NAMESPACE"]


@pytest.mark.parametrize("parameters", [
    {}, {"RunnerIsolation": "warm-pool", "WarmPoolSize": "3"}, {"RunnerNetwork": "none", "Waf": "disabled"}, {"CompatRoutes": "public"},
    {"RunnerNetwork": "existing-vpc", "ExistingVpcId": "vpc-0123456789abcdef0", "ExistingSubnetIds": "subnet-01,subnet-02"},
])
def test_the_template_transforms_for_every_choice(synthesized, parameters):
    assert synthesized(**parameters)["Resources"]["RouterFunction"]["Type"] == "AWS::Lambda::Function"


def test_every_runner_publishes_a_version_on_any_change():
    """The router invokes an alias: without AutoPublishAliasAllProperties a change of configuration
    alone (a variable, a layer, the memory) would publish no version, and the alias would keep
    serving the old one."""
    template = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and "GLIMPSE_LANGUAGE" in properties.get("Environment", {}).get("Variables", {}):
            assert properties.get("AutoPublishAlias") == "live" and properties.get("AutoPublishAliasAllProperties") is True, name
