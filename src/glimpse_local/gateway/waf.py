"""The WAF web ACL's rate-based rule per source IP, as the local gateway applies it, in front of
everything else: at most `limit` requests from one address over the last `window_s` seconds; each
one beyond gets the rule's own answer (template.yaml's: 429 with Retry-After). Every request counts,
refused ones included, as the rule counts every request it sees: an address that keeps sending
stays refused. WAF evaluates its rates every few seconds; this one is exact."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from .definition import PerIpRule


class PerIpMeter:
    def __init__(self, rule: PerIpRule, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rule = rule
        self._clock = clock
        self._lock = threading.Lock()
        # The times of each address's last `limit` requests: all the rule needs to know.
        self._recent: dict[str, deque[float]] = {}

    def blocks(self, source_ip: str) -> bool:
        """Count one request from this address: whether the rule blocks it."""
        now = self._clock()
        with self._lock:
            recent = self._recent.setdefault(source_ip, deque(maxlen=self.rule.limit))
            blocked = len(recent) == self.rule.limit and now - recent[0] < self.rule.window_s
            recent.append(now)
            return blocked
