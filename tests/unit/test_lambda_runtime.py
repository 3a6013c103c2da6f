"""The runner's runtime loop's answers: what the handler returns, Lambda's error document when it
cannot be (the loop's exchanges with RAPID itself are tested under RAPID, tests/runner)."""

import json

from glimpse.lambda_runtime import MAX_ANSWER_BYTES, Invocation, _answer_body

INVOCATION = Invocation(request_id="id-1", event=b'{"x": 1}', deadline_ms=0, function_arn="arn", trace_id=None, tenant_id=None)


def test_the_handlers_answer_is_sent_as_compact_json():
    body, healthy = _answer_body(lambda event, context: {"seen": event, "id": context.aws_request_id}, INVOCATION)
    assert json.loads(body) == {"seen": {"x": 1}, "id": "id-1"} and b" " not in body
    assert healthy


def test_a_failing_handler_is_answered_with_lambdas_error_document_and_ends_the_runtime():
    def fail(event, context):
        raise ValueError("a bug")

    body, healthy = _answer_body(fail, INVOCATION)
    assert json.loads(body) == {"errorType": "ValueError", "errorMessage": "a bug"}
    assert not healthy


def test_an_answer_over_lambdas_limit_is_replaced_by_an_error_document():
    body, healthy = _answer_body(lambda event, context: "x" * MAX_ANSWER_BYTES, INVOCATION)
    assert json.loads(body)["errorType"] == "Function.ResponseSizeTooLarge"
    assert len(body) < 1000 and healthy
