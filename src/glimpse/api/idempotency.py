"""Idempotency-Key: a retried submission gets the first one's execution instead of a second run.

Powertools' idempotency utility keeps one record per (tenant, key) in the executions table: the
first request runs `action` and stores the execution id it returns; a retry with the same key and
the same body gets that id back; the same key with another body is refused; a retry while the
first is still under way is a conflict. An action that fails is forgotten, so a retry runs it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer, IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from glimpse.api.errors import Conflict, InvalidRequest

HEADER = "Idempotency-Key"


class Idempotency:
    def __init__(self, persistence: BasePersistenceLayer, *, ttl_s: int) -> None:
        self.persistence = persistence
        self.config = IdempotencyConfig(event_key_jmespath="[tenant, key]", payload_validation_jmespath="body_sha256",
                                        expires_after_seconds=ttl_s, raise_on_no_idempotency_key=True)

    def once(self, tenant_id: str, key: str, body: str, action: Callable[[], str]) -> str:
        """The execution id `action` returned for the first request with this tenant and key."""

        @idempotent_function(data_keyword_argument="submission", persistence_store=self.persistence, config=self.config)
        def submit(submission: dict) -> dict:
            return {"id": action()}

        fingerprint = hashlib.sha256(body.encode("utf-8", errors="surrogatepass")).hexdigest()
        try:
            return submit(submission={"tenant": tenant_id, "key": key, "body_sha256": fingerprint})["id"]
        except IdempotencyAlreadyInProgressError:
            raise Conflict(f"the request with this {HEADER} is still under way; retry later") from None
        except IdempotencyValidationError:
            raise InvalidRequest.for_field(HEADER, "was already used with another body") from None
