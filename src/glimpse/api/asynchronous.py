"""Asynchronous executions: the router queues them, the dispatcher runs them.

The router validates a submission, stores it `queued` (ExecutionStore) and invokes the dispatcher
function asynchronously with nothing but ids. The dispatcher, a trusted function like the router,
takes it (`running`), invokes the runner synchronously exactly as the router does, stores the
result and delivers it to the callback URL if there is one. The runner, which holds hostile
code, never touches the table and has no AWS permission: it only answers its invocation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from glimpse.api.errors import ApiError, InternalError, InvalidRequest
from glimpse.api.executions import Executions, Tenant
from glimpse.api.store import ExecutionStore
from glimpse.models import ExecutionRequest, ExecutionResult


class Submission(ExecutionRequest):
    """The body of POST /v1/executions: an execution request, and where to deliver its result."""

    callback_url: str | None = Field(default=None, max_length=2048,
                                     description="an https URL that receives the finished result by POST, signed (docs/callbacks.md)")

    def execution(self) -> ExecutionRequest:
        """The execution request alone: its fields as validated here, not validated again."""
        fields = {name: getattr(self, name) for name in ExecutionRequest.model_fields}
        return ExecutionRequest.model_construct(self.model_fields_set - {"callback_url"}, **fields)


class Dispatch(BaseModel):
    """The dispatcher's event: which execution to run. The request itself is in the table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: Tenant
    execution_id: str
    language: str = Field(description="the language's id, as resolved by the router")
    runner: str = Field(description="the language's runner function")


class Accepted(BaseModel):
    id: str
    status: str = "queued"
    location: str


class DispatcherInvoker(Protocol):
    def __call__(self, dispatch: Dispatch) -> None: ...


class Queue:
    """The router's side: queue an execution, read one back."""

    def __init__(self, store: ExecutionStore, executions: Executions, invoke_dispatcher: DispatcherInvoker,
                 *, check_callback: Callable[[str], str]) -> None:
        self.store = store
        self.executions = executions
        self.invoke_dispatcher = invoke_dispatcher
        self.check_callback = check_callback  # raises ValueError naming why a URL is refused

    def submit(self, submission: Submission, tenant: Tenant, execution_id: str, *, client: dict[str, Any] | None = None) -> str:
        """Queue it and return its id; the language must be deployed and the callback acceptable.
        `client` is kept beside the result (ExecutionStore.create)."""
        recipe = self.executions.recipe(submission.language, submission.version)
        callback = None
        if submission.callback_url is not None:
            try:
                callback = self.check_callback(submission.callback_url)
            except ValueError as refused:
                raise InvalidRequest.for_field("callback_url", str(refused)) from None
        request = submission.execution().model_copy(update={"id": execution_id, "language": recipe.id})
        if not self.store.create(tenant.api_key_id, execution_id, request.model_dump(mode="json", exclude_none=True),
                                 callback_url=callback, client=client):
            raise InvalidRequest.for_field("id", f"an execution with id {execution_id!r} exists already")
        try:
            self.invoke_dispatcher(Dispatch(tenant=tenant, execution_id=execution_id, language=recipe.id,
                                            runner=self.executions.settings.runners[recipe.id]))
        except ApiError as error:  # nothing will run it: say so to whoever polls
            self.store.finish(tenant.api_key_id, execution_id, failure_document(execution_id, error))
            raise
        return execution_id

    def run_and_keep(self, tenant: Tenant, execution_id: str, run: Callable[[], ExecutionResult], *,
                     client: dict[str, Any] | None = None) -> str:
        """Run synchronously, keeping the result where a reader (or a retry with the same
        Idempotency-Key) finds it by `execution_id`; a run that fails keeps why."""
        if not self.store.create(tenant.api_key_id, execution_id, {}, client=client):
            raise InvalidRequest.for_field("id", f"an execution with id {execution_id!r} exists already")
        try:
            result = run()
        except ApiError as error:
            self.store.finish(tenant.api_key_id, execution_id, failure_document(execution_id, error))
            raise
        self.store.finish(tenant.api_key_id, execution_id, result.model_dump(mode="json", exclude_none=True))
        return execution_id

    def read(self, tenant: Tenant, execution_id: str) -> dict[str, Any] | None:
        """What GET /v1/executions/{id} answers: {id, status: queued|running}, or the finished document."""
        stored = self.store.get(tenant.api_key_id, execution_id)
        if stored is None:
            return None
        return stored.result if stored.state == "finished" else {"id": execution_id, "status": stored.state}


class CallbackDelivery(Protocol):
    def __call__(self, url: str, body: bytes, *, tenant: Tenant, execution_id: str, budget_s: float) -> dict[str, Any]: ...


# What the dispatcher keeps of its invocation's time after delivering a callback: logging it.
DELIVERY_MARGIN_S = 5.0


class Dispatcher:
    """The dispatcher's side: run a queued execution, store its result, deliver it."""

    def __init__(self, store: ExecutionStore, executions_for: Callable[[Dispatch], Executions], deliver: CallbackDelivery,
                 *, logger: Logger) -> None:
        self.store = store
        self.executions_for = executions_for  # an Executions whose only runner is the dispatch's
        self.deliver = deliver
        self.logger = logger

    def dispatch(self, dispatch: Dispatch, *, remaining_s: Callable[[], float]) -> None:
        """`remaining_s` is what is left of the invocation's time: callback retries stop within it."""
        tenant, execution_id = dispatch.tenant, dispatch.execution_id
        started = self.store.start(tenant.api_key_id, execution_id)
        if started is None:
            self.logger.warning("not queued: dispatched twice, or expired", extra={"execution_id": execution_id})
            return
        try:
            executions = self.executions_for(dispatch)
            result = executions.run(executions.recipe(dispatch.language), ExecutionRequest.model_validate(started.request), tenant,
                                    request_id=execution_id, route="async")
            document = result.model_dump(mode="json", exclude_none=True)
        except ApiError as error:
            document = failure_document(execution_id, error)
        except Exception:  # a bug of ours: say so to whoever polls, rather than `running` until expiry
            self.logger.exception("the dispatcher failed", extra={"execution_id": execution_id})
            document = failure_document(execution_id, InternalError("the service failed; the execution id finds it in the logs"))
        self.store.finish(tenant.api_key_id, execution_id, document)
        budget_s = remaining_s() - DELIVERY_MARGIN_S
        if started.callback_url and budget_s < 1:
            self.logger.error("no time left to deliver the callback", extra={"execution_id": execution_id})
        elif started.callback_url:
            delivery = self.deliver(started.callback_url, json.dumps(document).encode(), tenant=tenant, execution_id=execution_id,
                                    budget_s=budget_s)
            self.logger.info("callback", extra={"execution_id": execution_id, **delivery})


def failure_document(execution_id: str, error: ApiError) -> dict[str, Any]:
    """A stored execution that did not produce a result: the error the synchronous route would
    have answered, under status `failed`."""
    return {"id": execution_id, "status": "failed", "error": error.code, "message": error.message,
            "fields": [field.model_dump() for field in error.fields]}
