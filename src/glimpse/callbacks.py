"""Callback delivery: a finished result POSTed, signed, to the URL its caller gave (docs/callbacks.md).

A callback URL is chosen by a tenant, so it is hostile: the service must not be turned against
its own network (SSRF). A URL is checked twice. When it is accepted (`CallbackUrl`,
`check_callback_url`), without DNS: HTTPS only, a host name or a public IP literal, no userinfo,
no fragment. When it is delivered to (`deliver`), every attempt resolves the name once, refuses
it if ANY address is not public, and connects to a vetted address itself, with the name only in
the Host header and, for HTTPS, in SNI and the certificate check: no second lookup, so no window
for DNS rebinding.

Delivery never raises: it retries for a bounded time and answers a `DeliveryResult`.
`CallbackRefused` is raised only when a URL is checked, for the API's 4xx.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import http.client
import ipaddress
import os
import random
import re
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ValidationInfo

__all__ = [
    "ALLOW_LOOPBACK_CONTEXT",
    "ALLOW_LOOPBACK_VARIABLE",
    "SIGNATURE_HEADER",
    "CallbackRefused",
    "CallbackUrl",
    "DeliveryAttempt",
    "DeliveryResult",
    "check_callback_url",
    "deliver",
    "forbidden_reason",
    "loopback_allowed",
    "signature_header",
    "tenant_secret",
    "verify_signature",
    "vet_callback_url",
]

MAX_URL_CHARS = 2048
USER_AGENT = "Glimpse-Callbacks/1"
SIGNATURE_HEADER = "Glimpse-Signature"
ALLOW_LOOPBACK_VARIABLE = "GLIMPSE_CALLBACKS_ALLOW_LOOPBACK"
# The validation context key that lets `CallbackUrl` accept loopback (development only).
ALLOW_LOOPBACK_CONTEXT = "callbacks_allow_loopback"

BACKOFF_BASE_S = 1.0
BACKOFF_FACTOR = 2.0
BACKOFF_CAP_S = 60.0
ATTEMPT_TIMEOUT_S = 10.0
BUDGET_S = 15 * 60.0  # the dispatcher Lambda's timeout (15 minutes at most) bounds it anyway
RESPONSE_READ_BYTES = 4096  # read, then discarded
MIN_MASTER_SECRET_BYTES = 32

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052's well-known prefix: the IPv4 address is the last 32 bits
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598, carrier-grade NAT
_RETRIED_STATUSES = {408, 429}
_RETRY_AFTER_STATUSES = {429, 503}


class CallbackRefused(ValueError):
    """A callback URL that is invalid or points where the service must not send requests."""


def loopback_allowed(environ: Mapping[str, str] = os.environ) -> bool:
    """The development flag: GLIMPSE_CALLBACKS_ALLOW_LOOPBACK=true. Never set it in a deployment."""
    return environ.get(ALLOW_LOOPBACK_VARIABLE, "").strip().lower() == "true"


# --- Addresses ------------------------------------------------------------------------------


def _forbidden_ipv4(ip: ipaddress.IPv4Address) -> str | None:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local, the cloud metadata address" if ip == ipaddress.IPv4Address("169.254.169.254") else "link-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip in _SHARED:
        return "shared address space (100.64.0.0/10)"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "not globally routable"
    return None


def forbidden_reason(address: str, *, allow_loopback: bool = False) -> str | None:
    """Why the service must not connect to `address`, or None if it is a public address.

    With `allow_loopback`, 127.0.0.0/8 and ::1 themselves are allowed (not their IPv4-mapped,
    NAT64 or other disguises)."""
    ip = ipaddress.ip_address(address)
    if allow_loopback and ip.is_loopback:
        return None
    if isinstance(ip, ipaddress.IPv4Address):
        return _forbidden_ipv4(ip)
    if ip.scope_id:
        return "scoped (zone index)"
    # IPv6 forms that embed an IPv4 address: the embedded address decides, so that a private
    # IPv4 address is refused in every disguise.
    embedded: ipaddress.IPv4Address | None = None
    form = ""
    if ip.ipv4_mapped is not None:
        embedded, form = ip.ipv4_mapped, "IPv4-mapped"
    elif ip in _NAT64:
        embedded, form = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), "NAT64"
    elif ip.sixtofour is not None:
        embedded, form = ip.sixtofour, "6to4"
    elif ip.teredo is not None:
        server, client = ip.teredo
        for part in (client, server):
            reason = _forbidden_ipv4(part)
            if reason:
                return f"Teredo, embedding {part}: {reason}"
        return "Teredo"  # obsolete tunnelling: refused whatever it embeds
    if embedded is not None:
        reason = _forbidden_ipv4(embedded)
        return f"{form}, embedding {embedded}: {reason}" if reason else None
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_site_local:
        return "site-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"  # includes the deprecated IPv4-compatible ::a.b.c.d
    if ip.is_private:
        return "private"  # includes unique local fc00::/7 and the local-use NAT64 prefix
    if not ip.is_global:
        return "not globally routable"
    return None


# --- URLs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # lower case; an IPv6 literal without brackets
    port: int
    target: str  # path and query, as sent in the request line
    literal: bool  # the host is an IP address

    @property
    def https(self) -> bool:
        return self.scheme == "https"


def _parse(url: str, allow_loopback: bool) -> _Target:
    if not isinstance(url, str):
        raise CallbackRefused("must be a string")
    if len(url) > MAX_URL_CHARS:
        raise CallbackRefused(f"must be at most {MAX_URL_CHARS} characters")
    if not url.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise CallbackRefused("must be ASCII without spaces or control characters (percent-encode the rest, punycode the host)")
    if "\\" in url:
        raise CallbackRefused("must not contain a backslash")
    if "#" in url:
        raise CallbackRefused("must not have a fragment")
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise CallbackRefused("must use https")
    if scheme == "http" and not allow_loopback:
        raise CallbackRefused("must use https")
    if "@" in parts.netloc:
        raise CallbackRefused("must not contain userinfo (user:password@)")
    host = parts.hostname or ""
    if not host:
        raise CallbackRefused("must have a host")
    try:
        port = parts.port
    except ValueError:
        raise CallbackRefused("has an invalid port") from None
    if port == 0:
        raise CallbackRefused("has an invalid port")
    if port is None:
        port = 443 if scheme == "https" else 80

    literal = True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        literal = False
    if literal:
        if "%" in host:
            raise CallbackRefused("must not use an IPv6 zone index")
        reason = forbidden_reason(host, allow_loopback=allow_loopback)
        if reason:
            raise CallbackRefused(f"host {host} is not a public address ({reason})")
        if scheme == "http" and not address.is_loopback:
            raise CallbackRefused("must use https (http is allowed only to loopback addresses, in development)")
    else:
        if parts.netloc.rsplit("@", 1)[-1].startswith("["):
            raise CallbackRefused(f"host [{host}] is not an IP address")
        name = host[:-1] if host.endswith(".") else host
        labels = name.split(".")
        if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
            raise CallbackRefused(f"host {host!r} is not a valid host name")
        # "127.1", "2130706433", "0x7f.1": resolvers read these as IPv4 addresses.
        if labels[-1].isdigit() or labels[-1].startswith("0x"):
            raise CallbackRefused(f"host {host!r} is neither a host name nor a dotted IPv4 address")
        host = name
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return _Target(scheme, host, port, target, literal)


def check_callback_url(url: str, *, allow_loopback: bool = False) -> str:
    """The URL if it may be accepted, before any DNS lookup; otherwise `CallbackRefused` says why.

    HTTPS only, a host name or a public IP literal, an optional port, no userinfo, no fragment,
    at most 2048 characters. `allow_loopback` (development only) also accepts http:// and
    loopback literals; a host name is checked after resolution (`vet_callback_url`, `deliver`)."""
    _parse(url, allow_loopback)
    return url


def _validate_field(url: str, info: ValidationInfo) -> str:
    allow = bool(info.context and info.context.get(ALLOW_LOOPBACK_CONTEXT))
    return check_callback_url(url, allow_loopback=allow)


# A pydantic field type. Loopback is refused unless validation is given the development flag:
# `Model.model_validate(data, context={ALLOW_LOOPBACK_CONTEXT: loopback_allowed()})`.
CallbackUrl = Annotated[str, AfterValidator(_validate_field)]


Resolver = Callable[..., list]


def _resolve(target: _Target, resolve: Resolver | None) -> list[str]:
    """The addresses of the target's host, in the resolver's order, without duplicates.
    Raises OSError (socket.gaierror) if the name does not resolve."""
    if target.literal:
        return [target.host]
    resolve = resolve or socket.getaddrinfo
    infos = resolve(target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses: list[str] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6) and sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, "no IPv4 or IPv6 address")
    return addresses


def _vet(target: _Target, addresses: list[str], allow_loopback: bool) -> None:
    for address in addresses:
        reason = forbidden_reason(address, allow_loopback=allow_loopback)
        if reason:
            raise CallbackRefused(f"host {target.host} resolves to {address}, not a public address ({reason})")
        if target.scheme == "http" and not ipaddress.ip_address(address).is_loopback:
            raise CallbackRefused(f"must use https (host {target.host} resolves to {address}, not a loopback address)")


def vet_callback_url(url: str, *, allow_loopback: bool = False, resolve: Resolver | None = None) -> list[str]:
    """Checks the URL, resolves its host and answers the addresses, all of them vetted.

    `CallbackRefused` if the URL is refused, if ANY address is not public, or if the name does
    not resolve. For an early 4xx in the API; `deliver` does the same again at each attempt."""
    target = _parse(url, allow_loopback)
    try:
        addresses = _resolve(target, resolve)
    except OSError as error:
        raise CallbackRefused(f"host {target.host} does not resolve ({error})") from None
    _vet(target, addresses, allow_loopback)
    return addresses


# --- Connections to a vetted address ---------------------------------------------------------


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    """A TCP connection to the first vetted address that answers. The addresses are literals,
    so nothing here resolves a name."""
    error: OSError | None = None
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.connect((address, port))
            return sock
        except OSError as caught:
            sock.close()
            error = caught
    assert error is not None
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a vetted address; `host` serves only the Host header."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a vetted address; `host` is the Host header, the SNI name and the name the
    certificate must match."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float, context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self.addresses = addresses

    def connect(self) -> None:
        # Set before the handshake too, so that an attempt's timeout can end a slow handshake.
        self.sock = _connect(self.addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


# --- Signatures -----------------------------------------------------------------------------


def tenant_secret(master_secret: bytes, tenant_id: str) -> str:
    """A tenant's signing secret: hex HMAC-SHA256(master, "glimpse-callback:" + tenant_id).

    The dispatcher holds only the master secret and derives each tenant's; a tenant learns its
    own (for example from the API) and verifies with it, as `secret.encode()`."""
    if len(master_secret) < MIN_MASTER_SECRET_BYTES:
        raise ValueError(f"the master secret must be at least {MIN_MASTER_SECRET_BYTES} bytes")
    if not tenant_id:
        raise ValueError("a tenant id is required")
    return hmac.new(master_secret, b"glimpse-callback:" + tenant_id.encode(), hashlib.sha256).hexdigest()


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def _digest(secret: str | bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(_key(secret), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """The Glimpse-Signature value: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify_signature(
    secret: str | bytes, header: str | None, body: bytes, tolerance_s: float = 300, now: float | None = None
) -> bool:
    """True if `header` signs exactly `body` with `secret` and its timestamp is within
    `tolerance_s` of `now` (either way). Any v1 may match (several during a secret's rotation).
    Never raises: a malformed header is False."""
    if not header or not isinstance(body, bytes | bytearray):
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            if timestamp is not None or not value.isdigit() or len(value) > 12:
                return False
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = _digest(secret, timestamp, bytes(body))
    return any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in candidates if candidate.isascii())


