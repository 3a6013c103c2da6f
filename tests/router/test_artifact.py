"""The router's build artifact (what `sam build` ships) answers on its own, in a Lambda-faithful
execution environment with the real awslambdaric: no module of the venv helps it."""

import json
import re

from glimpse_local.environment import ExecutionEnvironment
from glimpse_local.template import functions
from router_helpers import ROOT, api_event


def test_the_built_router_answers_in_an_execution_environment():
    declared = functions(ROOT / "template.yaml", ROOT / "build" / "functions")
    router = declared["RouterFunction"]
    deployed = sorted(function.environment["GLIMPSE_LANGUAGE"] for function in declared.values() if "GLIMPSE_LANGUAGE" in function.environment)
    with ExecutionEnvironment(router, runtime_dir=ROOT / "build" / "lambda-runtime") as environment:
        answer = environment.invoke(json.dumps(api_event("GET", "/v1/languages")).encode())
        assert answer.function_error is None, answer.payload
        response = json.loads(answer.payload)
        assert response["statusCode"] == 200
        assert [language["id"] for language in json.loads(response["body"])["languages"]] == deployed
        refused = json.loads(environment.invoke(json.dumps(api_event("GET", "/v1/languages", api_key_id=None)).encode()).payload)
        assert refused["statusCode"] == 403
        # The playground page travels in the artifact (functions/api/Makefile), served without a key.
        page = json.loads(environment.invoke(json.dumps(api_event("GET", "/", api_key_id=None)).encode()).payload)
        assert page["statusCode"] == 200 and "<title>Glimpse playground</title>" in page["body"]
        script = re.search(r'<script type="module" src="/prod(/playground/assets/)([^"]+)"', page["body"])
        event = api_event("GET", script[1] + script[2], api_key_id=None) | {"resource": "/playground/assets/{asset}"}
        asset = json.loads(environment.invoke(json.dumps(event).encode()).payload)
        assert asset["statusCode"] == 200 and asset["body"] == (ROOT / "build" / "playground" / "dist" / "assets" / script[2]).read_text()
    assert '"level":"ERROR"' not in environment.logs()
