"""Judge mode's comparisons, verdicts and request checks: pure functions, no runner."""

import pytest
from pydantic import ValidationError

from glimpse.judge import outputs_match, overall_status, verdict
from glimpse.models import MAX_EXPECTED_BYTES, MAX_TESTS, MAX_TESTS_BYTES, Compare, ExecutionRequest, Status


@pytest.mark.parametrize(
    "expected, actual, same",
    [
        (b"3\n", b"3\n", True),
        (b"3\n", b"3", False),
        (b"3\n", b"3 \n", False),
        (b"a\nb\n", b"a\r\nb\r\n", False),
        (b"\xff\x00", b"\xff\x00", True),
    ],
)
def test_exact_compares_bytes(expected, actual, same):
    assert outputs_match(expected, actual, Compare.EXACT) is same


@pytest.mark.parametrize(
    "expected, actual, same",
    [
        (b"3\n", b"3", True),  # the last newline
        (b"3\n", b"3   \t\n", True),  # trailing whitespace
        (b"1 2\n3 4\n", b"1 2  \n3 4\t\n\n\n  \n", True),  # and trailing blank lines
        (b"a\nb\n", b"a\r\nb\r\n", True),  # CRLF
        (b"", b"\n\n", True),
        (b"1 2\n", b"1  2\n", False),  # whitespace inside a line counts
        (b"1\n", b" 1\n", False),  # and leading whitespace
        (b"a\n\nb\n", b"a\nb\n", False),  # and blank lines in the middle
        (b"3\n", b"4\n", False),
        (b"a\nb", b"a", False),
    ],
)
def test_trim_ignores_trailing_whitespace_and_trailing_blank_lines(expected, actual, same):
    assert outputs_match(expected, actual, Compare.TRIM) is same


@pytest.mark.parametrize(
    "expected, actual, same",
    [
        (b"1 2 3\n", b"1\n2\n3", True),
        (b"1 2 3", b"  1\t 2 \r\n 3  \n\n", True),
        (b"1 2 3", b"1 2", False),
        (b"1 2", b"12", False),
        (b"1.0", b"1", False),  # tokens are not numbers here
        (b"", b" \n ", True),
    ],
)
def test_tokens_compares_whitespace_separated_tokens(expected, actual, same):
    assert outputs_match(expected, actual, Compare.TOKENS) is same


@pytest.mark.parametrize(
    "expected, actual, tolerance, same",
    [
        (b"0.3333333", b"0.33333333333", 1e-6, True),
        (b"1", b"1.0000001", 1e-6, True),
        (b"1", b"1.00001", 1e-6, False),
        (b"1", b"1.00001", 1e-4, True),
        (b"1000000", b"1000000.5", 1e-6, True),  # relative: 0.5 <= 1e-6 * 1e6
        (b"1000000", b"1000002", 1e-6, False),
        (b"0", b"0.0000005", 1e-6, True),  # absolute, where relative is no help
        (b"0", b"-0.0000005", 1e-6, True),
        (b"1e3", b"1000", 0, True),  # numbers, not spellings
        (b"-2.5E-1", b"-0.25", 0, True),
        (b"1.5 x 2", b"1.5000001 x 2.0000001", 1e-6, True),
        (b"1 2", b"1", 1e-6, False),
    ],
)
def test_float_compares_numbers_within_the_tolerance(expected, actual, tolerance, same):
    assert outputs_match(expected, actual, Compare.FLOAT, tolerance) is same


@pytest.mark.parametrize(
    "expected, actual, same",
    [
        (b"yes 1.0", b"yes 1.0000000001", True),
        (b"yes 1.0", b"YES 1.0", False),  # words are compared as they are
        (b"nan", b"nan", True),  # not numbers: only the same token
        (b"inf", b"inf", True),
        (b"nan", b"NaN", False),
        (b"1", b"inf", False),
        (b"1", b"0x1", False),  # no hex
        (b"1000", b"1_000", False),  # no digit separators
        (b"1e999", b"1e998", False),  # beyond a double: only the same token
        (b"1e999", b"1e999", True),
        (b"1.", b"1", True),
        (b".5", b"0.5", True),
        (b"1", b"1.0abc", False),
    ],
)
def test_float_compares_tokens_that_are_not_numbers_exactly(expected, actual, same):
    assert outputs_match(expected, actual, Compare.FLOAT, 1e-6) is same


