"""Without the development flag (the template's default), a callback URL that is not HTTPS to a
public address is refused when the execution is submitted, with the field named: the service
must not be turned against its own network."""

import pytest


@pytest.mark.parametrize("url, reason", [
    ("http://127.0.0.1:8080/hook", "https"),
    ("https://127.0.0.1/hook", "loopback"),
    ("https://localhost/hook", "not a public address"),  # refused after DNS resolution
    ("https://10.0.0.7/hook", "private"),
    ("https://169.254.169.254/latest/meta-data/", "link-local"),
    ("https://[::ffff:192.168.0.1]/hook", "private"),
    ("https://user:secret@example.com/hook", "userinfo"),
])
def test_a_callback_to_a_non_public_or_plain_http_address_is_refused(router, url, reason):
    answer = router.call("POST", "/v1/executions?wait=false", {"language": "python", "code": "print(1)", "callback_url": url})
    assert answer.status == 422, answer.body
    (field,) = answer.body["fields"]
    assert field["field"] == "callback_url" and reason in field["message"], field
