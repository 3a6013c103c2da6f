"""The execution environments of one function, as Lambda keeps them.

An environment serves one invocation at a time and is reused by the next. A function has at most
`concurrency` environments, busy or idle. When that cap is one Lambda has too (the function's
reserved concurrency, or a limit a test sets), an invocation that finds them all busy is
throttled, as Lambda throttles. When it is only this machine's budget (`glimpse dev
--concurrency`), the invocation waits for a free environment for as long as its caller waits:
Lambda would have started another environment instead (docs/local.md). `warm` starts one ahead of demand
(what provisioned concurrency does in Lambda), so a first invocation need not pay a cold start.
An environment whose runtime exited (it retired itself, or was reset after its timeout) is stopped
and replaced by a fresh one in the background.

With tenant isolation (TenancyConfig PER_TENANT) every invocation names its tenant and an
environment that served one tenant never serves another; a warmed environment has served no one
and goes to the first tenant that needs one. At the limit, an idle environment of another tenant
is stopped to make room.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from glimpse_local.environment import TENANT_ID, EnvironmentInitError, FunctionConfig, InvokeResult

logger = logging.getLogger(__name__)


class Throttled(Exception):
    """Every environment the function may have is busy: Lambda answers TooManyRequestsException."""


class CallerGone(Exception):
    """The caller stopped waiting before an environment of the machine's budget was free."""


# How often a waiting invocation asks whether its caller still waits (a release wakes it at once).
CALLER_CHECK_S = 0.1


class TenancyMismatch(ValueError):
    """A tenant id Lambda refuses, one for a function without tenant isolation, or none for one with it."""


class Environment(Protocol):
    """What a pool needs of an execution environment (glimpse_local.environment.ExecutionEnvironment)."""

    @property
    def alive(self) -> bool: ...

    def invoke(self, payload: bytes, *, tenant_id: str | None = None) -> InvokeResult: ...

    def stop(self) -> None: ...


@dataclass
class _Idle:
    environment: Environment
    tenant_id: str | None  # the tenant it served; None: no tenant yet, or none in this function


