"""Just enough HTTP/1.1 for the Runtime API: requests with a Content-Length body, keep-alive.

Runtime clients (awslambdaric's libcurl, http.client, urllib) send exactly that. Chunked request
bodies (Lambda's response streaming) are refused with 501.
"""

import http
import json
from dataclasses import dataclass

MAX_HEAD_BYTES = 64 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class MalformedRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    oversized: bool  # the body was longer than the reader's limit and was discarded
    keep_alive: bool


@dataclass
class _Head:
    method: str
    path: str
    headers: dict[str, str]
    keep_alive: bool
    length: int
    continue_sent: bool = False


class RequestReader:
    """Parses one connection's bytes, as they come, into whole requests."""

    def __init__(self, max_body_bytes: int) -> None:
        self._buffer = bytearray()
        self._head: _Head | None = None
        self._max_body = max_body_bytes
        self._discarded = 0  # bytes of an oversized body dropped so far

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next_request(self) -> tuple[Request | None, bytes]:
        """The next whole request (or None yet), and bytes to send first (a 100 Continue)."""
        if self._head is None:
            self._head = self._read_head()
            if self._head is None:
                return None, b""
        head = self._head
        interim = b""
        if head.length > self._max_body:
            return self._skip_oversized_body(head), b""
        if len(self._buffer) < head.length:
            if not head.continue_sent and head.headers.get("expect", "").lower() == "100-continue":
                head.continue_sent, interim = True, CONTINUE
            return None, interim
        body = bytes(self._buffer[: head.length])
        del self._buffer[: head.length]
        self._head = None
        return Request(head.method, head.path, head.headers, body, False, head.keep_alive), interim

    def _skip_oversized_body(self, head: _Head) -> Request | None:
        # Read the body to its end without keeping it, so the client sees our answer afterwards.
        taken = min(len(self._buffer), head.length - self._discarded)
        del self._buffer[:taken]
        self._discarded += taken
        if self._discarded < head.length:
            return None
        self._head, self._discarded = None, 0
        return Request(head.method, head.path, head.headers, b"", True, head.keep_alive)

    def _read_head(self) -> _Head | None:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise MalformedRequest(431, "request head too large")
            return None
        text = bytes(self._buffer[:end]).decode("latin-1")
        del self._buffer[: end + 4]
        request_line, *header_lines = text.split("\r\n")
        try:
            method, target, version = request_line.split(" ")
        except ValueError:
            raise MalformedRequest(400, f"bad request line {request_line!r}") from None
        headers = _parse_headers(header_lines)
        if "transfer-encoding" in headers:
            raise MalformedRequest(501, "chunked request bodies are not supported")
        return _Head(method, target, headers, _keep_alive(version, headers), _content_length(headers))


def _parse_headers(lines: list[str]) -> dict[str, str]:
    headers = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise MalformedRequest(400, f"bad header line {line!r}")
        headers[name.lower()] = value.strip()
    return headers


def _keep_alive(version: str, headers: dict[str, str]) -> bool:
    connection = headers.get("connection", "").lower()
    if version == "HTTP/1.1":
        return connection != "close"
    if version == "HTTP/1.0":
        return connection == "keep-alive"
    raise MalformedRequest(505, f"unsupported version {version!r}")


def _content_length(headers: dict[str, str]) -> int:
    value = headers.get("content-length", "0")
    if not value.isdigit():
        raise MalformedRequest(400, f"bad Content-Length {value!r}")
    return int(value)


def response(status: int, body: bytes = b"", headers: tuple[tuple[str, str], ...] = (), *, close: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def json_response(status: int, document: dict, *, close: bool = False) -> bytes:
    # As RAPID renders it: JSON with a trailing newline.
    body = (json.dumps(document, separators=(",", ":")) + "\n").encode()
    return response(status, body, (("Content-Type", "application/json"),), close=close)
