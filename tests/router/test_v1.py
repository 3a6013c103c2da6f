"""POST /v1/executions and GET /v1/languages through the router handler, with API Gateway REST
proxy events, answered by the real Python runner in a real execution environment behind the
local Lambda Invoke endpoint."""

import base64

from glimpse.api import MAX_BODY_BYTES
from glimpse.api.settings import RouterSettings
from glimpse.languages import catalogue


def test_a_program_runs_and_its_result_comes_back(router):
    answer = router.call("POST", "/v1/executions", {"language": "py", "code": 'print("Hello from Glimpse!")'})
    assert answer.status == 200, answer.body
    result = answer.body
    assert result["status"] == "ok"
    assert result["language"] == "python" and result["version"] == "3.12"
    assert result["run"]["stdout"] == "Hello from Glimpse!\n"
    assert result["id"] == answer.request_id  # no id asked for: the API request's own
    assert result["isolation"]["profile"] == "lambda"
    assert "process_sweep" in result["isolation"]["protections"]
    assert answer.headers["Content-Type"] == "application/json"


def test_a_body_is_json_whatever_its_content_type_says(router):
    # `curl -d` sends application/x-www-form-urlencoded
    for content_type in ("application/x-www-form-urlencoded", "text/plain"):
        answer = router.call("POST", "/v1/executions", {"language": "python", "code": "print(42)"},
                             headers={"Content-Type": content_type})
        assert answer.status == 200, answer.body
        assert answer.body["run"]["stdout"] == "42\n"


def test_files_stdin_and_arguments_reach_the_program(router):
    helper = base64.b64encode(b"GREETING = 'hi'\n").decode()
    answer = router.call("POST", "/v1/executions", {
        "language": "python", "version": "3",
        "files": [{"name": "main.py", "content": "import sys, helper\nprint(helper.GREETING, sys.argv[1:], sys.stdin.read())"},
                  {"name": "helper.py", "content": helper, "encoding": "base64"}],
        "stdin": "from stdin", "args": ["a b", "--c"], "id": "my-execution-1",
    })
    assert answer.status == 200, answer.body
    assert answer.body["run"]["stdout"] == "hi ['a b', '--c'] from stdin\n"
    assert answer.body["id"] == "my-execution-1"


def test_limits_are_capped_at_the_server_maxima_and_the_deployment_deadline(router):
    answer = router.call("POST", "/v1/executions", {
        "language": "python", "code": "print(1)",
        "limits": {"time_ms": 10**9, "memory_mb": 10**6, "output_bytes": 10**9, "processes": 10**6},
    })
    assert answer.status == 200, answer.body
    # API Gateway waits 29 s by default: a run may take what is left after the router's margins.
    assert answer.body["limits"] == {"time_ms": RouterSettings(runners={}, tenant_isolation=False).max_time_ms,
                                     "memory_mb": 2048, "output_bytes": 1048576, "processes": 256}
    assert answer.body["limits"]["time_ms"] < 29_000


def test_what_the_program_does_is_a_result_not_an_error(router):
    failing = router.call("POST", "/v1/executions", {"language": "python", "code": "import sys\nprint('oops', file=sys.stderr)\nsys.exit(3)"})
    assert failing.status == 200
    assert failing.body["status"] == "runtime_error"
    assert failing.body["run"]["exit_code"] == 3 and failing.body["run"]["stderr"] == "oops\n"
    spinning = router.call("POST", "/v1/executions", {"language": "python", "code": "while True:\n    pass", "limits": {"time_ms": 300}})
    assert spinning.status == 200
    assert spinning.body["status"] == "time_limit"


def _field_error(answer, status: int, field: str) -> str:
    assert answer.status == status, answer.body
    assert answer.body["error"] == ("invalid_json" if status == 400 else "invalid_request")
    assert answer.body["request_id"] == answer.request_id
    messages = [item["message"] for item in answer.body["fields"] if item["field"] == field]
    assert messages, f"{field} not named in {answer.body['fields']}"
    return messages[0]


def test_a_body_that_is_not_a_json_object_is_a_400(router):
    assert "not valid JSON" in _field_error(router.call("POST", "/v1/executions", '{"language": "python",'), 400, "body")
    assert "not a JSON object" in _field_error(router.call("POST", "/v1/executions", "[1, 2]"), 400, "body")


