"""Callback delivery against real receivers on 127.0.0.1: no other network."""

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import BaseModel, ValidationError

from glimpse.callbacks import (
    ALLOW_LOOPBACK_CONTEXT,
    BACKOFF_CAP_S,
    CallbackRefused,
    CallbackUrl,
    check_callback_url,
    deliver,
    forbidden_reason,
    loopback_allowed,
    signature_header,
    tenant_secret,
    verify_signature,
    vet_callback_url,
)

SECRET = tenant_secret(b"m" * 32, "tenant-a")
BODY = json.dumps({"id": "exec-1", "status": "accepted", "stdout": "h\u00e9llo\n"}).encode()


class Receiver:
    """An HTTP(S) server on 127.0.0.1 answering POSTs with scripted replies (the last repeats)
    and recording what it received."""

    def __init__(self, replies=((200, {}),), tls: ssl.SSLContext | None = None):
        self.replies = list(replies)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, headers = receiver.replies.pop(0) if len(receiver.replies) > 1 else receiver.replies[0]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    started = []

    def start(*replies, tls=None):
        receiver = Receiver(replies or ((200, {}),), tls=tls)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.close()


class Clock:
    """A monotonic clock that only sleeping advances; records each sleep."""

    def __init__(self):
        self.now = 1_000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def fake_resolver(*answers):
    """A getaddrinfo that answers the next list of addresses at each call (the last repeats)."""
    calls = []

    def resolve(host, port, family=0, type=0, proto=0, flags=0):
        answer = answers[min(len(calls), len(answers) - 1)]
        calls.append(host)
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
            for address in answer
        ]

    resolve.calls = calls
    return resolve


def send(url, *, clock=None, **options):
    clock = clock or Clock()
    options.setdefault("allow_loopback", True)
    return deliver(url, BODY, secret=SECRET, execution_id="exec-1", clock=clock, sleep=clock.sleep, **options)


# --- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://example.com/hook", "must use https"),
        ("ftp://example.com/hook", "must use https"),
        ("https://user:pass@example.com/hook", "userinfo"),
        ("https://user@example.com/hook", "userinfo"),
        ("https://example.com/hook#part", "fragment"),
        ("https://example.com/" + "a" * 2048, "at most 2048"),
        ("https:///hook", "must have a host"),
        ("https://example.com:0/", "invalid port"),
        ("https://example.com:70000/", "invalid port"),
        ("https://exa mple.com/", "spaces"),
        ("https://example.com/\nHost: x", "control"),
        ("https://b\u00fccher.example/", "ASCII"),
        ("https://example.com\\@evil.com/", "backslash"),
        ("https://under_score.example/", "not a valid host name"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://127.8.9.10:8443/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://10.1.2.3/", "private"),
        ("https://172.16.0.1/", "private"),
        ("https://192.168.1.1/", "private"),
        ("https://100.64.0.1/", "shared address space"),
        ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("https://169.254.1.1/", "link-local"),
        ("https://[fe80::1]/", "link-local"),
        ("https://[fd00::1]/", "private"),
        ("https://0.0.0.0/", "unspecified"),
        ("https://224.0.0.1/", "multicast"),
        ("https://[::ffff:127.0.0.1]/", "IPv4-mapped, embedding 127.0.0.1: loopback"),
        ("https://[::ffff:169.254.169.254]/", "IPv4-mapped, embedding 169.254.169.254"),
        ("https://[::ffff:a00:1]/", "IPv4-mapped, embedding 10.0.0.1: private"),
        ("https://[64:ff9b::a9fe:a9fe]/", "NAT64, embedding 169.254.169.254"),
        ("https://[2002:a00:1::1]/", "6to4, embedding 10.0.0.1: private"),
        ("https://[::127.0.0.1]/", "reserved"),
        ("https://127.1/", "neither a host name nor a dotted IPv4 address"),
        ("https://2130706433/", "neither a host name nor a dotted IPv4 address"),
        ("https://0x7f.0x1/", "neither a host name nor a dotted IPv4 address"),
        ("https://[fe80::1%25eth0]/", "zone index"),
    ],
)
def test_refused_urls_say_why(url, words):
    with pytest.raises(CallbackRefused, match=None) as refused:
        check_callback_url(url)
    assert words in str(refused.value)
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/hook",
        "https://Hooks.Example.com:8443/a/b?c=d&e=%20f",
        "https://8.8.8.8/hook",
        "https://[2606:4700::1111]/hook",
        "https://[::ffff:8.8.8.8]/hook",
        "https://xn--bcher-kva.example/",
        "https://example.com./",
    ],
)
def test_accepted_urls(url):
    assert check_callback_url(url) == url


