"""50 requests at once, of every language and five tenants, through the whole stack.

Each program names its environment (its pid namespace) and counts the runs that environment holds
while it runs (its own included), after a pause long enough for another run there to show: so
the answers themselves say that no environment served two requests at once, nor two tenants.

On two cores the test must be patient, as a caller of the deployed API would be: environments are
warmed first (a router per request, since each waits for its runner, and a runner per request of
its language), the stack allows 50 at once, each run may take 20 s, and every answer must come
within the API's integration timeout.
"""

import math
import threading
import time

from glimpse.languages import catalogue
from glimpse_local.runner_rows import function_id
from stack_helpers import KEYS, call, census, languages

REQUESTS = 50
TENANTS = [KEYS[f"tenant-{number}"] for number in range(5)]  # ten requests each: within a key's burst of 20


def test_fifty_concurrent_requests_of_mixed_languages_are_all_answered_by_environments_of_their_own(stack):
    mix = [(languages()[index % len(languages())], TENANTS[index % len(TENANTS)]) for index in range(REQUESTS)]
    per_runner = math.ceil(REQUESTS / len(languages()))
    warming = time.monotonic()
    stack.prewarm({"RouterFunction": REQUESTS} | {function_id(catalogue().get(language)): per_runner for language in languages()})
    print(f"warmed in {time.monotonic() - warming:.1f} s")
    timeout_s = stack.api.route("POST", "/v1/executions")[0].timeout_ms / 1000
    start = threading.Barrier(REQUESTS)
    answers: list = [None] * REQUESTS

    def send(index: int, language: str, key) -> None:
        start.wait()
        started = time.monotonic()
        answer = call(stack.url, "POST", "/v1/executions", {"language": language, "code": census(language),
                                                           "limits": {"time_ms": 20_000}}, key=key)
        answers[index] = (answer, time.monotonic() - started)

    senders = [threading.Thread(target=send, args=(index, language, key)) for index, (language, key) in enumerate(mix)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()

    tenants_of: dict[str, set[str]] = {}
    for (language, key), (answer, seconds) in zip(mix, answers, strict=True):
        assert answer.status == 200, (language, answer.body)
        assert answer.body["status"] == "ok", (language, answer.body)
        assert seconds < timeout_s
        environment, runs_there = answer.body["run"]["stdout"].split()
        assert runs_there == "1", f"{language}: {environment} held {runs_there} runs at once"
        tenants_of.setdefault(environment, set()).add(key.id)
    assert all(len(tenants) == 1 for tenants in tenants_of.values()), tenants_of
    print(f"burst: slowest answer {max(seconds for _, seconds in answers):.1f} s, {len(tenants_of)} environments")
