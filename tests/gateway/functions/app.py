"""Stand-ins for the router behind the local gateway, and for its authorizer. `handler` answers the
proxy event it was given as the body of a proxy response, or does what the path asks. Pure stdlib."""

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


def authorize(event, context):
    """A stand-in REQUEST authorizer: it answers what the request's X-Test-Answer asks (allow by
    default), the key in X-Test-Key as usageIdentifierKey, and the event it was given in its context."""
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    asked = headers.get("x-test-answer", "allow")
    if asked == "unauthorized":
        raise Exception("Unauthorized")
    if asked == "fail":
        raise RuntimeError("asked to fail")
    if asked == "no-policy":
        return {"principalId": "stand-in"}
    resource = event["methodArn"] if asked != "elsewhere" else event["methodArn"].rsplit("/", 1)[0] + "/elsewhere"
    statement = {"Action": "execute-api:Invoke", "Effect": "Deny" if asked == "deny" else "Allow", "Resource": resource}
    answer = {"principalId": "stand-in", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
              "context": {"event": json.dumps(event), "count": 3, "flag": True}}
    if "x-test-key" in headers:
        answer["usageIdentifierKey"] = headers["x-test-key"]
    return answer
