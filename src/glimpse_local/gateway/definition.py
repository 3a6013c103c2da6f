"""The REST API as template.yaml declares it: its routes, which need an API key, the usage plan,
the gateway's own responses. Everything the local gateway does comes from here."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict

from glimpse_local.template import LocalResolver, function_properties, load_template

DEFAULT_TIMEOUT_MS = 29_000  # API Gateway's integration timeout when a route sets none
_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z.]+)")
_PATH_PARAMETER = re.compile(r"\{([A-Za-z0-9_]+)\}")

# API Gateway's own answer for each refusal it makes, unless the API customises it (GatewayResponses):
# the status, and the message of its default body {"message": ...}.
DEFAULT_RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),  # no such route
    "INVALID_API_KEY": (403, "Forbidden"),
    "THROTTLED": (429, "Too Many Requests"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out"),
    "INTEGRATION_FAILURE": (504, "Internal server error"),  # Lambda throttled the integration
    "DEFAULT_5XX": (502, "Internal server error"),  # the integration failed, or answered no proxy response
}


class Route(BaseModel):
    model_config = ConfigDict(frozen=True)

    method: str  # upper case
    path: str  # the resource path: /v1/executions/{execution_id} names a path parameter
    function: str  # the logical id of the Lambda proxy integration
    timeout_ms: int
    api_key_required: bool

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters if this route serves the request, else None. A parameter is one
        non-empty path segment, as API Gateway matches {name}."""
        if method != self.method:
            return None
        pattern = re.escape(self.path)
        for name in _PATH_PARAMETER.findall(self.path):
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>[^/]+)")
        found = re.fullmatch(pattern, path)
        return None if found is None else {name: unquote(value) for name, value in found.groupdict().items()}


class UsagePlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    rate_limit: float | None  # requests per second, per key
    burst_limit: int | None
    quota_limit: int | None  # requests per key per period
    quota_period: Literal["DAY", "WEEK", "MONTH"] | None


class GatewayResponse(BaseModel):
    """One of the gateway's own answers, with the $context variables of its body filled in."""

    model_config = ConfigDict(frozen=True)

    status: int
    headers: dict[str, str]
    body_template: str

    def body(self, context: Mapping[str, str]) -> bytes:
        return _CONTEXT_VARIABLE.sub(lambda match: context.get(match[1], match[0]), self.body_template).encode()


class ApiDefinition(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str  # the AWS::Serverless::Api's logical id
    stage: str
    routes: tuple[Route, ...]
    usage_plan: UsagePlan | None
    responses: dict[str, GatewayResponse]  # by response type, every type of DEFAULT_RESPONSES

    def route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route serving this request and its path parameters; a literal path wins over one
        with parameters, as in API Gateway."""
        for route in sorted(self.routes, key=lambda route: "{" in route.path):
            parameters = route.match(method, path)
            if parameters is not None:
                return route, parameters
        return None

    @classmethod
    def from_template(cls, template_path: Path, parameters: Mapping[str, str] | None = None) -> ApiDefinition:
        template = load_template(template_path)
        resolver = LocalResolver(template, parameters)
        resources = template.get("Resources", {})
        apis = [name for name, resource in resources.items() if resource.get("Type") == "AWS::Serverless::Api"]
        if len(apis) != 1:
            raise ValueError(f"the local gateway serves one AWS::Serverless::Api; {template_path} declares {len(apis)}")
        name = apis[0]
        api = resources[name].get("Properties", {})
        return cls(
            name=name,
            stage=str(resolver.value(api["StageName"])),
            routes=_routes(template, name, resolver, default_key_required=bool(api.get("Auth", {}).get("ApiKeyRequired", False))),
            usage_plan=_usage_plan(resources, name, resolver),
            responses=_responses(resolver.value(api.get("GatewayResponses", {}))),
        )


def _routes(template: Mapping[str, Any], api: str, resolver: LocalResolver, *, default_key_required: bool) -> tuple[Route, ...]:
    found = []
    for function, properties in function_properties(template).items():
        for event in properties.get("Events", {}).values():
            settings = event.get("Properties", {})
            if event.get("Type") != "Api" or settings.get("RestApiId") != {"Ref": api}:
                continue
            path = resolver.value(settings["Path"])
            if "{" in path and not re.fullmatch(r"(/[^/{}]+|/\{[A-Za-z0-9_]+\})+", path):
                raise ValueError(f"{function}: route {path}: the local gateway routes only whole-segment {{name}} parameters")
            found.append(Route(
                method=resolver.value(settings["Method"]).upper(), path=path, function=function,
                timeout_ms=int(resolver.value(settings.get("TimeoutInMillis", DEFAULT_TIMEOUT_MS))),
                api_key_required=bool(resolver.value(settings.get("Auth", {}).get("ApiKeyRequired", default_key_required))),
            ))
    return tuple(found)


def _usage_plan(resources: Mapping[str, Any], api: str, resolver: LocalResolver) -> UsagePlan | None:
    """The usage plan of the API's stage, which every API key of the local gateway is given."""
    plans = [resource.get("Properties", {}) for resource in resources.values()
             if resource.get("Type") == "AWS::ApiGateway::UsagePlan"
             and any(stage.get("ApiId") == {"Ref": api} for stage in resource.get("Properties", {}).get("ApiStages", []))]
    if not plans:
        return None
    if len(plans) > 1:
        raise ValueError(f"{api} has {len(plans)} usage plans; the local gateway gives every key one")
    throttle = resolver.value(plans[0].get("Throttle", {}))
    quota = resolver.value(plans[0].get("Quota", {}))
    return UsagePlan(
        rate_limit=float(throttle["RateLimit"]) if "RateLimit" in throttle else None,
        burst_limit=int(throttle["BurstLimit"]) if "BurstLimit" in throttle else None,
        quota_limit=int(quota["Limit"]) if "Limit" in quota else None,
        quota_period=quota.get("Period"),
    )


def _responses(customised: Mapping[str, Any]) -> dict[str, GatewayResponse]:
    """Each response type as the API customises it, over DEFAULT_4XX or DEFAULT_5XX, over API
    Gateway's default. Header values are static ('quoted') literals."""
    responses = {}
    for response_type, (default_status, message) in DEFAULT_RESPONSES.items():
        fallback = customised.get("DEFAULT_4XX" if default_status < 500 else "DEFAULT_5XX", {})
        own = customised.get(response_type, {})
        headers = fallback.get("ResponseParameters", {}).get("Headers", {}) | own.get("ResponseParameters", {}).get("Headers", {})
        templates = own.get("ResponseTemplates") or fallback.get("ResponseTemplates") or {}
        responses[response_type] = GatewayResponse(
            status=int(own.get("StatusCode") or fallback.get("StatusCode") or default_status),
            headers={name: value.strip("'") for name, value in headers.items()},
            body_template=templates.get("application/json", json.dumps({"message": message})),
        )
    return responses