def test_each_invalid_field_is_named(router):
    cases = [
        ({"language": "cobol", "code": "x"}, "language"),
        ({"language": "python", "version": "2.7", "code": "x"}, "version"),
        ({"language": "python", "files": [{"name": "main.py", "content": "x", "encoding": "latin1"}]}, "files.0.encoding"),
        ({"language": "python", "files": [{"name": "main.py", "content": "not base64!", "encoding": "base64"}]}, "files.0"),
        ({"language": "python", "files": [{"name": "../escape.py", "content": "x"}]}, "files.0.name"),
        ({"language": "python", "files": [{"name": "/etc/passwd", "content": "x"}]}, "files.0.name"),
        ({"language": "python", "code": "x", "limits": {"time_ms": 0}}, "limits.time_ms"),
        ({"language": "python", "code": "x", "args": ["a\x00b"]}, "args.0"),
        ({"language": "python", "code": "x", "surprise": 1}, "surprise"),
        ({"language": "python"}, "body"),  # neither code nor files
    ]
    for body, field in cases:
        _field_error(router.call("POST", "/v1/executions", body), 422, field)


def test_the_runners_own_rejection_is_a_422_naming_its_field(router):
    # The C runner keeps its toolchain's cache where a request might name a file: the router does
    # not know, the runner refuses it.
    answer = router.call("POST", "/v1/executions", {"language": "c", "files": [
        {"name": "main.c", "content": "int main(void) { return 0; }"}, {"name": ".zig-cache/x", "content": "x"}]})
    assert "reserved for the toolchain's cache" in _field_error(answer, 422, "files.1.name")


def test_a_language_of_the_catalogue_without_a_runner_is_named_as_such(router_for):
    router = router_for(GLIMPSE_RUNNER_PYTHON="")  # as if the template had no Python runner
    message = _field_error(router.call("POST", "/v1/executions", {"language": "py", "code": "x"}), 422, "language")
    assert message.startswith("python has no runner in this deployment")


def test_an_oversized_body_is_a_413_before_anything_is_parsed(router):
    answer = router.call("POST", "/v1/executions", '{"language": "python", "code": "' + "x" * MAX_BODY_BYTES + '"}')
    assert answer.status == 413
    assert answer.body["error"] == "payload_too_large" and answer.body["request_id"] == answer.request_id


def test_a_request_without_an_api_key_is_refused(router):
    for method, path in [("POST", "/v1/executions"), ("GET", "/v1/languages"), ("POST", "/api/v2/execute")]:
        answer = router.call(method, path, {"language": "python", "code": "print(1)"}, api_key_id=None)
        assert answer.status == 403
        if path.startswith("/v1/"):
            assert answer.body["error"] == "forbidden"


def test_an_unknown_route_is_a_404_in_the_error_shape(router):
    answer = router.call("GET", "/v1/nothing-here")
    assert answer.status == 404
    assert answer.body["error"] == "not_found" and answer.body["request_id"] == answer.request_id


def test_the_end_user_header_is_checked(router):
    answer = router.call("POST", "/v1/executions", {"language": "python", "code": "print(1)"},
                         headers={"X-Glimpse-End-User": "not allowed/space"})
    _field_error(answer, 422, "x-glimpse-end-user")


def test_languages_lists_the_deployed_languages_from_the_catalogue(router):
    answer = router.call("GET", "/v1/languages")
    assert answer.status == 200
    listed = {language["id"]: language for language in answer.body["languages"]}
    for language_id in router.module.settings.runners:
        recipe = catalogue().get(language_id)
        assert listed[language_id] == {"id": recipe.id, "name": recipe.name, "version": recipe.version,
                                       "aliases": recipe.aliases, "file_name": recipe.file_name, "extensions": recipe.extensions,
                                       "compile_options": recipe.compile.options if recipe.compile else [],
                                       "packages": recipe.packages}
    assert set(listed) == set(router.module.settings.runners)


def test_compile_options_outside_the_languages_allowlist_are_refused_by_name_and_allowed_ones_apply(router):
    code = "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", N); return 0; }"
    allowed = router.call("POST", "/v1/executions", {"language": "c", "code": code, "compile_options": ["-O1", "-DN=7"]})
    assert allowed.status == 200 and allowed.body["run"]["stdout"] == "7\n", allowed.body
    refused = router.call("POST", "/v1/executions", {"language": "c", "code": code, "compile_options": ["-fplugin=/tmp/x.so"]})
    assert refused.status == 422 and refused.body["fields"][0]["field"] == "compile_options", refused.body
    languages = {language["id"]: language for language in router.call("GET", "/v1/languages").body["languages"]}
    assert languages["c"]["compile_options"] and languages["python"]["compile_options"] == []


def test_a_java_program_whose_public_class_is_not_main_compiles_under_its_own_name(router):
    code = "import java.util.*;\n\npublic class Solution {\n    public static void main(String[] args) {\n        System.out.println(new Scanner(System.in).nextInt() * 2);\n    }\n}\n"
    answer = router.call("POST", "/v1/executions", {"language": "java", "code": code, "stdin": "21"})
    assert answer.status == 200 and answer.body["status"] == "ok", answer.body
    assert answer.body["run"]["stdout"] == "42\n"
