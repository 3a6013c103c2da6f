"""Usage plans applied per API key, as API Gateway applies them: a token bucket that holds `burst`
requests and refills at `rate` a second, then a quota of requests per calendar period (UTC;
weeks start on Monday). A request refused by the bucket does not count against the quota. A key
has the plan `plans` gives it, else the default plan."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from .definition import UsagePlan


@dataclass
class _KeyUsage:
    tokens: float
    refilled_at: float
    period: tuple[int, ...]
    requests: int = 0


class UsageMeter:
    def __init__(self, plan: UsagePlan | None, *, plans: Mapping[str, UsagePlan] | None = None,
                 clock: Callable[[], float] = time.monotonic, today: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.plan = plan
        self.plans = dict(plans or {})  # by key id
        self._clock = clock
        self._today = today
        self._lock = threading.Lock()
        self._keys: dict[str, _KeyUsage] = {}

    def refusal(self, key_id: str) -> str | None:
        """Count one request of this key: None if the plan admits it, else the gateway response
        type that refuses it (THROTTLED or QUOTA_EXCEEDED)."""
        plan = self.plans.get(key_id, self.plan)
        if plan is None:
            return None
        now, period = self._clock(), self._period(plan)
        with self._lock:
            usage = self._keys.setdefault(key_id, _KeyUsage(_burst(plan), now, period))
            if plan.rate_limit is not None:
                usage.tokens = min(_burst(plan), usage.tokens + (now - usage.refilled_at) * plan.rate_limit)
                usage.refilled_at = now
                if usage.tokens < 1:
                    return "THROTTLED"
                usage.tokens -= 1
            if usage.period != period:
                usage.period, usage.requests = period, 0
            if plan.quota_limit is not None and usage.requests >= plan.quota_limit:
                return "QUOTA_EXCEEDED"
            usage.requests += 1
            return None

    def _period(self, plan: UsagePlan) -> tuple[int, ...]:
        today = self._today()
        if plan.quota_period == "MONTH":
            return today.year, today.month
        if plan.quota_period == "WEEK":
            year, week, _ = today.isocalendar()
            return year, week
        return today.year, today.month, today.day


def _burst(plan: UsagePlan) -> float:
    # A plan with a rate and no burst holds one second's worth.
    return float(plan.burst_limit if plan.burst_limit is not None else max(1.0, plan.rate_limit or 1.0))
