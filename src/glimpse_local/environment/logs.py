"""The runtime's stdout and stderr, as lines for a log sink."""

import collections
import threading
from collections.abc import Callable

MAX_LINE_BYTES = 256 * 1024  # a longer line is cut, as CloudWatch cuts events at 256 KB


class LineSplitter:
    """Turns chunks read from a pipe into whole lines (decoded leniently) for `sink`."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        self._sink = sink
        self._partial = bytearray()

    def feed(self, chunk: bytes) -> None:
        self._partial += chunk
        *lines, rest = self._partial.split(b"\n")
        for line in lines:
            self._emit(line)
        self._partial = bytearray(rest)
        while len(self._partial) >= MAX_LINE_BYTES:
            self._emit(self._partial[:MAX_LINE_BYTES])
            del self._partial[:MAX_LINE_BYTES]

    def close(self) -> None:
        if self._partial:
            self._emit(self._partial)
            self._partial.clear()

    def _emit(self, line: bytes | bytearray) -> None:
        self._sink(bytes(line).decode("utf-8", errors="replace"))


class LogBuffer:
    """The default sink: the most recent lines, at most `max_chars` characters in all."""

    def __init__(self, max_chars: int = 1024 * 1024) -> None:
        self._lines: collections.deque[str] = collections.deque()
        self._chars = 0
        self._max_chars = max_chars
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            self._chars += len(line)
            while self._chars > self._max_chars:
                self._chars -= len(self._lines.popleft())

    def text(self) -> str:
        with self._lock:
            return "\n".join(self._lines)