class FunctionPool:
    def __init__(
        self,
        function: FunctionConfig,
        *,
        concurrency: int,
        start_environment: Callable[[FunctionConfig], Environment],
        aliases: frozenset[str] = frozenset(),
        reserved: bool = False,
        lambda_limit: bool = True,
        tenant_isolation: bool = False,
    ) -> None:
        """`lambda_limit`: the cap is one Lambda applies (throttle beyond it), not the machine's budget
        (wait beyond it). `reserved`: that limit is the function's reserved concurrency."""
        if concurrency < 1:
            raise ValueError(f"{function.name}: concurrency must be at least 1, not {concurrency}")
        self.function = function
        self.concurrency = concurrency
        self.aliases = aliases
        self.tenant_isolation = tenant_isolation
        self.lambda_limit = lambda_limit or reserved
        # Lambda names the limit that was hit: the function's reserved concurrency, or the account's.
        self.throttle_reason = ("ReservedFunctionConcurrentInvocationLimitExceeded" if reserved
                                else "ConcurrentInvocationLimitExceeded")
        self._start_environment = start_environment  # returns an environment ready for its first invocation
        self._lock = threading.Condition()
        self._idle: list[_Idle] = []  # most recently used last
        self._busy: list[Environment] = []
        self._starting = 0  # environments being started, counted against the concurrency
        self._closed = False

    @property
    def in_flight(self) -> int:
        """Invocations being served now (what Lambda's ConcurrentExecutions metric counts)."""
        with self._lock:
            return len(self._busy)

    @property
    def size(self) -> int:
        """Environments this function has now, busy, idle or starting."""
        with self._lock:
            return self._count()

    def warm(self) -> None:
        """Start one more environment and keep it idle, unless the function has all it may have."""
        with self._lock:
            if self._closed or self._count() >= self.concurrency:
                return
            self._starting += 1
        self._start_one(busy=False)

    def check_tenancy(self, tenant_id: str | None) -> None:
        if tenant_id is not None and not TENANT_ID.fullmatch(tenant_id):
            raise TenancyMismatch(f"invalid tenant id {tenant_id!r}")
        if self.tenant_isolation and tenant_id is None:
            raise TenancyMismatch(f"{self.function.name} uses tenant isolation: every invocation needs a tenant id")
        if not self.tenant_isolation and tenant_id is not None:
            raise TenancyMismatch(f"{self.function.name} does not use tenant isolation: invoke it without a tenant id")

    def invoke(self, payload: bytes, *, tenant_id: str | None = None,
               caller_waits: Callable[[], bool] = lambda: True) -> InvokeResult:
        """Run one invocation. Beyond the machine's budget it waits while `caller_waits()` is true,
        then raises CallerGone; beyond a Lambda limit it raises Throttled at once."""
        self.check_tenancy(tenant_id)
        if not caller_waits():  # queued behind others until its caller gave up: it must not run now
            raise CallerGone(f"{self.function.name}: the caller stopped waiting before the invocation started")
        try:
            environment = self._acquire(tenant_id, caller_waits)
        except EnvironmentInitError as error:  # answered as Lambda answers it: the init's error, as the function's
            return InvokeResult(error.document, "Unhandled", str(uuid.uuid4()), 0.0, environment_retired=True)
        result = None
        try:
            result = environment.invoke(payload, tenant_id=tenant_id)
            return result
        finally:
            self._release(environment, tenant_id, retired=result.environment_retired if result else not environment.alive)

    def close(self) -> None:
        """Stop every environment, busy ones included (their invocations end as the runtime's
        exit), and return once none is left."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            environments = [slot.environment for slot in idle] + self._busy
        for environment in environments:
            environment.stop()
        with self._lock:  # what was starting is stopped as soon as it has started
            self._lock.wait_for(lambda: not self._busy and not self._starting)

    def _count(self) -> int:
        return len(self._idle) + len(self._busy) + self._starting

    def _acquire(self, tenant_id: str | None, caller_waits: Callable[[], bool]) -> Environment:
        unusable: list[Environment] = []  # stopped outside the lock: stopping waits for the runtime's end
        try:
            with self._lock:
                while True:
                    if self._closed:
                        raise Throttled(f"{self.function.name} is shutting down")
                    reused = self._reusable(tenant_id, unusable)
                    if reused is not None:
                        self._busy.append(reused)
                        return reused
                    if self._count() < self.concurrency:
                        break
                    evicted = next((slot for slot in self._idle if slot.tenant_id != tenant_id), None)
                    if evicted is not None:
                        self._idle.remove(evicted)
                        unusable.append(evicted.environment)
                        break
                    if self.lambda_limit:
                        raise Throttled(f"{self.function.name} already runs {self.concurrency} invocations")
                    if not caller_waits():
                        raise CallerGone(f"{self.function.name}: all {self.concurrency} environments stayed busy while the caller waited")
                    self._lock.wait(CALLER_CHECK_S)
                self._starting += 1
        finally:
            for environment in unusable:
                environment.stop()
        environment = self._start_one(busy=True)
        if environment is None:
            raise Throttled(f"{self.function.name} is shutting down")
        return environment

    def _reusable(self, tenant_id: str | None, dead: list[Environment]) -> Environment | None:
        """The tenant's most recently used idle environment, else one that has served no tenant.
        Those found dead while idle are taken out into `dead`."""
        for wanted in [None] if tenant_id is None else [tenant_id, None]:
            for slot in reversed(self._idle):
                if slot.tenant_id == wanted:
                    self._idle.remove(slot)
                    if slot.environment.alive:
                        return slot.environment
                    dead.append(slot.environment)
        return None

    def _release(self, environment: Environment, tenant_id: str | None, *, retired: bool) -> None:
        with self._lock:
            if not self._closed and not retired:
                self._busy.remove(environment)
                self._idle.append(_Idle(environment, tenant_id))
                self._lock.notify_all()  # an invocation waiting for room takes it
                return
        try:
            environment.stop()  # before it stops counting as busy: close() waits for that
        finally:
            with self._lock:
                self._busy.remove(environment)
                self._lock.notify_all()
                if not self._closed:
                    self._starting += 1
                    threading.Thread(target=self._replace, name=f"glimpse-replace-{self.function.name}", daemon=True).start()

    def _start_one(self, *, busy: bool) -> Environment | None:
        """Start an environment already counted in _starting, then count it as busy or idle; None
        if the pool closed meanwhile (it is stopped before close() may return)."""
        try:
            environment = self._start_environment(self.function)
        except BaseException:
            self._forget_start()
            raise
        with self._lock:
            if not self._closed:
                self._starting -= 1
                if busy:
                    self._busy.append(environment)
                else:
                    self._idle.insert(0, _Idle(environment, None))  # least recently used: reused last
                    self._lock.notify_all()
                return environment
        environment.stop()
        self._forget_start()
        return None

    def _forget_start(self) -> None:
        with self._lock:
            self._starting -= 1
            self._lock.notify_all()

    def _replace(self) -> None:
        try:
            self._start_one(busy=False)
        except Exception:  # the next invocation starts one itself, and reports what fails
            logger.exception("%s: a replacement environment failed to start", self.function.name)
