"""Judge0 CE's API at the router: its routes, fields, statuses and errors, with real runners behind.
Judge0's own SDK runs against the whole stack in tests/stack/test_peer_clients.py."""

import base64
import io
import re
import stat
import time
import zipfile

import pytest

# The 39 keys Judge0's SDK requires of GET /config_info (judge0 0.0.8, base_types.Config).
CONFIG_KEYS = {
    "allow_enable_network", "allow_enable_per_process_and_thread_memory_limit", "allow_enable_per_process_and_thread_time_limit",
    "allowed_languages_for_compile_options", "callbacks_max_tries", "callbacks_timeout", "cpu_extra_time", "cpu_time_limit",
    "enable_additional_files", "enable_batched_submissions", "enable_callbacks", "enable_command_line_arguments",
    "enable_compiler_options", "enable_network", "enable_per_process_and_thread_memory_limit",
    "enable_per_process_and_thread_time_limit", "enable_submission_delete", "enable_wait_result", "maintenance_mode",
    "max_cpu_extra_time", "max_cpu_time_limit", "max_extract_size", "max_file_size", "max_max_file_size",
    "max_max_processes_and_or_threads", "max_memory_limit", "max_number_of_runs", "max_processes_and_or_threads",
    "max_queue_size", "max_stack_limit", "max_submission_batch_size", "max_wall_time_limit", "memory_limit", "number_of_runs",
    "redirect_stderr_to_stdout", "stack_limit", "submission_cache_duration", "use_docs_as_homepage", "wall_time_limit",
}
PYTHON, C = 71, 50


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def unb64(value: str | None) -> str | None:
    return None if value is None else base64.b64decode(value).decode()


def run(router, body: dict, *, fields: str = "*", **options):
    """POST /submissions?wait=true with base64 fields, as Judge0's clients send them."""
    encoded = {name: b64(value) if name in ("source_code", "stdin", "expected_output") else value for name, value in body.items()}
    return router.call("POST", f"/submissions?base64_encoded=true&wait=true&fields={fields}", encoded, **options)


def zipped(*entries: tuple[str, bytes], link: str | None = None) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return base64.b64encode(buffer.getvalue()).decode()


def test_languages_are_listed_by_judge0s_ids_and_names(router):
    languages = router.call("GET", "/languages")
    assert languages.status == 200
    by_id = {language["id"]: language["name"] for language in languages.body}
    assert {PYTHON, C, 52, 54, 60, 62, 63, 74, 78} <= set(by_id)
    assert by_id[PYTHON] == "Python (3.12)"
    assert [language["name"] for language in languages.body] == sorted(language["name"] for language in languages.body)
    every = router.call("GET", "/languages/all").body
    assert {language["id"] for language in every} == set(by_id) and not any(language["is_archived"] for language in every)
    one = router.call("GET", f"/languages/{PYTHON}")
    assert one.status == 200 and one.body["source_file"] == "main.py" and one.body["name"] == "Python (3.12)"
    assert router.call("GET", "/languages/70").status == 404  # Judge0's Python 2: not run here


def test_statuses_about_and_config_are_what_judge0s_clients_read(router):
    statuses = router.call("GET", "/statuses").body
    assert [status["id"] for status in statuses] == list(range(1, 15))
    assert statuses[2] == {"id": 3, "description": "Accepted"}
    assert router.call("GET", "/about").body["version"] == "1.13.1"
    config = router.call("GET", "/config_info").body
    assert CONFIG_KEYS <= set(config)
    assert config["max_submission_batch_size"] == 20 and config["max_memory_limit"] == 2048 * 1024
    assert config["enable_compiler_options"] and {"C", "C++"} <= set(config["allowed_languages_for_compile_options"])
    assert set(router.call("GET", "/system_info").body) >= {"Architecture", "CPU(s)"}


def test_a_submission_waited_for_is_accepted_with_its_output_base64_encoded(router):
    answer = run(router, {"source_code": "print(input()[::-1])", "language_id": PYTHON, "stdin": "olleh"}, fields="")
    assert answer.status == 201, answer.body
    assert set(answer.body) == {"token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"}
    assert unb64(answer.body["stdout"]) == "hello\n" and answer.body["stderr"] is None
    assert answer.body["status"] == {"id": 3, "description": "Accepted"}
    assert float(answer.body["time"]) >= 0 and answer.body["memory"] > 0


