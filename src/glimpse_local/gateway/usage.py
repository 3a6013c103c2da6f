"""A usage plan applied per API key, as API Gateway applies it: a token bucket that holds `burst`
requests and refills at `rate` a second, then a quota of requests per calendar period (UTC;
weeks start on Monday). A request refused by the bucket does not count against the quota."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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
    def __init__(self, plan: UsagePlan | None, *, clock: Callable[[], float] = time.monotonic,
                 today: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.plan = plan
        self._clock = clock
        self._today = today
        self._lock = threading.Lock()
        self._keys: dict[str, _KeyUsage] = {}

    def refusal(self, key_id: str) -> str | None:
        """Count one request of this key: None if the plan admits it, else the gateway response
        type that refuses it (THROTTLED or QUOTA_EXCEEDED)."""
        if self.plan is None:
            return None
        now, period = self._clock(), self._period()
        with self._lock:
            usage = self._keys.setdefault(key_id, _KeyUsage(self._burst(), now, period))
            if self.plan.rate_limit is not None:
                usage.tokens = min(self._burst(), usage.tokens + (now - usage.refilled_at) * self.plan.rate_limit)
                usage.refilled_at = now
                if usage.tokens < 1:
                    return "THROTTLED"
                usage.tokens -= 1
            if usage.period != period:
                usage.period, usage.requests = period, 0
            if self.plan.quota_limit is not None and usage.requests >= self.plan.quota_limit:
                return "QUOTA_EXCEEDED"
            usage.requests += 1
            return None

    def _burst(self) -> float:
        # A plan with a rate and no burst holds one second's worth.
        return float(self.plan.burst_limit if self.plan.burst_limit is not None else max(1.0, self.plan.rate_limit or 1.0))

    def _period(self) -> tuple[int, ...]:
        today = self._today()
        if self.plan.quota_period == "MONTH":
            return today.year, today.month
        if self.plan.quota_period == "WEEK":
            year, week, _ = today.isocalendar()
            return year, week
        return today.year, today.month, today.day
