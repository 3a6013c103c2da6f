"""A REQUEST Lambda authorizer, as API Gateway runs one for a REST API: the event the function is
given (the request's proxy event without its body, plus `type` and `methodArn`), and what its
answer does. An IAM policy allowing `execute-api:Invoke` on the request's method ARN, with no
statement denying it, admits the request; its principal and context go to the integration under
`requestContext.authorizer`, and its `usageIdentifierKey` is the request's API key when the API's
key source is AUTHORIZER.

Refusals, as API Gateway answers them: a policy that does not allow the request, ACCESS_DENIED
(403); a function that fails with the message "Unauthorized", UNAUTHORIZED (401); one that fails
otherwise, answers something else or not in time, AUTHORIZER_CONFIGURATION_ERROR (500).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from glimpse_local.environment.variables import ACCOUNT_ID, REGION

from .proxy import LOCAL_API_ID

# What an authorizer is given of the proxy event (not the body, nor whether it is base64).
_REQUEST_FIELDS = ("resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
                   "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext")


class AuthorizerRefusal(Exception):
    def __init__(self, response_type: str, reason: str) -> None:
        super().__init__(reason)
        self.response_type = response_type


@dataclass(frozen=True)
class Authorization:
    """An authorizer's answer that admits the request."""

    principal_id: str
    context: dict[str, str]
    usage_identifier_key: str | None
    latency_ms: int  # how long the authorizer took to answer

    def request_context(self) -> dict:
        """What the integration's event has under requestContext.authorizer."""
        return {"principalId": self.principal_id, "integrationLatency": self.latency_ms, **self.context}


def method_arn(method: str, path: str, stage: str) -> str:
    """The method ARN of a request: the request's own path, not its route's."""
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{LOCAL_API_ID}/{stage}/{method}{path}"


def authorizer_event(proxy_event: dict, arn: str) -> dict:
    return {"type": "REQUEST", "methodArn": arn, **{name: proxy_event[name] for name in _REQUEST_FIELDS}}


def authorization(payload: bytes, function_error: str | None, arn: str, *, latency_ms: int) -> Authorization:
    """The authorizer's answer for the request of this method ARN; AuthorizerRefusal if it refuses it."""
    if function_error:
        message = _error_message(payload)
        if message == "Unauthorized":
            raise AuthorizerRefusal("UNAUTHORIZED", "the authorizer answered Unauthorized")
        raise AuthorizerRefusal("AUTHORIZER_CONFIGURATION_ERROR", f"the authorizer failed: {message}")
    try:
        document = json.loads(payload)
        principal, statements = document["principalId"], document["policyDocument"]["Statement"]
        context = {name: _context_value(value) for name, value in (document.get("context") or {}).items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise AuthorizerRefusal("AUTHORIZER_CONFIGURATION_ERROR", f"the authorizer answered no policy: {error!r}") from None
    effect = _effect(statements if isinstance(statements, list) else [statements], arn)
    if effect != "Allow":
        raise AuthorizerRefusal("ACCESS_DENIED", f"the authorizer's policy {'denies' if effect else 'does not allow'} {arn}")
    return Authorization(str(principal), context, document.get("usageIdentifierKey"), latency_ms)


def _error_message(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("errorMessage"))
    except (ValueError, AttributeError):
        return payload[:200].decode(errors="replace")


def _context_value(value: object) -> str:
    """API Gateway hands a REST integration every context value as a string (true, not True)."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _effect(statements: list, arn: str) -> str | None:
    """Deny if a statement that matches denies, else Allow if one allows, else None (not allowed)."""
    effects = {statement.get("Effect") for statement in statements
               if _matches(statement.get("Action"), "execute-api:Invoke", re.IGNORECASE) and _matches(statement.get("Resource"), arn)}
    return "Deny" if "Deny" in effects else "Allow" if "Allow" in effects else None


def _matches(patterns: str | list | None, value: str, flags: int = 0) -> bool:
    """IAM's wildcards: `*` any characters, `?` one."""
    for pattern in [patterns] if isinstance(patterns, str) else patterns or []:
        regex = ".*".join(".".join(map(re.escape, part.split("?"))) for part in pattern.split("*"))
        if re.fullmatch(regex, value, flags):
            return True
    return False
