"""The environment variables Lambda gives a function's runtime process."""

import secrets
import time

from .config import FunctionConfig

# Every fake credential contains this, so a test can search any output for a leaked secret.
FAKE_SECRET_MARKER = "GLIMPSEFAKESECRET"

REGION = "us-east-1"
# RAPID (aws-lambda-rie) writes this account into every function ARN it gives a runtime; the rest
# of the local stack uses the same, so an ARN a function is told is one the stack knows.
ACCOUNT_ID = "012345678912"


def function_arn(function: FunctionConfig) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function.name}"


def lambda_variables(function: FunctionConfig, *, profile: str, runtime_api: str) -> dict[str, str]:
    """Lambda's variables for one environment, then the function's own, then GLIMPSE_PROFILE."""
    return {
        **_platform_variables(function, runtime_api),
        **_fake_credentials(),
        **function.environment,
        "GLIMPSE_PROFILE": profile,
    }


def _platform_variables(function: FunctionConfig, runtime_api: str) -> dict[str, str]:
    return {
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": _log_stream_name(),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": function.handler,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
        "PYTHONPATH": "/var/runtime",
    }


def _fake_credentials() -> dict[str, str]:
    # Shaped like an execution role's session credentials; fresh per environment, as in Lambda.
    return {
        "AWS_ACCESS_KEY_ID": f"ASIA{FAKE_SECRET_MARKER}",
        "AWS_SECRET_ACCESS_KEY": f"{FAKE_SECRET_MARKER}/{secrets.token_urlsafe(24)}",
        "AWS_SESSION_TOKEN": f"{FAKE_SECRET_MARKER}{secrets.token_urlsafe(96)}",
    }


def _log_stream_name() -> str:
    return time.strftime("%Y/%m/%d", time.gmtime()) + f"/[$LATEST]{secrets.token_hex(16)}"
