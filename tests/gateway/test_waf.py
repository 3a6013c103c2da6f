"""The WAF's per-IP rule as the local gateway counts it, on a clock the test moves."""

from glimpse_local.gateway import PerIpRule
from glimpse_local.gateway.waf import PerIpMeter

RULE = PerIpRule(limit=3, window_s=600, status=429, headers={"Retry-After": "600"}, content_type="application/json", body="{}")


class Clock:
    seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def test_the_request_after_the_limit_within_the_window_is_blocked_per_address():
    clock = Clock()
    meter = PerIpMeter(RULE, clock=clock)
    assert [meter.blocks("203.0.113.7") for _ in range(4)] == [False, False, False, True]
    assert meter.blocks("203.0.113.8") is False  # another address has its own count


def test_the_window_slides_and_blocked_requests_count_too():
    clock = Clock()
    meter = PerIpMeter(RULE, clock=clock)
    for second in (0, 100, 200):
        clock.seconds = second
        assert not meter.blocks("203.0.113.7")
    clock.seconds = 599.0  # the three are still within the last 600 s
    assert meter.blocks("203.0.113.7")
    clock.seconds = 650.0  # the first left the window, but the refused one at 599 s counts
    assert meter.blocks("203.0.113.7")
    clock.seconds = 1200.0  # only the one at 650 s is left in the window
    assert not meter.blocks("203.0.113.7")