# --- Delivery -------------------------------------------------------------------------------


class DeliveryAttempt(BaseModel):
    """One attempt: its number (from 1), the status answered or the error, how long it took and
    how long delivery waited after it (None after the last)."""

    number: int
    status: int | None = None
    error: str | None = None
    duration_ms: int
    wait_s: float | None = None


class DeliveryResult(BaseModel):
    delivered: bool
    attempts: int
    last_status: int | None = None
    last_error: str | None = None
    history: list[DeliveryAttempt]


def backoff_s(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Full jitter: uniform in [0, min(cap, base * factor ** (attempt - 1))) after attempt `attempt`."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * BACKOFF_FACTOR ** (attempt - 1))
    return rng() * ceiling


def _retry_after_s(value: str | None, now: float) -> float | None:
    """Retry-After as seconds to wait: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


class _Abort:
    """Ends an attempt that outlives its timeout: each socket operation has its own timeout, so
    a receiver sending one byte at a time could otherwise hold an attempt indefinitely."""

    def __init__(self, connection: http.client.HTTPConnection, timeout: float):
        self.connection = connection
        self.fired = False
        self.timer = threading.Timer(timeout, self._fire)
        self.timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        sock = self.connection.sock
        if sock is not None:
            try:
                # socket.socket's own shutdown: an SSLSocket's would drop its TLS state under
                # the thread that is reading.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Abort:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted: {error.verify_message or error}"
    if isinstance(error, ssl.SSLError):
        return f"TLS error: {error.reason or error}"
    if isinstance(error, socket.gaierror):
        return f"name resolution failed: {error.strerror or error}"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, http.client.HTTPException):
        return f"invalid HTTP response: {type(error).__name__}"
    return f"{type(error).__name__}: {error}"


def deliver(
    url: str,
    body: bytes,
    *,
    secret: str | bytes,
    execution_id: str,
    allow_loopback: bool = False,
    budget_s: float = BUDGET_S,
    attempt_timeout_s: float = ATTEMPT_TIMEOUT_S,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    resolve: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryResult:
    """POSTs `body` (a JSON document) to `url`, signed with `secret`, until a 2xx or until
    `budget_s` has passed. Never raises for a failed delivery.

    Retried: connection errors and timeouts, 408, 429 and 5xx, after a full-jitter exponential
    backoff (1 s, x2, capped at 60 s), and for 429 and 503 not before their Retry-After (delivery
    gives up if that is beyond the budget). Not retried: a refused URL or address, 3xx
    (redirects are not followed), other 4xx. Each attempt resolves the host once, vets every
    address and connects to a vetted one, within `attempt_timeout_s` (and the budget left).
    `clock` and `sleep` measure and spend the budget (inject both in tests); `wall_clock` dates
    signatures; `rng` draws the jitter."""
    started = clock()
    history: list[DeliveryAttempt] = []
    last_status: int | None = None
    last_error: str | None = None
    delivered = False
    context = ssl_context
    try:
        target = _parse(url, allow_loopback)
    except CallbackRefused as refused:
        return DeliveryResult(delivered=False, attempts=0, last_error=f"refused: {refused}", history=[])

    number = 0
    while True:
        number += 1
        remaining = budget_s - (clock() - started)
        attempt_started = time.monotonic()
        status, error, retry, retry_after = None, None, True, None
        try:
            addresses = _resolve(target, resolve)
            _vet(target, addresses, allow_loopback)
            timeout = max(0.001, min(attempt_timeout_s, remaining))
            if target.https:
                if context is None:
                    context = ssl.create_default_context()
                connection = _PinnedHTTPSConnection(target.host, target.port, addresses, timeout, context)
            else:
                connection = _PinnedHTTPConnection(target.host, target.port, addresses, timeout)
            timestamp = int(wall_clock())
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Glimpse-Execution-Id": execution_id,
                "Glimpse-Delivery-Attempt": str(number),
                SIGNATURE_HEADER: signature_header(secret, body, timestamp),
                "Connection": "close",
            }
            try:
                with _Abort(connection, timeout) as abort:
                    try:
                        connection.request("POST", target.target, body=body, headers=headers)
                        response = connection.getresponse()
                    except (OSError, http.client.HTTPException):
                        if abort.fired:
                            raise TimeoutError from None
                        raise
                    # A socket shut down by the timeout reads as an end of file, which can end
                    # the headers of a response: that is a timeout too, not an answer.
                    if abort.fired:
                        raise TimeoutError
                    status = response.status
                    retry_after_header = response.getheader("Retry-After")
                    try:
                        response.read(RESPONSE_READ_BYTES)  # and discarded: the status is the answer
                    except (OSError, http.client.HTTPException):
                        pass
            finally:
                connection.close()
        except CallbackRefused as refused:
            error, retry = f"refused: {refused}", False
        except (OSError, http.client.HTTPException) as caught:
            error = _describe(caught)
        except ValueError as invalid:  # a header or host http.client or ssl will not send
            error, retry = f"invalid request: {invalid}", False
        else:
            if 200 <= status < 300:
                delivered, retry = True, False
            elif 300 <= status < 400:
                error, retry = f"HTTP {status}: redirects are not followed", False
            elif status in _RETRIED_STATUSES or status >= 500:
                error = f"HTTP {status}"
                if status in _RETRY_AFTER_STATUSES:
                    retry_after = _retry_after_s(retry_after_header, wall_clock())
            else:
                error, retry = f"HTTP {status}", False
        attempt = DeliveryAttempt(
            number=number, status=status, error=error, duration_ms=round((time.monotonic() - attempt_started) * 1000)
        )
        history.append(attempt)
        last_status, last_error = status, error
        if not retry:
            break
        remaining = budget_s - (clock() - started)
        # Never sooner than Retry-After asks, nor than the backoff allows (a Retry-After: 0
        # must not turn retries into a flood).
        wait = backoff_s(number, rng)
        if retry_after is not None:
            wait = max(wait, retry_after)
        if wait >= remaining:
            if retry_after is not None and retry_after >= remaining:
                why = f"Retry-After {retry_after:g} s"
            else:
                why = f"the next attempt (in {wait:.1f} s)"
            last_error = f"{error}; gave up: {why} would exceed the {budget_s:g} s budget"
            break
        attempt.wait_s = round(wait, 3)
        sleep(wait)
    return DeliveryResult(
        delivered=delivered, attempts=len(history), last_status=last_status, last_error=last_error, history=history
    )
