"""Queued submissions at the router: the caller's own id is kept, and never given twice."""


def test_a_submission_keeps_the_callers_id_and_a_second_one_with_it_is_refused(router):
    body = {"id": "nightly-build-17", "language": "python", "code": "print(1)"}
    first = router.call("POST", "/v1/executions?wait=false", body)
    assert first.status == 202 and first.body["id"] == "nightly-build-17", first.body
    assert first.headers["Location"].endswith("/v1/executions/nightly-build-17")
    again = router.call("POST", "/v1/executions?wait=false", body)
    assert again.status == 422 and again.body["fields"][0]["field"] == "id"
