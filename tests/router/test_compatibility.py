"""The original Glimpse's route and Piston's, with request bodies copied from their documentation."""

from glimpse.languages import catalogue

# The original Glimpse README's "Example request" (the JavaScript object, as JSON)
ORIGINAL_README_REQUEST = {"language": "py", "code": 'print("Hello from Glimpse!")', "input": ""}

# Piston's readme.md, "Execute Endpoint" (engineer-man/piston), unchanged
PISTON_README_REQUEST = {
    "language": "js",
    "version": "15.10.0",
    "files": [{"name": "my_cool_code.js", "content": "console.log(process.argv)"}],
    "stdin": "",
    "args": ["1", "2", "3"],
    "compile_timeout": 10000,
    "run_timeout": 3000,
    "compile_cpu_time": 10000,
    "run_cpu_time": 3000,
    "compile_memory_limit": -1,
    "run_memory_limit": -1,
}


def test_the_original_readme_request_runs_unchanged(router):
    answer = router.call("POST", "/run-code-lambda", ORIGINAL_README_REQUEST)
    assert answer.status == 200, answer.body
    assert answer.body["statusCode"] == 200
    body = answer.body["body"]
    assert body["output"] == "Hello from Glimpse!\n" and body["error"] is None
    assert isinstance(body["executionTime"], int)


def test_the_original_route_passes_input_and_reports_errors(router):
    answer = router.call("POST", "/run-code-lambda", {"language": "py", "code": "print(input()[::-1])\nraise SystemExit('bad')", "input": "olleh"})
    assert answer.status == 200
    assert answer.body["body"]["output"] == "hello\n"
    assert "bad" in answer.body["body"]["error"] and "exited with code 1" in answer.body["body"]["error"]


def test_the_original_route_names_unknown_and_undeployed_languages(router, router_for):
    unknown = router.call("POST", "/run-code-lambda", {"language": "cobol", "code": "DISPLAY 1"})
    assert unknown.status == 422
    assert unknown.body["statusCode"] == 422 and "unknown language 'cobol'" in unknown.body["body"]["error"]
    undeployed = router_for(GLIMPSE_RUNNER_PYTHON="").call("POST", "/run-code-lambda", ORIGINAL_README_REQUEST)
    assert undeployed.status == 422 and "python has no runner" in undeployed.body["body"]["error"]


def test_original_codes_are_file_extensions_from_the_catalogue():
    from glimpse.api.original import language_for_code

    for recipe in catalogue().recipes:
        for extension in recipe.extensions:
            assert extension in catalogue().get(language_for_code(extension.lstrip("."))).extensions
    # An extension two languages share is the first's by id: py is python's, not python-ml's.
    assert language_for_code("py") == "python"


def test_the_piston_readme_request_runs_unchanged_or_names_the_missing_runtime(router):
    """Its language is JavaScript: it runs once a JavaScript runner is deployed; until then the
    answer says what is missing."""
    answer = router.call("POST", "/api/v2/execute", PISTON_README_REQUEST)
    known = {name for recipe in catalogue().recipes for name in (recipe.id, *recipe.aliases)}
    if "js" not in known:
        assert answer.status == 400 and answer.body["message"].startswith("language: unknown language 'js'")
    elif catalogue().get("js").id not in router.module.settings.runners:
        assert answer.status == 400 and "has no runner in this deployment" in answer.body["message"]
    else:
        assert answer.status == 200, answer.body
        assert answer.body["language"] == catalogue().get("js").id
        assert answer.body["run"]["code"] == 0, answer.body
        assert all(f"'{number}'" in answer.body["run"]["stdout"] for number in (1, 2, 3))


def test_a_piston_python_request_gets_pistons_response_shape(router):
    request = dict(PISTON_README_REQUEST, language="python", version="3.10.0",
                   files=[{"name": "my_cool_code.py", "content": "import sys\nprint(sys.argv[1:])"}])
    answer = router.call("POST", "/api/v2/execute", request)
    assert answer.status == 200, answer.body
    assert answer.body["language"] == "python" and answer.body["version"] == "3.12"  # the version that ran
    assert "compile" not in answer.body  # Python has no compile stage
    run = answer.body["run"]
    assert run["stdout"] == run["output"] == "['1', '2', '3']\n"
    assert run["code"] == 0 and run["signal"] is None and run["message"] is None and run["status"] is None
    assert set(run) == {"stdout", "stderr", "output", "code", "signal", "message", "status", "cpu_time", "wall_time", "memory"}


def test_piston_statuses_and_encodings(router):
    hex_file = {"content": "print('from hex')".encode().hex(), "encoding": "hex"}  # no name: the recipe's
    answer = router.call("POST", "/api/v2/execute", {"language": "py", "version": "*", "files": [hex_file]})
    assert answer.status == 200 and answer.body["run"]["stdout"] == "from hex\n"
    failing = router.call("POST", "/api/v2/execute", {"language": "python", "version": "*", "files": [{"content": "raise SystemExit(4)"}]})
    assert failing.body["run"]["status"] == "RE" and failing.body["run"]["code"] == 4
    timeout = router.call("POST", "/api/v2/execute", {"language": "python", "version": "*", "run_timeout": 200,
                                                      "files": [{"content": "while True: pass"}]})
    assert timeout.body["run"]["status"] == "TO" and timeout.body["run"]["signal"] == "SIGKILL" and timeout.body["run"]["code"] is None


def test_piston_errors_are_400_with_a_message(router):
    unknown = router.call("POST", "/api/v2/execute", dict(PISTON_README_REQUEST, language="brainfuck"))
    assert unknown.status == 400 and "unknown language 'brainfuck'" in unknown.body["message"]
    no_files = router.call("POST", "/api/v2/execute", {"language": "python", "version": "*", "files": []})
    assert no_files.status == 400 and "files" in no_files.body["message"]
    bad_hex = router.call("POST", "/api/v2/execute", {"language": "python", "files": [{"content": "zz", "encoding": "hex"}]})
    assert bad_hex.status == 400 and "files.0.content" in bad_hex.body["message"]


def test_piston_runtimes_lists_the_deployed_languages(router):
    answer = router.call("GET", "/api/v2/runtimes")
    assert answer.status == 200
    assert answer.body == [{"language": recipe.id, "version": recipe.version, "aliases": recipe.aliases}
                           for recipe in catalogue().recipes if recipe.id in router.module.settings.runners]