def test_verdicts():
    assert verdict(Status.OK, b"3\n", b"3\n", Compare.TRIM, 1e-6) == Status.ACCEPTED
    assert verdict(Status.OK, b"3\n", b"4\n", Compare.TRIM, 1e-6) == Status.WRONG_ANSWER
    # a run that failed keeps its status, whatever it printed
    for status in (Status.RUNTIME_ERROR, Status.TIME_LIMIT, Status.MEMORY_LIMIT, Status.OUTPUT_LIMIT):
        assert verdict(status, b"3\n", b"3\n", Compare.TRIM, 1e-6) == status


def test_the_overall_status_is_the_first_failure():
    assert overall_status([Status.ACCEPTED, Status.ACCEPTED]) == Status.ACCEPTED
    assert overall_status([Status.ACCEPTED, Status.TIME_LIMIT, Status.WRONG_ANSWER]) == Status.TIME_LIMIT
    assert overall_status([Status.WRONG_ANSWER, Status.SKIPPED, Status.SKIPPED]) == Status.WRONG_ANSWER


def test_a_large_output_is_compared_in_linear_time():
    big = b"0.5 " * 250_000
    assert outputs_match(big, big.replace(b" ", b"\n"), Compare.FLOAT, 1e-6)
    assert outputs_match(b"x" * 1_000_000 + b"\n", b"x" * 1_000_000 + b" \n\n", Compare.TRIM)


def field_errors(**request) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        ExecutionRequest.model_validate({"language": "python", "code": "print(1)", **request})
    return {".".join(map(str, error["loc"])): error["msg"] for error in caught.value.errors()}


ONE_TEST = [{"stdin": "1", "expected_stdout": "1\n"}]


def test_a_judge_request_has_documented_defaults():
    request = ExecutionRequest.model_validate({"language": "python", "code": "x", "tests": ONE_TEST})
    assert request.compare == Compare.TRIM
    assert request.float_tolerance is None  # 1e-6 when compare is float
    assert not request.stop_on_first_failure and not request.return_outputs


def test_top_level_stdin_is_refused_with_tests_by_name():
    assert "each test has its own" in field_errors(stdin="1", tests=ONE_TEST)["stdin"]
    ExecutionRequest.model_validate({"language": "python", "code": "x", "stdin": "", "tests": ONE_TEST})


@pytest.mark.parametrize("option, value", [("compare", "float"), ("float_tolerance", 0.1),
                                           ("stop_on_first_failure", True), ("return_outputs", True)])
def test_judge_options_are_refused_without_tests(option, value):
    assert "only with `tests`" in field_errors(**{option: value})[option]


@pytest.mark.parametrize("tolerance, words", [(-1e-9, "greater than or equal to 0"), (1.5, "less than or equal to 1"),
                                              ("nan", "finite"), ("inf", "finite"), ("x", "valid number")])
def test_the_tolerance_is_bounded(tolerance, words):
    assert words in field_errors(tests=ONE_TEST, compare="float", float_tolerance=tolerance)["float_tolerance"]


def test_the_tolerance_is_refused_with_another_comparison():
    assert "float" in field_errors(tests=ONE_TEST, compare="tokens", float_tolerance=0.1)["float_tolerance"]
    assert "compare" in field_errors(tests=ONE_TEST, compare="fuzzy")


def test_hostile_test_sizes_are_refused_by_name():
    assert f"at most {MAX_TESTS} items" in field_errors(tests=ONE_TEST * (MAX_TESTS + 1))["tests"]
    assert "at most" in field_errors(tests=[{"expected_stdout": "x" * (MAX_EXPECTED_BYTES + 1)}])["tests.0.expected_stdout"]
    # counted in UTF-8 bytes, not characters
    assert "bytes" in field_errors(tests=[{"expected_stdout": "é" * (MAX_EXPECTED_BYTES // 2 + 1)}])["tests.0.expected_stdout"]
    each = MAX_TESTS_BYTES // 8 + 1
    assert "in all" in field_errors(tests=[{"stdin": "x" * each, "expected_stdout": ""}] * 8)["tests"]
    assert "required" in field_errors(tests=[{"stdin": "1"}])["tests.0.expected_stdout"]
    assert "tests.0.surprise" in field_errors(tests=[{"expected_stdout": "", "surprise": 1}])
    assert "tests" in field_errors(tests=[])