def test_the_development_flag_allows_loopback_only():
    assert check_callback_url("http://127.0.0.1:8080/hook", allow_loopback=True)
    assert check_callback_url("https://[::1]:8443/hook", allow_loopback=True)
    assert check_callback_url("http://localhost:8080/hook", allow_loopback=True)  # checked once resolved
    for url, words in [
        ("http://8.8.8.8/hook", "only to loopback"),
        ("https://10.0.0.1/", "private"),
        ("https://169.254.169.254/", "cloud metadata"),
        ("https://[::ffff:127.0.0.1]/", "IPv4-mapped"),  # loopback in disguise stays refused
        ("http://user:pw@127.0.0.1/", "userinfo"),
    ]:
        with pytest.raises(CallbackRefused) as refused:
            check_callback_url(url, allow_loopback=True)
        assert words in str(refused.value)


def test_the_flag_is_read_from_the_environment_only_when_true():
    assert loopback_allowed({"GLIMPSE_CALLBACKS_ALLOW_LOOPBACK": "true"})
    assert loopback_allowed({"GLIMPSE_CALLBACKS_ALLOW_LOOPBACK": "TRUE"})
    assert not loopback_allowed({"GLIMPSE_CALLBACKS_ALLOW_LOOPBACK": "1"})
    assert not loopback_allowed({})


def test_a_pydantic_field_refuses_with_the_reason_and_takes_the_flag_from_the_context():
    class Request(BaseModel):
        callback_url: CallbackUrl | None = None

    assert Request(callback_url="https://example.com/hook").callback_url == "https://example.com/hook"
    assert Request().callback_url is None
    with pytest.raises(ValidationError) as caught:
        Request(callback_url="http://127.0.0.1:9000/hook")
    (error,) = caught.value.errors()
    assert error["loc"] == ("callback_url",)
    assert "must use https" in error["msg"]
    allowed = Request.model_validate({"callback_url": "http://127.0.0.1:9000/hook"}, context={ALLOW_LOOPBACK_CONTEXT: True})
    assert allowed.callback_url == "http://127.0.0.1:9000/hook"


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "127.0.0.1", "169.254.169.254", "100.127.255.255", "255.255.255.255", "240.0.0.1", "198.18.0.1",
     "192.0.2.1", "::", "::1", "ff02::1", "fec0::1", "fc00::1", "::ffff:192.168.0.1", "64:ff9b::7f00:1",
     "64:ff9b:1::a00:1", "2002:7f00:1::", "2001:0:4136:e378:8000:63bf:f5ff:fffe", "2001:db8::1"],
)
def test_addresses_that_are_not_public_are_forbidden(address):
    assert forbidden_reason(address) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])
def test_public_addresses_are_allowed(address):
    assert forbidden_reason(address) is None


def test_a_name_resolving_to_loopback_is_refused_without_the_flag():
    with pytest.raises(CallbackRefused, match="resolves to 127.0.0.1, not a public address"):
        vet_callback_url("https://localhost/hook")
    assert "127.0.0.1" in vet_callback_url("http://localhost/hook", allow_loopback=True)


def test_a_name_is_refused_if_any_of_its_addresses_is_not_public():
    resolve = fake_resolver(["8.8.8.8", "10.0.0.7"])
    with pytest.raises(CallbackRefused, match="10.0.0.7"):
        vet_callback_url("https://hooks.example.com/", resolve=resolve)
    assert vet_callback_url("https://hooks.example.com/", resolve=fake_resolver(["8.8.8.8", "2606:4700::1111"])) == [
        "8.8.8.8",
        "2606:4700::1111",
    ]


def test_http_to_a_name_needs_every_address_on_loopback_even_with_the_flag():
    with pytest.raises(CallbackRefused, match="must use https"):
        vet_callback_url("http://hooks.example.com/", allow_loopback=True, resolve=fake_resolver(["8.8.8.8"]))


