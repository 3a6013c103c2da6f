"""The local Lambda service speaks the Invoke API as Lambda does, to an unmodified boto3 client."""

import json
import threading
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from glimpse_local.environment import ExecutionEnvironment, FunctionConfig
from glimpse_local.lambda_service import FunctionPool, LambdaService

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_DIR = ROOT / "build" / "lambda-runtime"
FIXTURE = FunctionConfig(name="Fixture", handler="app.handler", code_dir=ROOT / "tests" / "environment" / "fixture_function",
                         timeout_s=10.0)


def start_environment(function):
    environment = ExecutionEnvironment(function, runtime_dir=RUNTIME_DIR)
    environment.start()
    return environment


@pytest.fixture(scope="module")
def service():
    def pool(name: str, **options) -> FunctionPool:
        return FunctionPool(FunctionConfig(name=name, handler="app.handler", code_dir=FIXTURE.code_dir, timeout_s=10.0),
                            start_environment=start_environment, **options)

    pools = {
        "Fixture": FunctionPool(FIXTURE, concurrency=2, start_environment=start_environment, aliases=frozenset({"live"})),
        "OneAtATime": pool("OneAtATime", concurrency=1, reserved=True),
        "PerTenant": pool("PerTenant", concurrency=2, tenant_isolation=True),
        "Budgeted": pool("Budgeted", concurrency=1, lambda_limit=False),  # `glimpse dev --concurrency 1`
    }
    with LambdaService(pools) as running:
        yield running


@pytest.fixture(scope="module")
def client(service):
    return boto3.client("lambda", endpoint_url=service.endpoint_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"total_max_attempts": 1}))


def wait_until_busy(service, name: str) -> None:
    deadline = time.monotonic() + 10
    while service.pools[name].in_flight == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def invoke(client, action: str, **options):
    response = client.invoke(Payload=json.dumps({"action": action, **options.pop("fields", {})}), **options)
    return response, json.loads(response["Payload"].read() or b"null")


def test_an_invocation_answers_the_payload_with_lambdas_headers(client):
    response, payload = invoke(client, "echo", FunctionName="Fixture", fields={"value": 42})
    assert response["StatusCode"] == 200 and payload == {"action": "echo", "value": 42}
    assert response["ExecutedVersion"] == "$LATEST" and "FunctionError" not in response
    assert response["ResponseMetadata"]["RequestId"]


def test_names_arns_and_qualifiers_resolve_as_in_lambda(client):
    arn = "arn:aws:lambda:us-east-1:012345678912:function:Fixture"
    for options in ({"FunctionName": arn}, {"FunctionName": "Fixture:live"}, {"FunctionName": "Fixture", "Qualifier": "live"},
                    {"FunctionName": f"{arn}:live"}, {"FunctionName": "012345678912:function:Fixture"}):
        response, _ = invoke(client, "echo", **options)
        assert response["ExecutedVersion"] == ("1" if "live" in str(options) else "$LATEST")
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="function:Fixture:nope"):
        invoke(client, "echo", FunctionName="Fixture", Qualifier="nope")
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="function:Missing"):
        invoke(client, "echo", FunctionName="Missing")
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        invoke(client, "echo", FunctionName="Fixture:live", Qualifier="other")


def test_a_function_error_is_a_200_with_x_amz_function_error(client):
    response, payload = invoke(client, "fail", FunctionName="Fixture")
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    response, payload = invoke(client, "exit", FunctionName="Fixture", fields={"code": 3})
    assert response["FunctionError"] == "Unhandled" and payload["errorType"] == "Runtime.ExitError"


def test_what_lambda_refuses_is_refused_alike(client):
    with pytest.raises(client.exceptions.RequestTooLargeException):
        client.invoke(FunctionName="Fixture", Payload=json.dumps({"pad": "x" * (6 * 1024 * 1024)}))
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        client.invoke(FunctionName="Fixture", Payload=b"{not json")
    with pytest.raises(client.exceptions.RequestTooLargeException):
        client.invoke(FunctionName="Fixture", InvocationType="Event", Payload=json.dumps({"pad": "x" * (1024 * 1024)}))
    assert client.invoke(FunctionName="Fixture", InvocationType="DryRun", Payload=b"{}")["StatusCode"] == 204
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="tenant"):
        invoke(client, "echo", FunctionName="PerTenant", TenantId="bad\ttenant")


