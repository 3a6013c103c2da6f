"""A stand-in for the router behind the local gateway: it answers the proxy event it was given as
the body of a proxy response, or does what the path asks. Pure stdlib."""

import json
import time


def handler(event, context):
    if event["path"] == "/slow":
        time.sleep(3)
    if event["path"] == "/fail":
        raise RuntimeError("asked to fail")
    if event["path"] == "/not-proxy":
        return {"hello": "world"}
    return {"statusCode": 201, "headers": {"X-Answer": "yes"}, "multiValueHeaders": {"X-Many": ["a", "b"]},
            "body": json.dumps(event)}