def test_a_name_that_does_not_resolve_is_refused():
    def resolve(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(CallbackRefused, match="does not resolve"):
        vet_callback_url("https://nowhere.invalid/", resolve=resolve)


# --- Signatures ------------------------------------------------------------------------------


def test_tenant_secrets_are_derived_from_the_master_per_tenant():
    import hashlib
    import hmac

    master = bytes(range(32))
    secret = tenant_secret(master, "tenant-a")
    assert secret == hmac.new(master, b"glimpse-callback:tenant-a", hashlib.sha256).hexdigest()
    assert len(secret) == 64 and tenant_secret(master, "tenant-a") == secret
    assert tenant_secret(master, "tenant-b") != secret
    with pytest.raises(ValueError, match="at least 32 bytes"):
        tenant_secret(b"short", "tenant-a")


def test_signatures_verify_only_for_the_same_body_secret_and_a_recent_time():
    header = signature_header(SECRET, BODY, 1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify_signature(SECRET, header, BODY, now=1_700_000_000)
    assert verify_signature(SECRET.encode(), header, BODY, now=1_700_000_299)
    assert not verify_signature(SECRET, header, BODY + b" ", now=1_700_000_000)
    assert not verify_signature(tenant_secret(b"m" * 32, "tenant-b"), header, BODY, now=1_700_000_000)
    assert not verify_signature(SECRET, header, BODY, now=1_700_000_301)  # stale
    assert not verify_signature(SECRET, header, BODY, now=1_699_999_699)  # from the future
    assert verify_signature(SECRET, header, BODY, tolerance_s=3600, now=1_700_001_000)


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", "t=1700000000", "v1=abc", "t=abc,v1=abc", "t=-5,v1=abc", "t=1700000000,t=1700000000,v1=x", "t=1700000000,v1=\u00e9"],
)
def test_malformed_signature_headers_are_false_not_errors(header):
    assert verify_signature(SECRET, header, BODY, now=1_700_000_000) is False


def test_any_v1_may_match_during_a_rotation():
    good = signature_header(SECRET, BODY, 1_700_000_000).split(",")[1]
    assert verify_signature(SECRET, f"t=1700000000,v1={'0' * 64},{good}", BODY, now=1_700_000_000)


# --- Delivery --------------------------------------------------------------------------------


def test_a_delivery_arrives_intact_and_signed(receivers):
    receiver = receivers((204, {}))
    before = int(time.time())
    result = send(f"http://127.0.0.1:{receiver.port}/hooks/glimpse?x=1")
    assert result.delivered and result.attempts == 1 and result.last_status == 204 and result.last_error is None
    (request,) = receiver.requests
    assert request["path"] == "/hooks/glimpse?x=1"
    assert request["body"] == BODY
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "Glimpse-Callbacks/1"
    assert headers["Glimpse-Execution-Id"] == "exec-1"
    assert headers["Glimpse-Delivery-Attempt"] == "1"
    assert headers["Host"] == f"127.0.0.1:{receiver.port}"
    signature = headers["Glimpse-Signature"]
    assert verify_signature(SECRET, signature, request["body"])
    timestamp = int(signature.split(",")[0].removeprefix("t="))
    assert before <= timestamp <= time.time()
    assert not verify_signature(SECRET, signature, request["body"].replace(b"accepted", b"wrong_answer"))
    assert not verify_signature(tenant_secret(b"m" * 32, "tenant-b"), signature, request["body"])
    assert not verify_signature(SECRET, signature, request["body"], now=timestamp + 301)


def test_loopback_is_refused_without_the_flag_and_nothing_is_sent(receivers):
    receiver = receivers()
    for url in (f"http://127.0.0.1:{receiver.port}/", f"https://localhost:{receiver.port}/"):
        result = send(url, allow_loopback=False)
        assert not result.delivered and result.last_error.startswith("refused: ")
        assert result.attempts <= 1
    assert receiver.requests == []


def test_server_errors_are_retried_with_growing_jittered_backoff(receivers):
    receiver = receivers((500, {}), (503, {}), (200, {}))
    clock = Clock()
    result = send(f"http://127.0.0.1:{receiver.port}/", clock=clock, rng=lambda: 0.999)
    assert result.delivered and result.attempts == 3 and result.last_status == 200
    assert [attempt.status for attempt in result.history] == [500, 503, 200]
    assert [request["headers"]["Glimpse-Delivery-Attempt"] for request in receiver.requests] == ["1", "2", "3"]
    assert all(verify_signature(SECRET, r["headers"]["Glimpse-Signature"], r["body"]) for r in receiver.requests)
    first, second = clock.sleeps
    assert 0 <= first <= 1 and 1 < second <= 2 and second > first
    assert [attempt.wait_s for attempt in result.history] == [round(first, 3), round(second, 3), None]


def test_backoff_is_full_jitter_and_capped(receivers):
    receiver = receivers((503, {}))
    clock = Clock()
    result = send(f"http://127.0.0.1:{receiver.port}/", clock=clock, budget_s=600)
    assert not result.delivered and result.attempts == len(clock.sleeps) + 1
    for number, wait in enumerate(clock.sleeps, start=1):
        assert 0 <= wait < min(BACKOFF_CAP_S, 2 ** (number - 1))
    assert sum(clock.sleeps) < 600


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_client_errors_are_not_retried(receivers, status):
    receiver = receivers((status, {}), (200, {}))
    clock = Clock()
    result = send(f"http://127.0.0.1:{receiver.port}/", clock=clock)
    assert not result.delivered and result.attempts == 1 and result.last_status == status
    assert result.last_error == f"HTTP {status}"
    assert clock.sleeps == [] and len(receiver.requests) == 1


@pytest.mark.parametrize("status", [408, 429, 502, 504])
def test_timeouts_rate_limits_and_gateway_errors_are_retried(receivers, status):
    receiver = receivers((status, {}), (200, {}))
    result = send(f"http://127.0.0.1:{receiver.port}/")
    assert result.delivered and result.attempts == 2


def test_redirects_are_failures_and_not_followed(receivers):
    receiver = receivers((302, {"Location": "/elsewhere"}), (200, {}))
    result = send(f"http://127.0.0.1:{receiver.port}/hook")
    assert not result.delivered and result.attempts == 1 and result.last_status == 302
    assert "redirects are not followed" in result.last_error
    assert [request["path"] for request in receiver.requests] == ["/hook"]


def test_an_exhausted_budget_gives_up_with_every_attempt_listed(receivers):
    receiver = receivers((503, {}))
    clock = Clock()
    result = send(f"http://127.0.0.1:{receiver.port}/", clock=clock, budget_s=10, rng=lambda: 0.999)
    # Waits of ~1, ~2 and ~4 s fit in 10 s; the next, ~8 s, would not.
    assert not result.delivered and result.attempts == 4 and len(receiver.requests) == 4
    assert [attempt.status for attempt in result.history] == [503] * 4
    assert [attempt.number for attempt in result.history] == [1, 2, 3, 4]
    assert result.last_status == 503 and "exceed the 10 s budget" in result.last_error
    assert sum(clock.sleeps) < 10


def test_retry_after_is_honoured(receivers):
    receiver = receivers((429, {"Retry-After": "7"}), (200, {}))
    clock = Clock()
    result = send(f"http://127.0.0.1:{receiver.port}/", clock=clock, rng=lambda: 0.0)
    assert result.delivered and result.attempts == 2 and clock.sleeps == [7]


def test_retry_after_as_an_http_date_is_honoured(receivers):
    from email.utils import formatdate

    receiver = receivers((503, {"Retry-After": formatdate(time.time() + 30, usegmt=True)}), (200, {}))
    clock = Clock()
    result = send(f"http://127.0.0.1:{receiver.port}/", clock=clock, rng=lambda: 0.0)
    assert result.delivered and 28 <= clock.sleeps[0] <= 31


def test_retry_after_beyond_the_budget_gives_up(receivers):
    receiver = receivers((429, {"Retry-After": "3600"}), (200, {}))
    clock = Clock()
    result = send(f"http://127.0.0.1:{receiver.port}/", clock=clock, budget_s=60)
    assert not result.delivered and result.attempts == 1 and clock.sleeps == []
    assert "Retry-After 3600 s would exceed the 60 s budget" in result.last_error


def test_a_retry_after_of_zero_still_backs_off(receivers):
    receiver = receivers((429, {"Retry-After": "0"}), (200, {}))
    clock = Clock()
    assert send(f"http://127.0.0.1:{receiver.port}/", clock=clock, rng=lambda: 0.5).delivered
    assert clock.sleeps == [0.5]


def test_connection_errors_are_retried():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    clock = Clock()
    result = send(f"http://127.0.0.1:{port}/", clock=clock, budget_s=5, rng=lambda: 0.999)
    assert not result.delivered and result.attempts == 3
    assert {attempt.error for attempt in result.history} == {"connection refused"}


def test_an_attempt_is_bounded_even_by_a_receiver_that_trickles():
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.is_set():  # one header byte every 50 ms, for ever
                    try:
                        connection.sendall(b"X")
                    except OSError:
                        break
                    time.sleep(0.05)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        result = send(f"http://127.0.0.1:{listener.getsockname()[1]}/", budget_s=0.5, attempt_timeout_s=0.3, rng=lambda: 0.999)
        assert time.monotonic() - started < 3
        assert not result.delivered and result.attempts == 1 and result.last_error.startswith("timed out")
    finally:
        stop.set()
        listener.close()


def test_a_2xx_is_delivered_whatever_its_body():
    """Only a few KiB of a body are read, and a broken one does not undo the status."""
    listener = socket.create_server(("127.0.0.1", 0))

    def answer():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 10_000)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        result = send(f"http://127.0.0.1:{listener.getsockname()[1]}/", budget_s=0.5, rng=lambda: 0.999)
        assert result.delivered and result.attempts == 1 and result.last_status == 200
    finally:
        thread.join(5)
        listener.close()


