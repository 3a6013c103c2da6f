"""Event (asynchronous) invocations: accepted at once, run later by the function's pool.

As in Lambda, an event is queued, not refused, when the function has no room: it waits, or is
retried after a throttle, until an environment is free. Not emulated: retrying an event whose invocation failed (Lambda
tries twice more, a minute and then two minutes later), destinations and dead-letter queues;
a failure is logged. Events still queued when the service stops are dropped.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from .pool import CallerGone, FunctionPool, Throttled

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 1024 * 1024  # Lambda's asynchronous invocation payload limit
# Invocations of queued events run at once, across functions; each also needs room in its pool.
EVENT_WORKERS = 16
THROTTLED_RETRY_S = 0.5


class EventQueue:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=EVENT_WORKERS, thread_name_prefix="glimpse-event")
        self._stopping = threading.Event()

    def submit(self, pool: FunctionPool, payload: bytes, tenant_id: str | None) -> None:
        self._executor.submit(self._run, pool, payload, tenant_id)

    def stop_waiting(self) -> None:
        """Drop queued events; those waiting for room give up. Invocations under way go on."""
        self._stopping.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def join(self) -> None:
        self._executor.shutdown(wait=True)

    def _run(self, pool: FunctionPool, payload: bytes, tenant_id: str | None) -> None:
        while not self._stopping.is_set():
            try:
                result = pool.invoke(payload, tenant_id=tenant_id, caller_waits=lambda: not self._stopping.is_set())
            except CallerGone:  # the service is stopping
                return
            except Throttled:
                self._stopping.wait(THROTTLED_RETRY_S)
                continue
            except Exception:  # nobody waits for this invocation's answer: the log is where it goes
                logger.exception("%s: event invocation failed", pool.function.name)
                return
            if result.function_error:
                logger.warning("%s: event invocation %s failed: %s", pool.function.name, result.request_id,
                               result.payload[:1000].decode(errors="replace"))
            return
