"""Asynchronous executions in DynamoDB: the one place that knows the table's layout.

One item per execution, keyed by its tenant (the API key) and id, so a tenant asking for another
tenant's id finds nothing. It goes `queued` (the router accepted it, with its request) →
`running` (the dispatcher took it) → `finished` (the dispatcher stored the result and dropped the
request). Every item carries `created_ms` (and once finished `finished_ms`, epoch milliseconds)
and `expiration` (epoch seconds): DynamoDB's TTL deletes it some time after, and reads ignore it
from then on, since TTL deletion is lazy.

Requests and results are stored zlib-compressed; one too large for an item (400 KB) is split
over part items, written before the item that points to them. Powertools' idempotency records
live in the same table under keys of their own.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel

PART_BYTES = 350_000  # under DynamoDB's 400 KB item limit, with room for the key and the rest
TTL_ATTRIBUTE = "expiration"  # the table's TimeToLiveSpecification; Powertools' idempotency uses it too

ExecutionState = Literal["queued", "running", "finished"]


class StoredExecution(BaseModel):
    id: str
    state: ExecutionState
    result: dict[str, Any] | None = None  # once finished: the result document, or the failure's
    callback_url: str | None = None
    created_ms: int  # epoch milliseconds
    finished_ms: int | None = None
    client: dict[str, Any] | None = None  # what the API that took it keeps of its request (create's `client`)


class StartedExecution(BaseModel):
    request: dict[str, Any]
    callback_url: str | None = None


class ExecutionStore:
    """`table` is a boto3 DynamoDB Table resource; `ttl_s` how long an execution is kept."""

    def __init__(self, table, *, ttl_s: int, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.ttl_s = ttl_s
        self._clock = clock

    def create(self, tenant_id: str, execution_id: str, request: dict[str, Any], *, callback_url: str | None = None,
               client: dict[str, Any] | None = None) -> bool:
        """Record a queued execution and its request; False if this tenant has one by that id.
        `client` is a small document the API that took the request keeps beside the result (never
        the code or its input): how to answer in that API's own terms."""
        key = _key(tenant_id, execution_id)
        expiration = self._expiration()
        item = {"id": key, "state": "queued", TTL_ATTRIBUTE: expiration, "created_ms": self._now_ms()}
        item |= self._write_blob(key, "request", request, expiration)
        if callback_url:
            item["callback_url"] = callback_url
        if client:
            item["client"] = json.dumps(client, separators=(",", ":"))
        return self._conditional(lambda: self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)"))

    def start(self, tenant_id: str, execution_id: str) -> StartedExecution | None:
        """Mark a queued execution running and return what running it needs; None if it was not
        queued (a dispatch delivered twice, or an execution expired meanwhile)."""
        key = _key(tenant_id, execution_id)
        updated: list[dict] = []
        started = self._conditional(lambda: updated.append(self.table.update_item(
            Key={"id": key}, UpdateExpression="SET #state = :running", ConditionExpression="#state = :queued AND #expiration > :now",
            ExpressionAttributeNames={"#state": "state", "#expiration": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":running": "running", ":queued": "queued", ":now": int(self._clock())},
            ReturnValues="ALL_NEW",
        )))
        if not started:
            return None
        item = updated[0]["Attributes"]
        return StartedExecution(request=self._read_blob(key, "request", item), callback_url=item.get("callback_url"))

    def finish(self, tenant_id: str, execution_id: str, result: dict[str, Any]) -> None:
        """Store the result and drop the request: the code and its input are kept no longer than needed."""
        key = _key(tenant_id, execution_id)
        expiration = self._expiration()
        item = self.table.get_item(Key={"id": key}, ConsistentRead=True).get("Item", {})
        stored = self._write_blob(key, "result", result, expiration)
        stored["finished_ms"] = self._now_ms()
        names = {"#state": "state", "#expiration": TTL_ATTRIBUTE, "#request": "request"} | {f"#{name}": name for name in stored}
        values = {":finished": "finished", ":expiration": expiration} | {f":{name}": value for name, value in stored.items()}
        assignments = ", ".join(["#state = :finished", "#expiration = :expiration", *(f"#{name} = :{name}" for name in stored)])
        self.table.update_item(Key={"id": key}, UpdateExpression=f"SET {assignments} REMOVE #request, request_parts",
                               ConditionExpression="attribute_exists(id)",  # not one TTL deleted meanwhile
                               ExpressionAttributeNames=names, ExpressionAttributeValues=values)
        with self.table.batch_writer() as batch:
            for number in range(int(item.get("request_parts", 0))):
                batch.delete_item(Key={"id": f"{key}#request#{number}"})

    def get(self, tenant_id: str, execution_id: str) -> StoredExecution | None:
        """This tenant's execution, or None if it has none by that id (or it expired)."""
        key = _key(tenant_id, execution_id)
        item = self.table.get_item(Key={"id": key}, ConsistentRead=True).get("Item")
        if item is None or int(item.get(TTL_ATTRIBUTE, 0)) <= self._clock():
            return None
        result = self._read_blob(key, "result", item) if item["state"] == "finished" else None
        return StoredExecution(id=execution_id, state=item["state"], result=result, callback_url=item.get("callback_url"),
                               created_ms=int(item.get("created_ms", 0)), finished_ms=int(item["finished_ms"]) if "finished_ms" in item else None,
                               client=json.loads(item["client"]) if "client" in item else None)

    def delete(self, tenant_id: str, execution_id: str) -> bool:
        """Delete a finished execution of this tenant and its parts; False if it has none finished by that id."""
        key = _key(tenant_id, execution_id)
        deleted: list[dict] = []
        if not self._conditional(lambda: deleted.append(self.table.delete_item(
                Key={"id": key}, ConditionExpression="#state = :finished", ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":finished": "finished"}, ReturnValues="ALL_OLD"))):
            return False
        with self.table.batch_writer() as batch:
            for number in range(int(deleted[0]["Attributes"].get("result_parts", 0))):
                batch.delete_item(Key={"id": f"{key}#result#{number}"})
        return True

    def _write_blob(self, key: str, name: str, document: dict[str, Any], expiration: int) -> dict[str, Any]:
        """The attributes that hold `document` in the item; its parts, if it needs some, are written now."""
        blob = zlib.compress(json.dumps(document, separators=(",", ":")).encode())
        if len(blob) <= PART_BYTES:
            return {name: blob}
        parts = [blob[offset:offset + PART_BYTES] for offset in range(0, len(blob), PART_BYTES)]
        with self.table.batch_writer() as batch:
            for number, part in enumerate(parts):
                batch.put_item(Item={"id": f"{key}#{name}#{number}", "data": part, TTL_ATTRIBUTE: expiration})
        return {f"{name}_parts": len(parts)}

    def _read_blob(self, key: str, name: str, item: dict[str, Any]) -> dict[str, Any]:
        if name in item:
            blob = bytes(item[name])
        else:
            blob = b"".join(bytes(self.table.get_item(Key={"id": f"{key}#{name}#{number}"}, ConsistentRead=True)["Item"]["data"])
                            for number in range(int(item[f"{name}_parts"])))
        return json.loads(zlib.decompress(blob))

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _expiration(self) -> int:
        return int(self._clock()) + self.ttl_s

    @staticmethod
    def _conditional(write: Callable[[], Any]) -> bool:
        try:
            write()
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _key(tenant_id: str, execution_id: str) -> str:
    return f"execution#{tenant_id}#{execution_id}"
