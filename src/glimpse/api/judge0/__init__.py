"""Judge0 CE's API (judge0/judge0 1.13, its docs and routes), so its clients work unchanged: the
SDK on PyPI, IDE plugins, online-judge back ends (docs/compat.md).

A submission is an asynchronous execution (glimpse.api.asynchronous): its token is the execution's
id, kept per API key, so another key's token is a 404. `wait=true` runs it at once and keeps it all
the same. Errors are Judge0's: 422 {field: [message]} for a field, else {"error": message}.
"""

from __future__ import annotations

import os
import platform
import uuid
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, Field, ValidationError

from glimpse.api.asynchronous import Queue
from glimpse.api.errors import ApiError, BadRequest, InvalidRequest, NotFound, refusal
from glimpse.api.executions import Executions, Tenant
from glimpse.api.judge0.answer import STATUSES, NotUtf8, fields_wanted, submission_document
from glimpse.api.judge0.submission import MAX_CPU_EXTRA_TIME_S, MAX_MEMORY_KB, MAX_OUTPUT_KB, STACK_KB, Judge0Submission
from glimpse.api.routing import ApiRouter, EndUser, json_response
from glimpse.callbacks import ATTEMPT_TIMEOUT_S
from glimpse.languages import Recipe, UnknownLanguage, catalogue
from glimpse.models import KIB, LIMIT_BOUNDS

VERSION = "1.13.1"  # the Judge0 CE API this one answers as; the SDK picks its language ids by it
MAX_BATCH = 20  # Judge0's MAX_SUBMISSION_BATCH_SIZE
Encoded = Annotated[bool, Query(description="source_code, stdin, expected_output and the outputs are base64")]
Fields = Annotated[str | None, Query(max_length=1000, description="comma-separated field names, or * for all")]
Token = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class Judge0Batch(BaseModel):
    submissions: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


def error_response(error: ApiError, _request_id: str) -> Response:
    """Judge0's shapes: the fields at fault and their messages, or one error."""
    if isinstance(error, InvalidRequest) and error.fields:
        return Response(int(error.status), content_types.APPLICATION_JSON, _field_errors(error), headers=error.headers())
    return Response(int(error.status), content_types.APPLICATION_JSON, {"error": error.message}, headers=error.headers())


