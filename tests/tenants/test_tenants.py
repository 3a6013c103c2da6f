"""`glimpse tenants` against moto's API Gateway and CloudFormation, as a user types it."""

import datetime
import json

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from glimpse_local.cli import main
from glimpse_local.tenants import Tenants

REGION = "eu-west-1"


@pytest.fixture
def deployment(monkeypatch):
    """What `sam deploy` leaves: a REST API with a stage, the default usage plan on it, and the
    stack's outputs (a stand-in stack that has only the outputs the command reads)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        apigateway = boto3.client("apigateway", region_name=REGION)
        api = apigateway.create_rest_api(name="glimpse-api")
        root = apigateway.get_resources(restApiId=api["id"])["items"][0]["id"]
        apigateway.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE", apiKeyRequired=True)
        apigateway.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="MOCK")
        apigateway.create_deployment(restApiId=api["id"], stageName="prod")
        plan = apigateway.create_usage_plan(name="glimpse-default", apiStages=[{"apiId": api["id"], "stage": "prod"}],
                                            throttle={"rateLimit": 10.0, "burstLimit": 20}, quota={"limit": 10000, "period": "DAY"})
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        stack = {"Resources": {"Artifacts": {"Type": "AWS::S3::Bucket"}},
                 "Outputs": {"UsagePlanId": {"Value": plan["id"]}, "ApiId": {"Value": api["id"]}}}
        cloudformation.create_stack(StackName="glimpse", TemplateBody=json.dumps(stack))
        cloudformation.create_stack(StackName="not-glimpse", TemplateBody=json.dumps({"Resources": stack["Resources"]}))
        yield {"apigateway": apigateway, "plan_id": plan["id"], "api_id": api["id"]}


def glimpse(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["tenants", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_prints_the_key_once_and_puts_it_in_the_default_plan(deployment, capsys):
    code, out, err = glimpse(capsys, "create", "alice")
    assert code == 0, err
    key_value = out.split("x-api-key: ")[1].split()[0]
    assert "only time the key is shown" in err
    apigateway = deployment["apigateway"]
    (key,) = apigateway.get_api_keys(includeValues=True)["items"]
    assert key["name"] == "alice" and key["enabled"] and key["value"] == key_value
    assert [item["id"] for item in apigateway.get_usage_plan_keys(usagePlanId=deployment["plan_id"])["items"]] == [key["id"]]
    code, out, _ = glimpse(capsys, "show", "alice")
    assert code == 0 and key["id"] in out and key_value not in out
    assert "10.0 requests/s, burst 20, 10000 per DAY" in out


def test_create_with_limits_gives_the_tenant_a_plan_of_its_own_on_the_same_stage(deployment, capsys):
    code, _, err = glimpse(capsys, "create", "bigco", "--rate", "50", "--burst", "100", "--quota", "500000", "--period", "MONTH")
    assert code == 0, err
    code, out, _ = glimpse(capsys, "show", "bigco", "--json")
    tenant = json.loads(out)
    assert tenant["own_plan"] and tenant["limits"] == {"rate": 50.0, "burst": 100, "quota": 500000, "period": "MONTH"}
    plan = deployment["apigateway"].get_usage_plan(usagePlanId=tenant["plan_id"])
    assert plan["apiStages"] == [{"apiId": deployment["api_id"], "stage": "prod"}]
    code, _, _ = glimpse(capsys, "create", "smallco", "--quota", "100")  # what it does not give comes from the default plan
    code, out, _ = glimpse(capsys, "show", "smallco", "--json")
    assert json.loads(out)["limits"] == {"rate": 10.0, "burst": 20, "quota": 100, "period": "DAY"}


def test_list_shows_every_tenant_of_the_deployment_from_the_stack(deployment, capsys):
    glimpse(capsys, "create", "alice")
    glimpse(capsys, "create", "bigco", "--rate", "50")
    deployment["apigateway"].create_api_key(name="not-a-tenant", enabled=True)  # a key in no plan of ours
    code, out, err = glimpse(capsys, "list", "--json")
    assert code == 0, err
    assert [(tenant["name"], tenant["own_plan"]) for tenant in json.loads(out)] == [("alice", False), ("bigco", True)]
    code, out, _ = glimpse(capsys, "list", "--stack", "glimpse")
    assert [line.split("\t")[0] for line in out.splitlines()] == ["alice", "bigco"]


def test_revoke_disables_the_key(deployment, capsys):
    glimpse(capsys, "create", "alice")
    code, out, _ = glimpse(capsys, "revoke", "alice")
    assert code == 0 and "revoked" in out
    (key,) = deployment["apigateway"].get_api_keys()["items"]
    assert key["enabled"] is False


def test_mistakes_are_named(deployment, capsys):
    glimpse(capsys, "create", "alice")
    assert glimpse(capsys, "create", "alice")[2] == "glimpse: tenant alice exists already\n"
    assert "tenant name" in glimpse(capsys, "create", "no spaces")[2]
    assert glimpse(capsys, "show", "bob")[0] == 2
    assert "rate" in glimpse(capsys, "create", "zero", "--rate", "0")[2]
    code, _, err = glimpse(capsys, "list", "--stack", "missing-stack")
    assert code == 2 and "missing-stack" in err
    code, _, err = glimpse(capsys, "list", "--stack", "not-glimpse")
    assert code == 2 and "has no UsagePlanId output" in err


def test_usage_reads_the_plans_usage_per_day(deployment):
    # moto has no GetUsage: botocore's Stubber answers it, in the shape API Gateway documents.
    apigateway = deployment["apigateway"]
    key = apigateway.create_api_key(name="alice", enabled=True)
    apigateway.create_usage_plan_key(usagePlanId=deployment["plan_id"], keyId=key["id"], keyType="API_KEY")
    tenants = Tenants(apigateway, deployment["plan_id"])
    with Stubber(apigateway) as stub:
        stub.add_response("get_usage_plans", {"items": []})
        stub.add_response("get_usage_plan_keys", {"items": [{"id": key["id"], "type": "API_KEY", "name": "alice"}]})
        stub.add_response("get_api_key", {"id": key["id"], "name": "alice", "enabled": True})
        stub.add_response("get_usage", {"usagePlanId": deployment["plan_id"], "startDate": "2026-11-24", "endDate": "2026-11-26",
                                        "items": {key["id"]: [[12, 9988], [0, 10000], [40, 9960]]}},
                          {"usagePlanId": deployment["plan_id"], "keyId": key["id"], "startDate": "2026-11-24", "endDate": "2026-11-26"})
        days = tenants.usage("alice", 3, today=datetime.date(2026, 11, 26))
    assert [(day.day.isoformat(), day.used, day.remaining) for day in days] == [
        ("2026-11-24", 12, 9988), ("2026-11-25", 0, 10000), ("2026-11-26", 40, 9960)]