def test_delivery_connects_to_the_vetted_address_and_sends_the_name_as_host(receivers, monkeypatch):
    """The name is resolved once per attempt; the connection goes to that vetted address, never
    to a second answer (as a rebinding resolver would give)."""
    receiver = receivers((500, {}), (200, {}))
    resolve = fake_resolver(["127.0.0.1"], ["127.0.0.1"], ["169.254.169.254"])
    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    result = send(f"http://hooks.glimpse.test:{receiver.port}/hook", rng=lambda: 0.0)
    assert result.delivered and result.attempts == 2
    assert resolve.calls == ["hooks.glimpse.test", "hooks.glimpse.test"]  # once per attempt, nothing else
    assert [request["headers"]["Host"] for request in receiver.requests] == [f"hooks.glimpse.test:{receiver.port}"] * 2


def test_a_name_that_rebinds_between_attempts_is_refused_at_the_next_one(receivers):
    receiver = receivers((500, {}), (200, {}))
    resolve = fake_resolver(["127.0.0.1"], ["10.0.0.1"])
    result = send(f"http://hooks.glimpse.test:{receiver.port}/", resolve=resolve, rng=lambda: 0.0)
    assert not result.delivered and result.attempts == 2 and len(receiver.requests) == 1
    assert result.last_error == "refused: host hooks.glimpse.test resolves to 10.0.0.1, not a public address (private)"


