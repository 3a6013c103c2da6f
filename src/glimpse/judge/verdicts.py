"""Judge mode's verdicts: how a test's output is compared with what was expected, what each test
is called, and the overall status. Pure functions of bytes and statuses; nothing here runs.

Every input is hostile and large (a run's stdout up to its `output_bytes`, an expected output up
to 1 MiB), so each comparison is linear in the bytes and holds at most one split copy of each.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from glimpse.models import DEFAULT_FLOAT_TOLERANCE, Compare, Status

# What `trim` ignores at the end of a line: ASCII horizontal whitespace and the CR of a CRLF.
LINE_END_WHITESPACE = b" \t\r\v\f"
# A decimal number as contest checkers read one: no hex, no "inf" or "nan", no digit separators
# (Python's float() would accept all three); those are compared as plain tokens.
NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def outputs_match(expected: bytes, actual: bytes, mode: Compare, tolerance: float = DEFAULT_FLOAT_TOLERANCE) -> bool:
    """Whether a run's stdout is the expected output, as `mode` reads both."""
    if mode == Compare.EXACT:
        return actual == expected
    if mode == Compare.TRIM:
        return _trimmed_lines(actual) == _trimmed_lines(expected)
    if mode == Compare.TOKENS:
        return actual.split() == expected.split()
    if mode == Compare.FLOAT:
        wanted, got = expected.split(), actual.split()
        return len(wanted) == len(got) and all(_tokens_match(want, have, tolerance) for want, have in zip(wanted, got))
    raise ValueError(f"unknown comparison {mode!r}")


def _trimmed_lines(data: bytes) -> list[bytes]:
    """The lines without trailing whitespace, and without the blank lines at the end."""
    lines = [line.rstrip(LINE_END_WHITESPACE) for line in data.split(b"\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _tokens_match(expected: bytes, actual: bytes, tolerance: float) -> bool:
    """Equal tokens; or two finite numbers within `tolerance`, absolute or relative to the
    expected value (|a - e| <= tolerance, or |a - e| <= tolerance * |e|)."""
    if expected == actual:
        return True
    if not (NUMBER.fullmatch(expected) and NUMBER.fullmatch(actual)):
        return False
    wanted, got = float(expected), float(actual)
    if not (math.isfinite(wanted) and math.isfinite(got)):
        return False  # beyond a double's range (1e999): only the same token is the same number
    difference = abs(got - wanted)
    return difference <= tolerance or difference <= tolerance * abs(wanted)


def verdict(run_status: Status, expected: bytes, stdout: bytes, mode: Compare, tolerance: float) -> Status:
    """A test's verdict: a run that ended by itself with exit code 0 is judged on its output; any
    other run keeps its own status (runtime_error, time_limit, memory_limit, output_limit...)."""
    if run_status != Status.OK:
        return run_status
    return Status.ACCEPTED if outputs_match(expected, stdout, mode, tolerance) else Status.WRONG_ANSWER


def overall_status(test_statuses: Iterable[Status]) -> Status:
    """The first failing test's status, or accepted when every test was. Tests skipped after a
    failure (stop_on_first_failure) only ever follow the failure that decides."""
    for status in test_statuses:
        if status not in (Status.ACCEPTED, Status.SKIPPED):
            return status
    return Status.ACCEPTED
