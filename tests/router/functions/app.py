"""Stand-ins for a runner, for what the real one cannot be made to do on purpose: answer later
than the router waits, and say which tenant it was invoked for. Pure stdlib."""

import json
import os
import time


def sleep(event, context):
    time.sleep(float(os.environ["SLEEP_S"]))
    return {}


def echo_tenant(event, context):
    """A result that follows the contract, whose stdout is the invocation's tenant id."""
    stage = {"status": "ok", "stdout": json.dumps({"tenant_id": getattr(context, "tenant_id", None)}), "exit_code": 0}
    return {"id": event["id"], "language": event["language"], "version": "0", "status": "ok", "run": stage,
            "limits": event["limits"], "isolation": {"profile": "stand-in", "protections": []}}


def forge(event, context):
    """What a program that took over a runner could answer: a result that does not follow the
    contract in the way the event's stdin names."""
    stage = {"status": "ok", "stdout": "forged", "exit_code": 0}
    result = {"id": event["id"], "language": event["language"], "version": "0", "status": "accepted", "run": stage,
              "limits": event["limits"], "isolation": {"profile": "lambda", "protections": []}}
    forgery = event["stdin"]
    if forgery == "unknown field":
        result["forged\n{\"level\":\"INFO\"}"] = True
    elif forgery == "another execution":
        result["id"] = "someone-elses-execution"
    elif forgery == "tests not asked for":
        result["tests"] = [{"index": 0, "status": "accepted"}]
    elif forgery == "oversized output":
        stage["stdout"] = "x" * (2 * 1024 * 1024)
    elif forgery == "bad signal":
        stage["signal"] = "SIGKILL\nforged log line"
    elif forgery == "not an object":
        return ["forged"]
    return result
