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
