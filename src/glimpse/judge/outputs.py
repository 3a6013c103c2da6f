"""The tests' outputs in a judge answer (`return_outputs`), within the answer's room for them."""

from __future__ import annotations

import json

from glimpse.models import TestResult
from glimpse.sandbox import Outcome, encode


class ReturnedOutputs:
    """The tests' outputs in the answer, up to a number of characters of JSON text in all (what
    the answer really carries: control characters and non-ASCII are escaped, binary is base64).
    A test whose outputs do not fit has none, and its message says so."""

    def __init__(self, max_chars: int):
        self.left = max_chars

    def attach(self, result: TestResult, outcome: Outcome) -> None:
        stdout, stdout_encoding = encode(outcome.stdout, outcome.measured.truncated)
        stderr, stderr_encoding = encode(outcome.stderr, outcome.measured.truncated)
        size = len(json.dumps(stdout)) + len(json.dumps(stderr))
        if size > self.left:
            self.left = 0  # later tests' outputs would come back in a haphazard order of sizes
            note = "outputs not returned: the answer's room for test outputs is used up"
            result.message = f"{result.message}; {note}" if result.message else note
            return
        self.left -= size
        result.stdout, result.stdout_encoding, result.stderr, result.stderr_encoding = stdout, stdout_encoding, stderr, stderr_encoding