def test_a_queued_submission_is_polled_by_its_token_with_every_field(router):
    created = router.call("POST", "/submissions?base64_encoded=true&wait=false",
                          {"source_code": b64("print('hi')"), "language_id": PYTHON, "cpu_time_limit": 2.0, "memory_limit": 64000.0})
    assert created.status == 201 and set(created.body) == {"token"}, created.body
    token = created.body["token"]
    deadline = time.monotonic() + 60
    while True:
        polled = router.call("GET", f"/submissions/{token}?base64_encoded=true&fields=*")
        assert polled.status == 200, polled.body
        if polled.body["status"]["id"] not in (1, 2) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    document = polled.body
    assert document["status"]["id"] == 3 and unb64(document["stdout"]) == "hi\n"
    assert document["token"] == token and document["language_id"] == PYTHON and document["language"]["id"] == PYTHON
    assert document["cpu_time_limit"] == "2.0" and document["memory_limit"] == 63 * 1024
    for stamp in (document["created_at"], document["finished_at"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
    assert document["source_code"] is None  # the code is not kept once it ran


def test_expected_output_gives_accepted_or_wrong_answer(router):
    program = "print(int(input()) * 2)"
    accepted = run(router, {"source_code": program, "language_id": PYTHON, "stdin": "21", "expected_output": "42\n"})
    wrong = run(router, {"source_code": program, "language_id": PYTHON, "stdin": "21", "expected_output": "41"})
    assert accepted.body["status"]["id"] == 3 and unb64(accepted.body["stdout"]) == "42\n"
    assert wrong.body["status"] == {"id": 4, "description": "Wrong Answer"} and unb64(wrong.body["stdout"]) == "42\n"


def test_a_compile_error_a_time_limit_and_runtime_errors_get_judge0s_statuses(router):
    compile_error = run(router, {"source_code": "int main( { return 0; }", "language_id": C})
    assert compile_error.body["status"]["id"] == 6 and "error" in unb64(compile_error.body["compile_output"])
    assert compile_error.body["stdout"] is None and compile_error.body["time"] is None
    endless = run(router, {"source_code": "while True: pass", "language_id": PYTHON, "cpu_time_limit": 1})
    assert endless.body["status"] == {"id": 5, "description": "Time Limit Exceeded"}
    nonzero = run(router, {"source_code": "import sys; sys.exit(3)", "language_id": PYTHON})
    assert nonzero.body["status"]["id"] == 11 and nonzero.body["exit_code"] == 3
    segfault = run(router, {"source_code": "int main(void) { return *(volatile int *)0; }", "language_id": C})
    assert segfault.body["status"]["id"] == 7 and segfault.body["exit_signal"] == 11
    flood = run(router, {"source_code": "print('x' * 100000)", "language_id": PYTHON, "max_file_size": 1})
    assert flood.body["status"]["id"] == 8  # SIGXFSZ: Judge0's own answer to output past max_file_size


def test_arguments_stderr_redirection_and_plain_text_fields(router):
    program = "import sys; print(sys.argv[1:]); print('oops', file=sys.stderr)"
    answer = run(router, {"source_code": program, "language_id": PYTHON, "command_line_arguments": "a 'b c'",
                          "redirect_stderr_to_stdout": True})
    assert unb64(answer.body["stdout"]) == "['a', 'b c']\noops\n" and answer.body["stderr"] is None
    plain = router.call("POST", "/submissions?wait=true", {"source_code": "print('é')", "language_id": PYTHON})
    assert plain.status == 201 and plain.body["stdout"] == "é\n"
    binary = router.call("POST", "/submissions?wait=true",
                         {"source_code": "import sys; sys.stdout.buffer.write(b'\\xff')", "language_id": PYTHON})
    assert binary.status == 400 and "base64_encoded=true" in binary.body["error"]


def test_compiler_options_from_the_languages_allowlist_reach_the_compiler(router):
    program = '#include <stdio.h>\nint main(void) { printf("%d %ld\\n", ANSWER, __STDC_VERSION__); return 0; }'
    answer = run(router, {"source_code": program, "language_id": C, "compiler_options": "-O0 -std=c99 -DANSWER=42"})
    assert answer.body["status"]["id"] == 3 and unb64(answer.body["stdout"]) == "42 199901\n", answer.body


def test_java_pasted_with_its_own_public_class_name_runs(router):
    program = "public final class Doors {\n    public static void main(String[] args) { System.out.println(\"open\"); }\n}\n"
    answer = run(router, {"source_code": program, "language_id": 62, "expected_output": "open"})
    assert answer.body["status"]["id"] == 3, answer.body


def test_additional_files_sit_beside_the_source(router):
    files = zipped(("helper.py", b"WORD = 'from the zip'\n"), ("main.py", b"print('the zip must not win')\n"))
    answer = run(router, {"source_code": "import helper; print(helper.WORD)", "language_id": PYTHON, "additional_files": files})
    assert answer.body["status"]["id"] == 3 and unb64(answer.body["stdout"]) == "from the zip\n"


@pytest.mark.parametrize(("body", "field"), [
    ({"source_code": "print(1)", "language_id": 9999}, "language_id"),
    ({"source_code": "!!not base64!!", "language_id": PYTHON}, "source_code"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "stdin": "***"}, "stdin"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "colour": "blue"}, "colour"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "memory_limit": 4_000_000}, "memory_limit"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "cpu_time_limit": 3600}, "cpu_time_limit"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "number_of_runs": 3}, "number_of_runs"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "enable_network": True}, "enable_network"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "command_line_arguments": "'unclosed"}, "command_line_arguments"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "compiler_options": "-O2"}, "compiler_options"),
    ({"source_code": b64("int main(void){}"), "language_id": C, "compiler_options": "-O2 -o /tmp/elsewhere"}, "compiler_options"),
    ({"source_code": b64("int main(void){}"), "language_id": C, "compiler_options": "-fplugin=/tmp/x.so"}, "compiler_options"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "additional_files": b64("not a zip")}, "additional_files"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "additional_files": zipped(("../escape.py", b"x"))}, "additional_files"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "additional_files": zipped(link="passwd")}, "additional_files"),
    ({"source_code": b64("print(1)"), "language_id": PYTHON, "additional_files": zipped(("zeros", bytes(3 * 1024 * 1024)))},
     "additional_files"),
])
def test_a_bad_field_is_a_422_naming_it_and_nothing_is_queued(router, body, field):
    answer = router.call("POST", "/submissions?base64_encoded=true&wait=false", body)
    assert answer.status == 422, answer.body
    assert field in answer.body and isinstance(answer.body[field], list) and answer.body[field][0], answer.body
    assert "token" not in answer.body


