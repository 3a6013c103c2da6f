"""What the router records: a log line per execution with what operators need, metrics by
language and status, and never the code, stdin or output."""

import json

CODE_MARKER = "codemarker7f3a"
STDIN_MARKER = "stdinmarker91c2"
OUTPUT_MARKER = "outputmarker44be"


def test_logs_say_what_happened_and_never_what_ran(router):
    # The program prints a marker built at run time, so the output's marker is in neither code nor stdin.
    code = f"# {CODE_MARKER}\nimport sys\nprint('output' + 'marker44be', sys.stdin.read())\nprint('x', file=sys.stderr)"
    before = len(router.logs.getvalue())
    answer = router.call("POST", "/v1/executions", {"language": "python", "code": code, "stdin": STDIN_MARKER})
    assert answer.status == 200 and OUTPUT_MARKER in answer.body["run"]["stdout"]
    router.call("POST", "/run-code-lambda", {"language": "py", "code": code, "input": STDIN_MARKER})
    router.call("POST", "/api/v2/execute", {"language": "python", "files": [{"content": code}], "stdin": STDIN_MARKER})
    router.call("POST", "/v1/executions", {"language": "python", "code": code, "stdin": STDIN_MARKER, "limits": {"time_ms": -1}})
    logged = router.logs.getvalue()[before:]
    for marker in (CODE_MARKER, STDIN_MARKER, OUTPUT_MARKER):
        assert marker not in logged
    record = next(record for record in router.log_records() if record.get("request_id") == answer.request_id)
    assert record["message"] == "execution answered"
    assert record["tenant"] == "tenantkey01" and record["language"] == "python" and record["route"] == "v1"
    assert record["status"] == "ok" and record["http_status"] == 200 and record["execution_id"] == answer.request_id
    assert record["router_ms"] >= record["runner_ms"] > 0 and record["run_ms"] == answer.body["run"]["time_ms"]
    assert record["request_bytes"] > 0 and record["response_bytes"] > 0 and record["runner_request_id"]
    assert record["correlation_id"] == answer.request_id  # Powertools' API Gateway correlation id


def test_metrics_count_executions_by_language_and_status(router, capsys):
    capsys.readouterr()
    router.call("POST", "/v1/executions", {"language": "python", "code": "raise SystemExit(2)"})
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    emf = next(document for document in documents if "Executions" in document)
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Glimpse/glimpse-local"
    assert ["service"] in directive["Dimensions"] and ["language", "status"] in directive["Dimensions"]
    assert emf["language"] == "python" and emf["status"] == "runtime_error" and emf["service"] == "glimpse-router"
    assert emf["Executions"] == [1.0] and emf["ExecutionLatency"][0] > 0
    assert {metric["Name"] for metric in directive["Metrics"]} == {"Executions", "ExecutionLatency"}


def test_tenant_isolation_passes_the_api_key_and_end_user_as_tenant(router_for):
    # TenantEcho answers a contract-valid result whose stdout is the tenant id Lambda gave it.
    router = router_for(GLIMPSE_RUNNER_PYTHON="TenantEcho", GLIMPSE_RUNNER_QUALIFIER="")

    def tenant(**options):
        answer = router.call("POST", "/v1/executions", {"language": "python", "code": "x"}, **options)
        assert answer.status == 200, answer.body
        return json.loads(answer.body["run"]["stdout"])["tenant_id"]

    assert tenant(api_key_id="keyone1234") == "keyone1234"
    assert tenant(api_key_id="keyone1234", headers={"X-Glimpse-End-User": "alice@example.org"}) == "keyone1234:alice@example.org"
    shared = router_for(GLIMPSE_RUNNER_PYTHON="SharedTenantEcho", GLIMPSE_RUNNER_QUALIFIER="", GLIMPSE_TENANT_ISOLATION="false")
    answer = shared.call("POST", "/v1/executions", {"language": "python", "code": "x"})
    assert json.loads(answer.body["run"]["stdout"])["tenant_id"] is None  # a warm pool is shared: no tenant id
