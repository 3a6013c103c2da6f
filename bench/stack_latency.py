"""What the local stack adds to a Python hello world: the whole API path beside the runner alone.

Usage: .venv/bin/python bench/stack_latency.py [--runs N]

"bare" runs Lambda's python3.12 directly on the host (`-E -s hello.py`, as the recipe does).
"runner" invokes the Python runner function's pool of the stack in this process: a warm
execution environment, its Runtime API round trip, validation, sandbox, sweep. "runner (Invoke)"
is the same runner reached as anything reaches a Lambda function: a boto3 Invoke to the local
Lambda service. "stack" is what an API client gets: POST /v1/executions over HTTP on 127.0.0.1
(one kept-alive connection), through the local gateway (API key, usage plan), the router function
in its own environment (Powertools routing and validation, a traced boto3 Invoke, its log line
and metrics), and that same runner. The differences are what the stack adds.
The series are interleaved, one run of each per round, so drift in the machine's speed falls on
all of them alike.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
from botocore.config import Config

from timing import interleaved, print_medians
from glimpse_local.gateway import ApiKey
from glimpse_local.local import build, project_root
from glimpse_local.stack import LocalStack

HELLO = 'print("Hello from Glimpse!")\n'
KEY = ApiKey.of("glimpse-benchmark-key-stack-latency")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    runs = parser.parse_args().runs
    root = project_root()
    build(root)
    request = json.dumps({"language": "python", "code": HELLO})
    # A plan that never throttles the benchmark: the template's default is 10 requests a second.
    plan = {"RateLimit": "10000", "BurstLimit": "10000", "QuotaLimit": "10000000"}
    with tempfile.TemporaryDirectory() as directory, LocalStack(root, keys=[KEY], port=0, parameters=plan) as stack:
        source = Path(directory) / "hello.py"
        source.write_text(HELLO)
        bare_command = [Path(sys.base_prefix) / "bin" / "python3.12", "-E", "-s", source]
        runner = stack.lambda_service.pools["RunnerPythonFunction"]
        connection = http.client.HTTPConnection(*stack.url.removeprefix("http://").split(":"))
        lambda_client = boto3.client("lambda", endpoint_url=stack.lambda_service.endpoint_url, region_name="us-east-1",
                                     aws_access_key_id="local", aws_secret_access_key="local",
                                     config=Config(retries={"total_max_attempts": 1}))

        def through_runner() -> None:
            answer = json.loads(runner.invoke(request.encode(), tenant_id=KEY.id).payload)  # the router names the key's tenant
            assert answer["status"] == "ok", answer

        def through_invoke() -> None:
            response = lambda_client.invoke(FunctionName="RunnerPythonFunction", Qualifier="live", Payload=request, TenantId=KEY.id)
            answer = json.loads(response["Payload"].read())
            assert "FunctionError" not in response and answer["status"] == "ok", answer

        def through_stack() -> None:
            connection.request("POST", "/v1/executions", body=request, headers={"X-API-Key": KEY.value})
            response = connection.getresponse()
            answer = json.loads(response.read())
            assert response.status == 200 and answer["status"] == "ok", answer

        actions = {
            "bare": lambda: subprocess.run(bare_command, capture_output=True, check=True),
            "runner": through_runner,
            "runner (Invoke)": through_invoke,
            "stack": through_stack,
        }
        series = interleaved(actions, runs, warm_up=10)
        connection.close()
    print_medians(series, runs)
    for baseline in ("runner", "runner (Invoke)"):
        added = [stack - runner for stack, runner in zip(series["stack"], series[baseline], strict=True)]
        print(f"stack − {baseline}: {statistics.median(series['stack']) - statistics.median(series[baseline]):.1f} ms "
              f"(median of the per-round differences: {statistics.median(added):.1f} ms)")


if __name__ == "__main__":
    main()