class Judge0Api:
    """The routes, on `router`."""

    def __init__(self, executions: Executions, queue: Queue) -> None:
        self.executions = executions
        self.queue = queue
        self.router = router = ApiRouter(error_response)
        tags = ["Judge0"]
        router.get("/languages", summary="Judge0: the languages", tags=tags)(self.languages)
        router.get("/languages/all", summary="Judge0: the languages, archived ones too (none)", tags=tags)(self.all_languages)
        router.get("/languages/<language_id>", summary="Judge0: a language", tags=tags)(self.language)
        router.get("/statuses", summary="Judge0: the statuses", tags=tags)(self.statuses)
        router.get("/about", summary="Judge0: the version answered", tags=tags)(self.about)
        router.get("/config_info", summary="Judge0: the limits and switches", tags=tags)(self.config_info)
        router.get("/system_info", summary="Judge0: where programs run", tags=tags)(self.system_info)
        # The literal batch routes before the token's, as API Gateway prefers them.
        router.post("/submissions/batch", summary="Judge0: queue up to 20 submissions", tags=tags)(self.create_batch)
        router.get("/submissions/batch", summary="Judge0: up to 20 submissions", tags=tags)(self.read_batch)
        router.post("/submissions", summary="Judge0: a submission", tags=tags)(self.create)
        router.get("/submissions/<token>", summary="Judge0: a submission's state or result", tags=tags)(self.read)
        router.delete("/submissions/<token>", summary="Judge0: delete a finished submission", tags=tags)(self.delete)

    def languages(self) -> list[dict[str, Any]]:
        return [{"id": judge0_id, "name": name} for judge0_id, name, _ in self._languages()]

    def all_languages(self) -> list[dict[str, Any]]:
        return [{"id": judge0_id, "name": name, "is_archived": False} for judge0_id, name, _ in self._languages()]

    def language(self, language_id: str) -> dict[str, Any]:
        recipe = self._recipe(language_id)
        if recipe is None:
            raise NotFound(f"language with id {language_id} doesn't exist")
        return {"id": int(language_id), "name": _name(recipe), "is_archived": False, "source_file": recipe.file_name,
                "compile_cmd": None, "run_cmd": None}

    def statuses(self) -> list[dict[str, Any]]:
        return [{"id": status_id, "description": description} for status_id, description in STATUSES.items()]

    def about(self) -> dict[str, str]:
        return {"version": VERSION, "homepage": "https://github.com/judge0/judge0", "source_code": "https://github.com/judge0/judge0",
                "maintainer": "Glimpse (answering as Judge0 CE; docs/compat.md)"}

    def config_info(self) -> dict[str, Any]:
        max_time_s = self._max_time_s()
        default_time_s = min(LIMIT_BOUNDS["time_ms"].default / 1000, max_time_s)
        processes = LIMIT_BOUNDS["processes"]
        return {
            "maintenance_mode": False, "enable_wait_result": True, "enable_compiler_options": True,
            "allowed_languages_for_compile_options": [recipe.name for recipe in self.executions.deployed()
                                                      if recipe.compile is not None and recipe.compile.options],
            "enable_command_line_arguments": True, "enable_submission_delete": True,
            "enable_callbacks": True, "callbacks_max_tries": 0, "callbacks_timeout": ATTEMPT_TIMEOUT_S, "enable_additional_files": True,
            "max_queue_size": 0, "cpu_time_limit": default_time_s, "max_cpu_time_limit": max_time_s, "cpu_extra_time": 0.0,
            "max_cpu_extra_time": MAX_CPU_EXTRA_TIME_S, "wall_time_limit": default_time_s, "max_wall_time_limit": max_time_s,
            "memory_limit": LIMIT_BOUNDS["memory_mb"].default * KIB, "max_memory_limit": MAX_MEMORY_KB,
            "stack_limit": STACK_KB, "max_stack_limit": STACK_KB, "max_processes_and_or_threads": processes.default,
            "max_max_processes_and_or_threads": processes.maximum, "enable_per_process_and_thread_time_limit": False,
            "allow_enable_per_process_and_thread_time_limit": False, "enable_per_process_and_thread_memory_limit": False,
            "allow_enable_per_process_and_thread_memory_limit": False,
            "max_file_size": LIMIT_BOUNDS["output_bytes"].default // KIB, "max_max_file_size": MAX_OUTPUT_KB,
            "number_of_runs": 1, "max_number_of_runs": 1, "redirect_stderr_to_stdout": False, "max_extract_size": 0,
            "enable_batched_submissions": True, "max_submission_batch_size": MAX_BATCH, "submission_cache_duration": 0.0,
            "use_docs_as_homepage": False, "allow_enable_network": False, "enable_network": False,
        }

    def system_info(self) -> dict[str, str]:
        """What is true where programs run: AWS Lambda, one function per language, its memory."""
        info = {"Architecture": platform.machine(), "CPU(s)": str(os.cpu_count() or 1), "Platform": "AWS Lambda",
                "Isolation": "one execution environment per API key; each run in a private workspace"}
        info |= {f"Mem ({recipe.name})": f"{recipe.function.memory_mb}M" for recipe in self.executions.deployed()}
        return info

    def create(self, request: Judge0Submission, base64_encoded: Encoded = False, wait: Annotated[bool, Query()] = False,
               fields: Fields = None, end_user: EndUser = None):
        wanted = self._fields(fields) if wait else ()
        tenant = self.router.tenant(end_user)
        token = self._submit(request, tenant, encoded=base64_encoded, wait=wait)
        if not wait:
            return json_response(201, {"token": token})
        return self._answer(201, lambda: self._document(tenant, token, wanted, base64_encoded))

    def read(self, token: Token, base64_encoded: Encoded = False, fields: Fields = None, end_user: EndUser = None):
        wanted = self._fields(fields)
        tenant = self.router.tenant(end_user)
        return self._answer(200, lambda: self._document(tenant, token, wanted, base64_encoded))

    def delete(self, token: Token, fields: Fields = None, end_user: EndUser = None):
        """Judge0 answers the deleted submission, base64-encoded whatever is asked."""
        wanted = self._fields(fields)
        tenant = self.router.tenant(end_user)
        document = self._document(tenant, token, wanted, True)
        if not self.queue.store.delete(tenant.api_key_id, token):
            raise BadRequest("submission cannot be deleted before it has finished (its status is 1 or 2)")
        return json_response(200, document)

    def create_batch(self, request: Judge0Batch, base64_encoded: Encoded = False, end_user: EndUser = None):
        """Each item is queued or refused on its own: the answer lists tokens and errors in order."""
        tenant = self.router.tenant(end_user)
        answers = []
        for item in request.submissions:
            try:
                submission = Judge0Submission.model_validate(item)
                answers.append({"token": self._submit(submission, tenant, encoded=base64_encoded, wait=False)})
            except ValidationError as error:
                answers.append(_field_errors(refusal(error.errors(include_input=False))))
            except InvalidRequest as error:
                answers.append(_field_errors(error) if error.fields else {"error": error.message})
        status = 201 if any("token" in answer for answer in answers) else 422
        return json_response(status, answers)

    def read_batch(self, tokens: Annotated[str, Query(max_length=MAX_BATCH * 65)], base64_encoded: Encoded = False,
                   fields: Fields = None, end_user: EndUser = None):
        names = [token.strip() for token in tokens.split(",") if token.strip()]
        if not 1 <= len(names) <= MAX_BATCH:
            raise BadRequest(f"number of submissions in a batch should be between 1 and {MAX_BATCH}")
        wanted = self._fields(fields)
        tenant = self.router.tenant(end_user)
        return self._answer(200, lambda: {"submissions": [self._document_if_kept(tenant, token, wanted, base64_encoded)
                                                          for token in names]})

    def _submit(self, request: Judge0Submission, tenant: Tenant, *, encoded: bool, wait: bool) -> str:
        try:
            recipe = catalogue().for_judge0_id(request.language_id)
        except UnknownLanguage as unknown:
            raise InvalidRequest.for_field("language_id", str(unknown)) from None
        self.executions.recipe(recipe.id)  # a 422 when this deployment has no runner for it
        submission = request.submission(recipe, encoded=encoded, max_time_s=self._max_time_s())
        client = {"api": "judge0", "language_id": request.language_id, "settings": request.settings(submission.limits)}
        token = str(uuid.uuid4())
        if not wait:
            return self.queue.submit(submission, tenant, token, client=client)
        if submission.callback_url is not None:
            raise InvalidRequest.for_field("callback_url", "a callback is for wait=false")
        try:
            self.queue.run_and_keep(tenant, token, lambda: self.executions.run(recipe, submission.execution(), tenant,
                                                                               request_id=token, route="judge0"), client=client)
        except ApiError as error:
            if error.status < 500:
                raise
            # Kept as failed: Judge0 answers it as an Internal Error submission, not an HTTP error.
        return token

    def _document(self, tenant: Tenant, token: str, wanted: tuple[str, ...], encoded: bool) -> dict[str, Any]:
        document = self._document_if_kept(tenant, token, wanted, encoded)
        if document is None:
            raise NotFound(f"no submission {token} for this API key (or it expired)")
        return document

    def _document_if_kept(self, tenant: Tenant, token: str, wanted: tuple[str, ...], encoded: bool) -> dict[str, Any] | None:
        """The submission's `wanted` fields; None when this key has none by that token (a batch answers null)."""
        stored = self.queue.store.get(tenant.api_key_id, token)
        if stored is None:
            return None
        language_id = (stored.client or {}).get("language_id")
        recipe = self._recipe(str(language_id)) if language_id is not None else None
        return submission_document(stored, wanted, encoded=encoded, language_name=_name(recipe) if recipe else "")

    @staticmethod
    def _answer(status: int, document) -> Response:
        try:
            return json_response(status, document())
        except NotUtf8 as error:
            return json_response(400, {"error": str(error)})

    @staticmethod
    def _fields(fields: str | None) -> tuple[str, ...]:
        try:
            return fields_wanted(fields)
        except ValueError as error:
            raise BadRequest(str(error)) from None

    def _languages(self) -> list[tuple[int, str, Recipe]]:
        """(id, name, recipe) of every Judge0 id of the deployed languages, by name as Judge0 lists them."""
        found = [(judge0_id, _name(recipe), recipe) for recipe in self.executions.deployed() for judge0_id in recipe.judge0_ids]
        return sorted(found, key=lambda language: (language[1], language[0]))

    def _recipe(self, language_id: str) -> Recipe | None:
        deployed = {judge0_id: recipe for judge0_id, _, recipe in self._languages()}
        return deployed.get(int(language_id)) if language_id.isdigit() else None

    def _max_time_s(self) -> float:
        return self.executions.settings.max_time_ms / 1000


def _name(recipe: Recipe) -> str:
    return f"{recipe.name} ({recipe.version})"


def _field_errors(error: InvalidRequest) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for field in error.fields:
        grouped.setdefault(field.field, []).append(field.message)
    return grouped

