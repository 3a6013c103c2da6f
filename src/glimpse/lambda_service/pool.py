"""The execution environments of one function, as Lambda keeps them.

An environment serves one invocation at a time and is reused by the next; a function runs at most
`concurrency` environments at once (its reserved concurrency), and an invocation that finds them
all busy is throttled, not queued. An environment that served a tenant (X-Amz-Tenant-Id) is never
reused for another tenant: Lambda's tenant isolation mode.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from glimpse.environment import ExecutionEnvironment, FunctionConfig, InvokeResult


class Throttled(Exception):
    """Every environment the function may have is busy: Lambda answers TooManyRequestsException."""


class FunctionPool:
    def __init__(
        self,
        function: FunctionConfig,
        *,
        concurrency: int,
        new_environment: Callable[[FunctionConfig], ExecutionEnvironment],
        aliases: frozenset[str] = frozenset(),
        reserved: bool = False,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"{function.name}: concurrency must be at least 1, not {concurrency}")
        self.function = function
        self.concurrency = concurrency
        self.aliases = aliases
        # Lambda names the limit that was hit: the function's reserved concurrency, or the account's.
        self.throttle_reason = ("ReservedFunctionConcurrentInvocationLimitExceeded" if reserved
                                else "ConcurrentInvocationLimitExceeded")
        self._new_environment = new_environment
        self._lock = threading.Lock()
        self._idle: list[tuple[str | None, ExecutionEnvironment]] = []  # (tenant, environment), oldest first
        self._busy = 0
        self._closed = False

    @property
    def in_flight(self) -> int:
        """Invocations being served now (what Lambda's ConcurrentExecutions metric counts)."""
        with self._lock:
            return self._busy

    def invoke(self, payload: bytes, *, tenant_id: str | None = None) -> InvokeResult:
        environment = self._acquire(tenant_id)
        try:
            return environment.invoke(payload, tenant_id=tenant_id)
        finally:
            self._release(tenant_id, environment)

    def close(self) -> None:
        """Stop every idle environment; busy ones stop when their invocation returns."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for _, environment in idle:
            environment.stop()

    def _acquire(self, tenant_id: str | None) -> ExecutionEnvironment:
        evicted = None
        with self._lock:
            if self._closed:
                raise Throttled(f"{self.function.name} is shutting down")
            for index, (owner, environment) in enumerate(self._idle):
                if owner == tenant_id:
                    del self._idle[index]
                    self._busy += 1
                    return environment
            if self._busy + len(self._idle) >= self.concurrency:
                if not self._idle:
                    raise Throttled(f"{self.function.name} already runs {self.concurrency} invocations")
                _, evicted = self._idle.pop(0)  # another tenant's idle environment makes room
            self._busy += 1
        if evicted is not None:
            evicted.stop()
        try:
            return self._new_environment(self.function)
        except BaseException:
            with self._lock:
                self._busy -= 1
            raise

    def _release(self, tenant_id: str | None, environment: ExecutionEnvironment) -> None:
        with self._lock:
            self._busy -= 1
            if not self._closed:
                self._idle.append((tenant_id, environment))
                return
        environment.stop()
