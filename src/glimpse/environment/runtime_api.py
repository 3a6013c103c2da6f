"""Lambda's Runtime API, the runtime-facing half of RAPID, for one life of an environment.

It is served by the sandbox's loop thread through a selector (callbacks below, all on that thread);
the environment dispatches invocations and waits for their answers from its own thread. Whatever
both threads touch is read and written under `condition`. Status codes and error documents are
RAPID's: 202 {"status":"OK"}, 400 InvalidRequestID, 403 InvalidStateTransition, 413
RequestEntityTooLarge.
"""

import functools
import os
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import http11

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100  # RAPID's interop.MaxPayloadSize

_API = "/2018-06-01/runtime"
_NEXT = f"{_API}/invocation/next"
_INIT_ERROR = f"{_API}/init/error"
_ANSWER = re.compile(rf"{re.escape(_API)}/invocation/(?P<request_id>[^/]+)/(?P<kind>response|error)")

_ACCEPTED = {"status": "OK"}
_INVALID_STATE = {"errorType": "InvalidStateTransition", "errorMessage": "State transition is not allowed"}
_INVALID_REQUEST_ID = {"errorType": "InvalidRequestID", "errorMessage": "Invalid request ID"}
_TOO_LARGE = {"errorType": "RequestEntityTooLarge",
              "errorMessage": f"Exceeded maximum allowed payload size ({MAX_PAYLOAD_BYTES} bytes)."}
_NOT_FOUND = {"errorType": "NotFound", "errorMessage": "Not found"}
RESPONSE_TOO_LARGE_DOCUMENT = (
    b'{"errorMessage":"Response payload size exceeded maximum allowed payload size '
    + str(MAX_PAYLOAD_BYTES).encode() + b' bytes.","errorType":"Function.ResponseSizeTooLarge"}'
)
_RECV_BYTES = 256 * 1024


@dataclass(eq=False)
class Invocation:
    request_id: str
    payload: bytes
    headers: tuple[tuple[str, str], ...]  # sent with the event on GET /next
    answered: bool = False
    answered_at: float = 0.0  # time.monotonic()
    answer: bytes = b""
    function_error: str | None = None


@dataclass(eq=False)
class _Connection:
    sock: socket.socket
    reader: http11.RequestReader
    outbox: bytearray
    parked: bool = False  # holds a GET /next that waits for an invocation
    keep_alive: bool = True
    closing: bool = False  # close once the outbox is sent
    closed: bool = False


