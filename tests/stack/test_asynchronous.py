"""Asynchronous executions through the whole stack: queued by the router, run by the dispatcher,
stored in the table (moto), read back by their tenant only, delivered to a callback URL signed
with the tenant's secret, submitted once per Idempotency-Key, and gone once expired."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from glimpse.callbacks import SIGNATURE_HEADER, verify_signature
from glimpse_local.stack import LocalStack
from stack_helpers import KEYS, ROOT, call

SLOW = "import time\ntime.sleep(1.5)\nprint('done')"


def poll(stack, execution_id: str, key=KEYS["async"], timeout_s: float = 60) -> tuple[list[str], dict]:
    """The states seen while polling, and the finished document."""
    seen, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = call(stack.url, "GET", f"/v1/executions/{execution_id}", key=key)
        assert answer.status == 200, answer.body
        if answer.body["status"] not in ("queued", "running"):
            return seen, answer.body
        if not seen or seen[-1] != answer.body["status"]:
            seen.append(answer.body["status"])
        time.sleep(0.1)
    raise AssertionError(f"{execution_id} did not finish; seen {seen}")


def test_a_submission_is_queued_runs_and_its_result_is_read_back_by_its_tenant_only(stack):
    submitted = call(stack.url, "POST", "/v1/executions?wait=false", {"language": "python", "code": SLOW}, key=KEYS["async"])
    assert submitted.status == 202, submitted.body
    execution_id = submitted.body["id"]
    assert submitted.body["status"] == "queued" and submitted.headers["location"] == f"/v1/executions/{execution_id}"
    assert submitted.body["location"] == submitted.headers["location"]
    seen, result = poll(stack, execution_id)
    assert "running" in seen
    assert result["id"] == execution_id and result["status"] == "ok" and result["run"]["stdout"] == "done\n"
    stranger = call(stack.url, "GET", f"/v1/executions/{execution_id}", key=KEYS["other"])
    assert stranger.status == 404 and stranger.body["error"] == "not_found"
    assert call(stack.url, "GET", "/v1/executions/no-such-execution", key=KEYS["async"]).status == 404


def test_a_retried_submission_with_the_same_idempotency_key_gets_the_first_execution(stack):
    body = {"language": "python", "code": "import random\nprint(random.random())"}
    headers = {"Idempotency-Key": "order-42"}
    first = call(stack.url, "POST", "/v1/executions?wait=false", body, key=KEYS["async"], headers=headers)
    again = call(stack.url, "POST", "/v1/executions?wait=false", body, key=KEYS["async"], headers=headers)
    assert first.status == again.status == 202 and first.body["id"] == again.body["id"]
    other_body = call(stack.url, "POST", "/v1/executions?wait=false", body | {"stdin": "x"}, key=KEYS["async"], headers=headers)
    assert other_body.status == 422 and other_body.body["fields"][0]["field"] == "Idempotency-Key"
    other_tenant = call(stack.url, "POST", "/v1/executions?wait=false", body, key=KEYS["other"], headers=headers)
    assert other_tenant.status == 202 and other_tenant.body["id"] != first.body["id"]  # keys are per tenant
    # Synchronously: the retry answers the first run's result (a random number printed once).
    sync = {"Idempotency-Key": "sync-7"}
    ran = call(stack.url, "POST", "/v1/executions", body, key=KEYS["async"], headers=sync)
    retried = call(stack.url, "POST", "/v1/executions", body, key=KEYS["async"], headers=sync)
    assert ran.status == retried.status == 200 and ran.body["run"]["stdout"] == retried.body["run"]["stdout"]
    assert ran.body["id"] == retried.body["id"]


class Receiver(ThreadingHTTPServer):
    """A callback receiver on 127.0.0.1 that fails its first `failures` deliveries with a 500."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.deliveries: list[tuple[dict, bytes]] = []
        self.delivered = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append(({name.lower(): value for name, value in self.headers.items()}, body))
                status = 500 if len(receiver.deliveries) <= receiver.failures else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if status == 204:
                    receiver.delivered.set()

            def log_message(self, *_args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


def test_the_result_is_delivered_to_the_callback_signed_and_retried_after_an_error(stack):
    receiver = Receiver(failures=1)
    try:
        submitted = call(stack.url, "POST", "/v1/executions?wait=false",
                         {"language": "python", "code": "print(6 * 7)", "callback_url": receiver.url}, key=KEYS["callbacks"])
        assert submitted.status == 202, submitted.body
        assert receiver.delivered.wait(30), receiver.deliveries
    finally:
        receiver.shutdown()
    secret = call(stack.url, "GET", "/v1/callback-secret", key=KEYS["callbacks"]).body["secret"]
    (failed_headers, _), (headers, body) = receiver.deliveries
    assert (failed_headers["glimpse-delivery-attempt"], headers["glimpse-delivery-attempt"]) == ("1", "2")
    assert headers["glimpse-execution-id"] == submitted.body["id"]
    assert verify_signature(secret, headers[SIGNATURE_HEADER.lower()], body)
    assert not verify_signature(secret, headers[SIGNATURE_HEADER.lower()], body.replace(b"42", b"43"))
    other_secret = call(stack.url, "GET", "/v1/callback-secret", key=KEYS["other"]).body["secret"]
    assert other_secret != secret and not verify_signature(other_secret, headers[SIGNATURE_HEADER.lower()], body)
    document = json.loads(body)
    assert document["id"] == submitted.body["id"] and document["run"]["stdout"] == "42\n"


def test_a_callback_needs_an_asynchronous_execution(stack):
    answer = call(stack.url, "POST", "/v1/executions", {"language": "python", "code": "print(1)", "callback_url": "https://example.com/x"},
                  key=KEYS["callbacks"])
    assert answer.status == 422 and answer.body["fields"][0]["field"] == "callback_url"


TTL_S = 5


@pytest.fixture(scope="module")
def short_lived():
    """A stack keeping results TTL_S seconds, with warm environments for what the test uses only
    (a cold start on a busy machine could outlast the TTL before the result is in)."""
    with LocalStack(ROOT, keys=[KEYS["async"]], port=0, warm=0, parameters={"ResultsTtlSeconds": str(TTL_S)}) as running:
        running.prewarm({"AuthorizerFunction": 1, "RouterFunction": 1, "DispatcherFunction": 1, "RunnerPythonFunction": 1})
        yield running


def test_an_expired_execution_is_gone(short_lived):
    submitted = call(short_lived.url, "POST", "/v1/executions?wait=false", {"language": "python", "code": "print(1)"}, key=KEYS["async"])
    assert submitted.status == 202, submitted.body
    _, result = poll(short_lived, submitted.body["id"])
    finished = time.monotonic()  # the result is kept TTL_S seconds from when it was stored, just before
    assert result["status"] == "ok"
    time.sleep(max(0.0, finished + TTL_S + 1 - time.monotonic()))
    assert call(short_lived.url, "GET", f"/v1/executions/{submitted.body['id']}", key=KEYS["async"]).status == 404
