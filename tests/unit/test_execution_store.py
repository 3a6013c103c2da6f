"""The asynchronous executions' table: states, tenants kept apart, expiry on read, large
documents split over parts, the request dropped once the result is in. Against moto's DynamoDB."""

import os
import random

import boto3
import pytest
from moto import mock_aws

from glimpse.api.store import PART_BYTES, ExecutionStore


class Clock:
    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def table():
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        yield dynamodb.create_table(TableName="Executions", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")


def test_an_execution_goes_queued_running_finished_and_only_its_tenant_sees_it(table):
    store = ExecutionStore(table, ttl_s=3600)
    assert store.create("tenant-a", "e1", {"language": "python", "code": "print(1)"}, callback_url="https://example.com/hook")
    assert not store.create("tenant-a", "e1", {"language": "python", "code": "print(2)"})  # ids are not reused
    assert store.get("tenant-a", "e1").state == "queued"
    assert store.get("tenant-b", "e1") is None
    started = store.start("tenant-a", "e1")
    assert (started.request, started.callback_url) == ({"language": "python", "code": "print(1)"}, "https://example.com/hook")
    assert store.start("tenant-a", "e1") is None  # a second dispatch of the same execution runs nothing
    assert store.get("tenant-a", "e1").state == "running"
    store.finish("tenant-a", "e1", {"id": "e1", "status": "ok"})
    finished = store.get("tenant-a", "e1")
    assert (finished.state, finished.result, finished.callback_url) == ("finished", {"id": "e1", "status": "ok"}, "https://example.com/hook")
    assert "request" not in table.get_item(Key={"id": "execution#tenant-a#e1"})["Item"]


def test_an_expired_execution_is_gone_for_readers_before_ttl_deletes_it(table):
    clock = Clock()
    store = ExecutionStore(table, ttl_s=60, clock=clock)
    store.create("tenant-a", "e1", {})
    clock.now += 59
    assert store.get("tenant-a", "e1") is not None
    clock.now += 1
    assert store.get("tenant-a", "e1") is None
    assert store.start("tenant-a", "e1") is None  # expired before its dispatch: not run, though TTL has not deleted it yet


def test_documents_larger_than_an_item_are_split_and_the_requests_parts_removed_at_the_end(table):
    store = ExecutionStore(table, ttl_s=3600)
    noise = random.Random(7).randbytes(PART_BYTES * 2).hex()  # incompressible: three parts and more
    store.create("tenant-a", "big", {"stdin": noise})
    assert store.start("tenant-a", "big").request == {"stdin": noise}
    store.finish("tenant-a", "big", {"run": {"stdout": noise}})
    assert store.get("tenant-a", "big").result == {"run": {"stdout": noise}}
    keys = {item["id"] for item in table.scan()["Items"]}
    assert not any("#request#" in key for key in keys) and sum("#result#" in key for key in keys) >= 3