class RuntimeApi:
    def __init__(self, listener: socket.socket) -> None:
        self.address = "{}:{}".format(*listener.getsockname())
        self.condition = threading.Condition()
        self.polled = False  # the runtime has asked for work: its init is over
        self.idle = False  # a GET /next is waiting: the runtime is ready for the next invocation
        self.init_error: bytes | None = None
        self.exit_status: int | None = None  # bwrap's exit status, set once everything is gone
        self._listener = listener
        self._wake = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._queued: Invocation | None = None
        self._active: Invocation | None = None
        self._poller: _Connection | None = None
        self._connections: set[_Connection] = set()
        self._selector: selectors.BaseSelector | None = None

    @property
    def exited(self) -> bool:
        return self.exit_status is not None

    # --- the environment's side ---

    def dispatch(self, invocation: Invocation) -> bool:
        """Hand an invocation to the runtime's next GET /next; False if the runtime is gone."""
        with self.condition:
            if self.exited:
                return False
            self._queued = invocation
            os.eventfd_write(self._wake, 1)  # under the lock: finish() closes this fd
            return True

    def wait_until(self, predicate: Callable[[], bool], deadline: float) -> bool:
        with self.condition:
            return self.condition.wait_for(predicate, timeout=max(0.0, deadline - time.monotonic()))

    # --- the loop thread's side ---

    def register(self, selector: selectors.BaseSelector) -> None:
        self._selector = selector
        selector.register(self._listener, selectors.EVENT_READ, self._on_accept)
        selector.register(self._wake, selectors.EVENT_READ, self._on_wake)

    def finish(self, exit_status: int) -> None:
        """The runtime and everything it started are gone: close up and wake every waiter."""
        for connection in list(self._connections):
            self._close(connection)
        self._listener.close()
        with self.condition:
            self.exit_status = exit_status
            self.idle = False
            os.close(self._wake)
            self.condition.notify_all()

    def _on_accept(self, _events: int) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except BlockingIOError:
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(sock, http11.RequestReader(MAX_PAYLOAD_BYTES), bytearray())
            self._connections.add(connection)
            self._selector.register(sock, selectors.EVENT_READ, functools.partial(self._on_connection, connection))

    def _on_wake(self, _events: int) -> None:
        try:
            os.eventfd_read(self._wake)
        except BlockingIOError:
            pass
        self._deliver()

    def _on_connection(self, connection: _Connection, events: int) -> None:
        if events & selectors.EVENT_WRITE:
            self._flush(connection)
        if events & selectors.EVENT_READ and not connection.closed:
            self._receive(connection)

    def _receive(self, connection: _Connection) -> None:
        try:
            data = connection.sock.recv(_RECV_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._close(connection)
            return
        connection.reader.feed(data)
        self._serve_requests(connection)

    def _serve_requests(self, connection: _Connection) -> None:
        # A parked GET /next is answered first: HTTP/1.1 answers requests in order.
        while not connection.parked and not connection.closed:
            try:
                request, interim = connection.reader.next_request()
            except http11.MalformedRequest as error:
                self._send(connection, http11.json_response(error.status, {"errorMessage": str(error)}, close=True), close=True)
                return
            if interim:
                self._send(connection, interim)
            if request is None:
                return
            self._route(connection, request)

    def _route(self, connection: _Connection, request: http11.Request) -> None:
        if request.path == _NEXT and request.method == "GET":
            self._next(connection, request)
        elif request.path == _INIT_ERROR and request.method == "POST":
            self._reply(connection, request, *self._init_error(request))
        elif request.method == "POST" and (match := _ANSWER.fullmatch(request.path)):
            self._reply(connection, request, *self._answer(request, match["request_id"], match["kind"]))
        else:
            self._reply(connection, request, 404, _NOT_FOUND)

    def _next(self, connection: _Connection, request: http11.Request) -> None:
        with self.condition:
            # One poller at a time, and never while an invocation waits for its answer.
            allowed = self._poller is None and (self._active is None or self._active.answered)
            if allowed:
                self.polled = self.idle = True
                self._poller = connection
                connection.parked, connection.keep_alive = True, request.keep_alive
                self.condition.notify_all()
        if allowed:
            self._deliver()
        else:
            self._reply(connection, request, 403, _INVALID_STATE)

    def _deliver(self) -> None:
        with self.condition:
            invocation, connection = self._queued, self._poller
            if invocation is None or connection is None:
                return
            self._queued = self._poller = None
            self._active = invocation
            self.idle = False
        connection.parked = False
        close = not connection.keep_alive
        self._send(connection, http11.response(200, invocation.payload, invocation.headers, close=close), close=close)
        self._serve_requests(connection)

    def _answer(self, request: http11.Request, request_id: str, kind: str) -> tuple[int, dict]:
        with self.condition:
            invocation = self._active
            if invocation is None or invocation.answered:
                return 403, _INVALID_STATE
            if invocation.request_id != request_id:
                return 400, _INVALID_REQUEST_ID
            invocation.answered, invocation.answered_at = True, time.monotonic()
            if request.oversized:
                invocation.answer, invocation.function_error = RESPONSE_TOO_LARGE_DOCUMENT, "Unhandled"
            else:
                invocation.answer = request.body
                invocation.function_error = None if kind == "response" else "Unhandled"
            self.condition.notify_all()
        return (413, _TOO_LARGE) if request.oversized else (202, _ACCEPTED)

    def _init_error(self, request: http11.Request) -> tuple[int, dict]:
        with self.condition:
            if self.polled or self.init_error is not None:
                return 403, _INVALID_STATE
            self.init_error = request.body
            self.condition.notify_all()
        return 202, _ACCEPTED

    def _reply(self, connection: _Connection, request: http11.Request, status: int, document: dict) -> None:
        close = not request.keep_alive
        self._send(connection, http11.json_response(status, document, close=close), close=close)

    def _send(self, connection: _Connection, data: bytes, *, close: bool = False) -> None:
        connection.closing |= close
        if connection.closed:
            return
        connection.outbox += data
        self._flush(connection)

    def _flush(self, connection: _Connection) -> None:
        try:
            sent = connection.sock.send(connection.outbox)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._close(connection)
            return
        del connection.outbox[:sent]
        if not connection.outbox and connection.closing:
            self._close(connection)
            return
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if connection.outbox else 0)
        if self._selector.get_key(connection.sock).events != events:
            self._selector.modify(connection.sock, events, functools.partial(self._on_connection, connection))

    def _close(self, connection: _Connection) -> None:
        if connection.closed:
            return
        connection.closed = True
        self._selector.unregister(connection.sock)
        connection.sock.close()
        self._connections.discard(connection)
        with self.condition:
            if self._poller is connection:
                self._poller, self.idle = None, False