def test_tenant_ids_go_to_tenant_isolated_functions_only(client):
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="needs a tenant id"):
        invoke(client, "echo", FunctionName="PerTenant")
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="without a tenant id"):
        invoke(client, "echo", FunctionName="Fixture", TenantId="tenant-a")
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="needs a tenant id"):
        client.invoke(FunctionName="PerTenant", InvocationType="Event", Payload=b"{}")


def wait_for(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_an_event_is_accepted_at_once_and_runs_in_the_background(client, service):
    pool = service.pools["OneAtATime"]
    invoke(client, "echo", FunctionName="OneAtATime")  # warm
    response = client.invoke(FunctionName="OneAtATime", InvocationType="Event", Payload=json.dumps({"action": "sleep", "seconds": 1}))
    assert response["StatusCode"] == 202 and response["Payload"].read() == b""
    wait_for(lambda: pool.in_flight == 1)
    with pytest.raises(client.exceptions.TooManyRequestsException):  # the event holds the one environment
        invoke(client, "echo", FunctionName="OneAtATime")
    wait_for(lambda: pool.in_flight == 0)


def test_events_beyond_the_concurrency_wait_for_room_instead_of_being_dropped(client):
    _, before = invoke(client, "count", FunctionName="OneAtATime")
    for _ in range(3):
        client.invoke(FunctionName="OneAtATime", InvocationType="Event", Payload=json.dumps({"action": "sleep", "seconds": 0.2}))
    counted = []

    def all_three_ran() -> bool:
        try:
            _, now = invoke(client, "count", FunctionName="OneAtATime")
        except client.exceptions.TooManyRequestsException:  # an event holds the one environment
            return False
        counted.append(now)
        return now["count"] - len(counted) == before["count"] + 3

    wait_for(all_three_ran)
    assert {now["pid"] for now in counted} == {before["pid"]}  # all in the one environment


def test_beyond_its_concurrency_a_function_is_throttled_with_retry_after(client, service):
    invoke(client, "echo", FunctionName="OneAtATime")  # warm
    busy = threading.Thread(target=invoke, args=(client, "sleep"), kwargs={"FunctionName": "OneAtATime", "fields": {"seconds": 1.5}})
    busy.start()
    wait_until_busy(service, "OneAtATime")
    with pytest.raises(client.exceptions.TooManyRequestsException) as raised:
        invoke(client, "echo", FunctionName="OneAtATime")
    busy.join()
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    invoke(client, "echo", FunctionName="OneAtATime")  # free again


def test_beyond_the_machines_budget_a_caller_waits_and_one_that_hangs_up_is_never_run(client, service):
    _, before = invoke(client, "count", FunctionName="Budgeted")
    busy = threading.Thread(target=invoke, args=(client, "sleep"), kwargs={"FunctionName": "Budgeted", "fields": {"seconds": 1.0}})
    busy.start()
    wait_until_busy(service, "Budgeted")
    impatient = boto3.client("lambda", endpoint_url=service.endpoint_url, region_name="us-east-1",
                             aws_access_key_id="testing", aws_secret_access_key="testing",
                             config=Config(retries={"total_max_attempts": 1}, read_timeout=0.2))
    with pytest.raises(Exception, match="Read timeout"):
        invoke(impatient, "count", FunctionName="Budgeted")  # hangs up while it waits
    _, after = invoke(client, "count", FunctionName="Budgeted")  # waits for the sleeper, then runs
    busy.join()
    assert after["pid"] == before["pid"]
    assert after["count"] == before["count"] + 2  # the sleeper and this one: the abandoned call never ran


def test_environments_are_reused_within_a_tenant_and_never_across_tenants(client):
    def environment_of(tenant):
        _, payload = invoke(client, "context", FunctionName="PerTenant", TenantId=tenant)
        assert payload["tenant_id"] == tenant
        _, counted = invoke(client, "count", FunctionName="PerTenant", TenantId=tenant)
        return counted

    first = environment_of("tenant-a")
    again = environment_of("tenant-a")
    assert again["count"] > first["count"]  # the same environment, reused
    other = environment_of("tenant-b")
    assert other["count"] == 2  # a fresh one (its first two invocations: context, then count)
    third = environment_of("tenant-c")  # at concurrency 2 an idle environment of another tenant makes room
    assert third["count"] == 2
