"""The OpenAPI document the router generates, the template's routes, and docs/api.md's curl
examples agree: every example names a documented route, sends a key (or none, to a public
compatibility route) and runs through the router."""

import json
import re
import shlex

from glimpse.authorizer import PAGE_ROUTES, PUBLIC_ROUTES
from glimpse_local.template import load_template
from router_helpers import DOMAIN, ROOT, STAGE

DOCUMENTED = {("post", "/v1/executions"), ("get", "/v1/executions/{execution_id}"), ("get", "/v1/callback-secret"),
              ("get", "/v1/languages"), ("post", "/run-code-lambda"), ("post", "/api/v2/execute"), ("get", "/api/v2/runtimes")}
# Judge0's routes: docs/compat.md's examples.
JUDGE0 = {("get", "/languages"), ("get", "/languages/all"), ("get", "/languages/{language_id}"), ("get", "/statuses"),
          ("get", "/about"), ("get", "/config_info"), ("get", "/system_info"), ("post", "/submissions"), ("get", "/submissions/{token}"),
          ("delete", "/submissions/{token}"), ("post", "/submissions/batch"), ("get", "/submissions/batch")}


def openapi(router) -> dict:
    answer = router.call("GET", "/v1/openapi.json")
    assert answer.status == 200
    return answer.body


def test_the_openapi_document_describes_every_route_and_the_api_key(router):
    document = openapi(router)
    assert document["openapi"].startswith("3.") and document["info"]["version"] == "1"
    assert document["servers"] == [{"url": f"https://{DOMAIN}/{STAGE}"}]
    assert {(method, path) for path, item in document["paths"].items() for method in item} == DOCUMENTED | JUDGE0
    assert document["components"]["securitySchemes"]["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert document["security"] == [{"api_key": []}]
    execute = document["paths"]["/v1/executions"]["post"]
    assert execute["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Submission"}
    assert execute["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ExecutionResult"}
    assert execute["responses"]["202"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Accepted"}
    for status in ("400", "403", "409", "413", "422", "429", "502", "504"):
        assert execute["responses"][status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
    parameters = {(parameter["in"], parameter["name"].lower()) for parameter in execute["parameters"]}
    assert {("header", "x-glimpse-end-user"), ("header", "idempotency-key"), ("query", "wait")} <= parameters


def test_the_template_routes_are_the_routers_routes():
    router_events = load_template(ROOT / "template.yaml")["Resources"]["RouterFunction"]["Properties"]["Events"]
    routes = {(event["Properties"]["Method"], event["Properties"]["Path"]) for event in router_events.values()}
    page = {(method.lower(), path) for method, path in PAGE_ROUTES}  # the playground's HTML and assets: not the API's
    assert routes == DOCUMENTED | JUDGE0 | {("get", "/v1/openapi.json")} | page


def curl_examples() -> list[list[str]]:
    text = (ROOT / "docs" / "api.md").read_text() + (ROOT / "docs" / "compat.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for command in block.replace("\\\n", " ").splitlines():
            if command.strip().startswith("curl "):
                commands.append(shlex.split(command))
    return commands


def test_every_curl_example_of_the_api_docs_is_a_documented_route_that_works(router):
    document = openapi(router)
    examples = curl_examples()
    assert len(examples) >= len(DOCUMENTED | JUDGE0) + 1
    covered = set()
    execution_id = None  # the last queued execution's: what $EXECUTION_ID stands for
    token = None  # the last Judge0 submission's: what $TOKEN stands for
    for argv in examples:
        url = next(arg for arg in argv if arg.startswith("$GLIMPSE_URL/"))
        path, _, query = url.removeprefix("$GLIMPSE_URL").partition("?")
        route = re.sub(r"/71$", "/{language_id}", re.sub(r"\$TOKEN$", "{token}", re.sub(r"\$EXECUTION_ID$", "{execution_id}", path)))
        body = argv[argv.index("-d") + 1] if "-d" in argv else None
        method = argv[argv.index("-X") + 1] if "-X" in argv else ("POST" if body is not None else "GET")
        headers = dict(argv[index + 1].split(": ", 1) for index, arg in enumerate(argv) if arg == "-H")
        key = headers.get("x-api-key") or headers.get("X-Auth-Token")
        assert key == "$GLIMPSE_KEY" or (key is None and (method, route) in PUBLIC_ROUTES), argv  # keyless: CompatRoutes=public
        assert route == "/v1/openapi.json" or method.lower() in document["paths"][route], argv
        sent = {name: value for name, value in headers.items() if name.lower().startswith("x-glimpse") or name == "Idempotency-Key"}
        path, query = path.replace("$EXECUTION_ID", str(execution_id)), query.replace("$TOKEN", str(token))
        answer = router.call(method, path.replace("$TOKEN", str(token)) + (f"?{query}" if query else ""),
                             json.loads(body) if body else None, headers=sent)
        assert answer.status in (200, 201, 202), (argv, answer.body)
        if answer.status == 202:
            execution_id = answer.body["id"]
        if answer.status == 201 and isinstance(answer.body, dict):
            token = answer.body["token"]
        covered.add((method.lower(), route))
    assert covered >= DOCUMENTED
