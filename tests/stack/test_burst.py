"""A burst that Lambda would absorb is answered in full locally, however small the machine's budget.

In AWS the router has no reserved concurrency: 40 requests at once meet 40 environments. Here the
stack may start only a few per function (`glimpse dev --concurrency`, the machine's budget), so
the other invocations wait for a free environment instead of being throttled (docs/local.md).
The usage plan's burst is raised to 40, so API Gateway's own throttling does not apply either.
"""

import threading

from glimpse_local.gateway import ApiKey
from glimpse_local.stack import LocalStack
from stack_helpers import ROOT, call, hello

REQUESTS = 40
MACHINE_BUDGET = 4  # environments per function: a tenth of the burst
KEY = ApiKey.of("glimpse-stack-test-key-burst")


def test_forty_requests_at_once_with_one_key_are_all_answered_ok_by_a_four_environment_budget():
    parameters = {"RateLimit": "40", "BurstLimit": str(REQUESTS)}
    with LocalStack(ROOT, keys=[KEY], port=0, concurrency=MACHINE_BUDGET, warm=0, parameters=parameters) as stack:
        start = threading.Barrier(REQUESTS)
        answers: list = [None] * REQUESTS

        def send(index: int) -> None:
            start.wait()
            answers[index] = call(stack.url, "POST", "/v1/executions", {"language": "python", "code": hello("python")}, key=KEY)

        senders = [threading.Thread(target=send, args=(index,)) for index in range(REQUESTS)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        statuses = [(answer.status, answer.body.get("status") if isinstance(answer.body, dict) else answer.body) for answer in answers]
        assert statuses == [(200, "ok")] * REQUESTS, statuses
        assert all(answer.body["run"]["stdout"] == "Hello, World!\n" for answer in answers)
        assert max(pool.size for pool in stack.lambda_service.pools.values()) <= MACHINE_BUDGET
