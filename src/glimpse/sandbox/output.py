"""Capped capture of a program's output, and its honest encoding in the result."""

from __future__ import annotations

import base64
import json


class CappedBuffer:
    """Keeps at most `cap` bytes; anything beyond is counted as overflow and dropped at once, so
    a program printing forever costs a bounded amount of memory."""

    def __init__(self, cap: int):
        self.cap = cap
        self._chunks: list[bytes] = []
        self._size = 0
        self.overflowed = False

    def feed(self, data: bytes) -> None:
        room = self.cap - self._size
        if len(data) > room:
            self.overflowed = True
            data = data[:room]
        if data:
            self._chunks.append(data)
            self._size += len(data)

    def getvalue(self) -> bytes:
        return b"".join(self._chunks)


# Output up to this size is sent as text whatever JSON escaping makes of it: the answer stays small.
_ALWAYS_TEXT_BYTES = 256 * 1024


def encode(data: bytes, truncated: bool) -> tuple[str, str]:
    """Return (text, encoding): the bytes as UTF-8 text when they are UTF-8, else base64 of the
    exact bytes. A multi-byte character cut in two by truncation does not make output binary.

    Large text that JSON escaping would more than double (control characters become six bytes
    each, "\u0001") goes as base64 too: two full streams of it would otherwise exceed Lambda's
    6 MB response and lose the whole result. Ordinary text, accented or not, stays text."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if not (truncated and error.reason == "unexpected end of data"):
            return base64.b64encode(data).decode("ascii"), "base64"
        text = data[: error.start].decode("utf-8")
    if len(data) > _ALWAYS_TEXT_BYTES and len(json.dumps(text)) > 2 * len(data):
        return base64.b64encode(data).decode("ascii"), "base64"
    return text, "utf8"
