"""RAPID's own log: how each invocation went, as RAPID saw it.

RAPID's invoke endpoint (aws-lambda-rie) is coarser than Lambda's Invoke API: it answers 200 both
for a `/response` and an `/error`, drops the answer's headers, and answers 502 when the runtime
exited, even after it had answered. Its log says what happened. RAPID writes it to its stderr, a
pipe of the environment's own; the runtime's output goes to RAPID's stdout, so no program can write
a line here. RAPID runs with `--log-level debug`; these lines of the pinned binary are read:

    INIT RTDONE(status: <status>)       the init is over: the runtime asked for work, or failed
    API request - POST .../init/error   the runtime reported an init error (the header names its type)
    INVOKE START(requestId: <id>)       the invocation has begun (after the init, if it was due)
    Sending Error Response: <type>      before an answer: the runtime's answer is an error (/error,
                                        too large, or none: it exited)
    Await runtime ready                 the runtime's answer was taken; RAPID waits for its /next
    Process runtime-<n> exited: <why>   the runtime exited
    Reset initiated: Timeout            the invocation ran out of time

Lines that are not RAPID's (bwrap's errors, a Go panic) and RAPID's warnings and errors go to the
environment's log sink; the rest only to Python's logging, at debug level.
"""

import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .logs import LineSplitter

log = logging.getLogger(__name__)

_LINE = re.compile(r"\d\d \w{3} \d{4} [\d:,]+ \[(?P<level>[A-Z]+)\] \(rapid\) (?P<message>.*)")
_EXITED = re.compile(r"Process runtime-\d+ exited: (?P<reason>.*)")
_INIT_DONE = re.compile(r"INIT RTDONE\(status: (?P<status>\w+)\)")
_INIT_ERROR_TYPE = re.compile(r"API request - POST /2018-06-01/runtime/init/error, .*Lambda-Runtime-Function-Error-Type:\[(?P<type>[A-Za-z0-9._]{1,64})\]")
_QUIET_LEVELS = ("DEBUG", "INFO")
# RAPID's answer to the environment's request that starts the init (RuntimeProcess.start_init).
_PRIMING_ERROR = "Failed to parse X-Amz-Cognito-Identity header"


@dataclass
class InvocationEvents:
    started: bool = False
    answered: bool = False
    error: bool = False
    timed_out: bool = False


class RapidLog:
    """Reads RAPID's stderr (a non-blocking pipe) from whichever thread asks, one at a time."""

    def __init__(self, fd: int, sink: Callable[[str], None]) -> None:
        self.fd = fd
        self._sink = sink
        self._lock = threading.Lock()
        self.changed = threading.Condition(self._lock)  # notified after each read
        self._lines = LineSplitter(self._line)
        self.events = InvocationEvents()
        self.init_status: str | None = None  # "success" once the runtime asked for work, or "error"
        self.init_error_type: str | None = None  # what the runtime said its init error was
        self.initialised = False  # the runtime's init is over: it asked for work
        self.runtime_exit: str | None = None  # RAPID's words for how the runtime ended
        self.closed = False  # the pipe is at its end (RAPID is gone), or closed

    def begin_invocation(self) -> None:
        with self._lock:
            self.events = InvocationEvents()

    def drain(self) -> None:
        """Take in everything RAPID has written so far."""
        with self._lock:
            while not self.closed:
                try:
                    chunk = os.read(self.fd, 65536)
                except BlockingIOError:
                    break
                if not chunk:
                    self._lines.close()
                    self.closed = True
                    break
                self._lines.feed(chunk)
            self.changed.notify_all()

    def wait_for(self, predicate, timeout_s: float) -> bool:
        """Wait until `predicate()` holds for what has been read (the reading is another thread's)."""
        with self._lock:
            return self.changed.wait_for(predicate, timeout=max(timeout_s, 0))

    def close(self) -> None:
        """Once RAPID is gone: read what is left and close the pipe."""
        self.drain()
        with self._lock:
            self.closed = True
            os.close(self.fd)

    def _line(self, line: str) -> None:
        match = _LINE.fullmatch(line)
        if match is None:
            self._sink(line)
            return
        message = match["message"]
        if match["level"] in _QUIET_LEVELS or message.startswith(_PRIMING_ERROR):
            log.debug("RAPID: %s", message)
        else:
            self._sink(f"RAPID: {message}")
        if message.startswith("INVOKE START("):
            self.events.started = self.initialised = True
        elif done := _INIT_DONE.fullmatch(message):
            self.init_status = done["status"]
            self.initialised = self.initialised or done["status"] == "success"
        elif reported := _INIT_ERROR_TYPE.match(message):
            self.init_error_type = reported["type"]
        elif message.startswith("Sending Error Response") and not self.events.answered:
            self.events.error = True  # after an answer, it is RAPID's own, for the runtime's exit
        elif message == "Await runtime ready":
            self.events.answered = True
        elif message == "Reset initiated: Timeout":
            self.events.timed_out = True
        elif exited := _EXITED.fullmatch(message):
            self.runtime_exit = exited["reason"]
