"""The usage plan's arithmetic, on a clock the test moves: the token bucket and the quota periods."""

from datetime import UTC, datetime

from glimpse_local.gateway import UsagePlan
from glimpse_local.gateway.usage import UsageMeter


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.day = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)  # a Monday, the last day of a month

    def __call__(self) -> float:
        return self.seconds


def meter(clock: Clock, **plan) -> UsageMeter:
    fields = {"rate_limit": None, "burst_limit": None, "quota_limit": None, "quota_period": None} | plan
    return UsageMeter(UsagePlan(**fields), clock=clock, today=lambda: clock.day)


def test_the_bucket_holds_the_burst_and_refills_at_the_rate():
    clock = Clock()
    usage = meter(clock, rate_limit=10, burst_limit=20)
    assert [usage.refusal("key") for _ in range(21)] == [None] * 20 + ["THROTTLED"]
    clock.seconds += 0.25  # 2.5 tokens
    assert [usage.refusal("key") for _ in range(3)] == [None, None, "THROTTLED"]
    clock.seconds += 100  # never more than the burst
    assert sum(usage.refusal("key") is None for _ in range(30)) == 20
    assert usage.refusal("other key") is None  # a bucket per key


def test_the_quota_counts_admitted_requests_per_period_and_starts_again_with_the_next():
    for period, later in (("DAY", datetime(2026, 12, 1, tzinfo=UTC)), ("WEEK", datetime(2026, 12, 7, tzinfo=UTC)),
                          ("MONTH", datetime(2026, 12, 1, tzinfo=UTC))):
        clock = Clock()
        usage = meter(clock, quota_limit=2, quota_period=period)
        assert [usage.refusal("key") for _ in range(3)] == [None, None, "QUOTA_EXCEEDED"], period
        if period == "WEEK":
            clock.day = datetime(2026, 12, 6, tzinfo=UTC)  # Sunday: the same ISO week
            assert usage.refusal("key") == "QUOTA_EXCEEDED"
        clock.day = later
        assert usage.refusal("key") is None, period


def test_a_throttled_request_does_not_use_the_quota():
    clock = Clock()
    usage = meter(clock, rate_limit=1, burst_limit=1, quota_limit=2, quota_period="DAY")
    assert [usage.refusal("key") for _ in range(3)] == [None, "THROTTLED", "THROTTLED"]
    clock.seconds += 1
    assert usage.refusal("key") is None
    clock.seconds += 1
    assert usage.refusal("key") == "QUOTA_EXCEEDED"


def test_without_a_plan_every_request_is_admitted():
    usage = UsageMeter(None)
    assert all(usage.refusal("key") is None for _ in range(1000))


def test_a_key_with_a_plan_of_its_own_is_metered_by_it_and_the_others_by_the_default():
    clock = Clock()
    own = UsagePlan(rate_limit=None, burst_limit=None, quota_limit=1, quota_period="DAY")
    usage = UsageMeter(UsagePlan(rate_limit=None, burst_limit=None, quota_limit=3, quota_period="DAY"), plans={"public": own},
                       clock=clock, today=lambda: clock.day)
    assert [usage.refusal("public") for _ in range(2)] == [None, "QUOTA_EXCEEDED"]
    assert [usage.refusal("tenant") for _ in range(4)] == [None, None, None, "QUOTA_EXCEEDED"]