def test_tokens_are_the_keys_own_and_a_finished_submission_can_be_deleted(router):
    token = run(router, {"source_code": "print(1)", "language_id": PYTHON}).body["token"]
    assert router.call("GET", f"/submissions/{token}", api_key_id="anotherkey9").status == 404
    assert router.call("GET", f"/submissions/{token}?fields=stdout,nonsense").status == 400
    deleted = router.call("DELETE", f"/submissions/{token}")
    assert deleted.status == 200 and unb64(deleted.body["stdout"]) == "1\n"
    assert router.call("GET", f"/submissions/{token}").status == 404


def test_a_batch_queues_each_valid_item_and_names_each_bad_one(router):
    items = [{"source_code": b64(f"print({number})"), "language_id": PYTHON} for number in range(3)]
    items.insert(1, {"source_code": b64("print(1)"), "language_id": 9999})
    created = router.call("POST", "/submissions/batch?base64_encoded=true", {"submissions": items})
    assert created.status == 201, created.body
    assert "language_id" in created.body[1] and all("token" in created.body[index] for index in (0, 2, 3))
    tokens = ",".join(created.body[index]["token"] for index in (0, 2, 3))
    deadline = time.monotonic() + 60
    while True:
        batch = router.call("GET", f"/submissions/batch?tokens={tokens}&base64_encoded=true&fields=stdout,status")
        statuses = [item["status"]["id"] for item in batch.body["submissions"]]
        if all(status not in (1, 2) for status in statuses) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [unb64(item["stdout"]) for item in batch.body["submissions"]] == ["0\n", "1\n", "2\n"]
    assert router.call("POST", "/submissions/batch", {"submissions": []}).status == 422
