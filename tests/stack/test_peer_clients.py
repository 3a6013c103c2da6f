"""Judge0's own Python SDK (judge0 0.0.8 from PyPI, pinned in pyproject.toml), unchanged, against
the whole local stack: every language by the SDK's own constants, a batch of 20, base64 round
trips, a judged run, a compile error and a time limit (docs/compat.md). Piston's client and the
original Glimpse's fetch example run in test_public_compat_routes.py."""

import judge0
import pytest
from judge0 import LanguageAlias, Status
from judge0.retry import RegularPeriodRetry

from glimpse.languages import catalogue
from stack_helpers import KEYS, hello, languages


# The SDK's constant of each language that has Judge0 ids (python-ml has none: docs/compat.md), where
# its name is not the language's id.
SDK_CONSTANTS = {"sql": LanguageAlias.SQLITE}


@pytest.fixture(scope="module")
def client(stack):
    """Made as the SDK's README makes one (it reads GET /languages and GET /config_info at once),
    polling a submission every 0.25 s: its default 0.1 s alone is the usage plan's whole rate (10
    requests/s), so a compile of a few seconds used up the burst and the SDK took the 429s for no
    answer (docs/compat.md)."""
    return judge0.Client(stack.url, headers={"X-API-Key": KEYS["judge0"].value}, retry_strategy=RegularPeriodRetry(0.25))


@pytest.mark.parametrize("language", [language for language in languages() if catalogue().get(language).judge0_ids])
def test_every_language_runs_by_the_sdks_own_constant(client, language):
    constant = SDK_CONSTANTS.get(language) or LanguageAlias[language.upper()]
    result = judge0.run(client=client, source_code=hello(language), language=constant)
    assert (result.status, result.stdout) == (Status.ACCEPTED, "Hello, World!\n"), (result.compile_output, result.stderr)
    assert result.time is not None and result.memory > 0


def test_a_batch_of_twenty(client):
    submissions = [judge0.Submission(source_code=f"print({number} * {number})", language=judge0.PYTHON) for number in range(20)]
    results = judge0.run(client=client, submissions=submissions)
    assert [(result.status, result.stdout) for result in results] == [(Status.ACCEPTED, f"{number * number}\n") for number in range(20)]


def test_text_beyond_ascii_makes_the_base64_round_trip(client):
    line = "héllo, wörld ✓ 字"
    result = judge0.run(client=client, source_code="s = input()\nprint(s[::-1])  # ✓", stdin=line, language=judge0.PYTHON)
    assert result.status == Status.ACCEPTED and result.stdout == line[::-1] + "\n"


def test_expected_output_is_judged(client):
    program = "print(int(input()) * 2)"
    accepted = judge0.run(client=client, source_code=program, stdin="21", expected_output="42", language=judge0.PYTHON)
    wrong = judge0.run(client=client, source_code=program, stdin="21", expected_output="43", language=judge0.PYTHON)
    assert (accepted.status, wrong.status) == (Status.ACCEPTED, Status.WRONG_ANSWER)


def test_a_compile_error_and_a_time_limit(client):
    broken = judge0.run(client=client, source_code="int main( { return 0; }", language=judge0.C)
    assert broken.status == Status.COMPILATION_ERROR and "error" in broken.compile_output
    endless = judge0.run(client=client, source_code="while True:\n    pass", cpu_time_limit=1, language=judge0.PYTHON)
    assert endless.status == Status.TIME_LIMIT_EXCEEDED


def test_the_key_may_come_as_judge0s_own_x_auth_token(stack):
    client = judge0.Client(stack.url, headers={"X-Auth-Token": KEYS["judge0"].value})
    assert judge0.run(client=client, source_code="print(7)", language=judge0.PYTHON).stdout == "7\n"