def test_a_name_resolving_anywhere_private_is_never_contacted(receivers):
    receiver = receivers()
    resolve = fake_resolver(["8.8.8.8", "127.0.0.1"])
    result = send(f"https://hooks.example.com:{receiver.port}/", resolve=resolve, allow_loopback=False)
    assert not result.delivered and result.attempts == 1 and "127.0.0.1" in result.last_error
    assert receiver.requests == []


def test_failures_never_raise():
    def broken(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    clock = Clock()
    result = send("https://hooks.example.com/", resolve=broken, clock=clock, budget_s=2.5, rng=lambda: 0.999)
    assert not result.delivered and result.attempts == 2
    assert result.history[0].error.startswith("name resolution failed")
    assert send("not a url").last_error.startswith("refused: ")


# --- HTTPS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for hooks.glimpse.test."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
         "-subj", "/CN=hooks.glimpse.test", "-addext", "subjectAltName=DNS:hooks.glimpse.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_receiver(receivers, certificate):
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    names = []
    server_context.sni_callback = lambda sock, name, context: names.append(name)
    receiver = receivers((200, {}), tls=server_context)
    receiver.sni_names = names
    return receiver


def test_https_sends_the_name_for_sni_and_checks_the_certificate_against_it(receivers, certificate):
    receiver = tls_receiver(receivers, certificate)
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    resolve = fake_resolver(["127.0.0.1"])
    result = send(f"https://hooks.glimpse.test:{receiver.port}/hook", resolve=resolve, ssl_context=trusting)
    assert result.delivered, result.last_error
    assert receiver.sni_names == ["hooks.glimpse.test"]
    (request,) = receiver.requests
    assert request["headers"]["Host"] == f"hooks.glimpse.test:{receiver.port}"
    assert verify_signature(SECRET, request["headers"]["Glimpse-Signature"], request["body"])


def test_https_refuses_a_certificate_for_another_name(receivers, certificate):
    receiver = tls_receiver(receivers, certificate)
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    result = send(
        f"https://other.glimpse.test:{receiver.port}/", resolve=fake_resolver(["127.0.0.1"]), ssl_context=trusting, budget_s=0.5, rng=lambda: 0.999
    )
    assert not result.delivered and result.attempts == 1
    assert result.last_error.startswith("TLS certificate not accepted")
    assert receiver.requests == []


def test_https_by_default_trusts_only_the_system_authorities(receivers, certificate):
    receiver = tls_receiver(receivers, certificate)
    result = send(f"https://hooks.glimpse.test:{receiver.port}/", resolve=fake_resolver(["127.0.0.1"]), budget_s=0.5, rng=lambda: 0.999)
    assert not result.delivered and result.last_error.startswith("TLS certificate not accepted")
    assert receiver.requests == []
