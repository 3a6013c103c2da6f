"""events/ holds samples for `sam local invoke` (with Docker); they are real events: each answers."""

import json

import boto3

from glimpse_local.template import functions
from router_helpers import ROOT

EVENTS = ROOT / "events"


def test_the_sample_api_events_answer_through_the_router(router):
    samples = sorted(path for path in EVENTS.glob("*.json") if "requestContext" in path.read_text())
    assert len(samples) == 4
    for path in samples:
        answer = router.send(json.loads(path.read_text()))
        assert answer.status == 200, (path.name, answer.body)


def test_the_sample_runner_event_runs_on_the_runner(lambda_service):
    client = boto3.client("lambda", endpoint_url=lambda_service.endpoint_url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    # The runners use tenant isolation: Lambda refuses an invocation that names no tenant.
    response = client.invoke(FunctionName="RunnerPythonFunction", Payload=(EVENTS / "runner-python.json").read_bytes(),
                             TenantId="sample-tenant")
    result = json.loads(response["Payload"].read())
    assert result["status"] == "ok" and result["run"]["stdout"] == "HELLO FROM A RUNNER EVENT\n\n"


def test_the_sam_local_variables_name_the_routers_own():
    overrides = json.loads((EVENTS / "env.json").read_text())
    declared = functions(ROOT / "template.yaml", ROOT / "build" / "functions")
    for function, variables in overrides.items():
        assert set(variables) <= set(declared[function].environment), function
