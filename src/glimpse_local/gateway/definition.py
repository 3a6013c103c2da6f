"""The REST API as template.yaml declares it: its routes, which need an API key and which an
authorizer, where the key comes from, the keys and usage plans of the template, the WAF's per-IP
rule on the stage, the gateway's own responses. Everything the local gateway does comes from here."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict

from glimpse_local.template import LocalResolver, function_properties, load_template

from .keys import ApiKey

DEFAULT_TIMEOUT_MS = 29_000  # API Gateway's integration timeout when a route sets none
_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z.]+)")
_PATH_PARAMETER = re.compile(r"\{([A-Za-z0-9_]+)\}")

# API Gateway's own answer for each refusal it makes, unless the API customises it (GatewayResponses):
# the status, and the message of its default body {"message": ...}.
DEFAULT_RESPONSES: dict[str, tuple[int, str | None]] = {
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),  # no such route
    "UNAUTHORIZED": (401, "Unauthorized"),  # the authorizer failed with "Unauthorized"
    "ACCESS_DENIED": (403, "User is not authorized to access this resource"),  # the authorizer's policy denies the request
    "AUTHORIZER_CONFIGURATION_ERROR": (500, None),  # the authorizer failed otherwise, or answered no policy
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
    authorizer: str | None = None  # the logical id of the function of the route's REQUEST authorizer

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


class TemplateKey(BaseModel):
    """An enabled AWS::ApiGateway::ApiKey of the template, tied to a usage plan of the stage by an
    AWS::ApiGateway::UsagePlanKey: the gateway knows it besides the keys it is given."""

    model_config = ConfigDict(frozen=True)

    key: ApiKey
    usage_plan: UsagePlan


class PerIpRule(BaseModel):
    """The WAF web ACL's rate-based rule on the stage: at most `limit` requests per source IP over
    the last `window_s` seconds, then the rule's own answer."""

    model_config = ConfigDict(frozen=True)

    limit: int
    window_s: int
    status: int
    headers: dict[str, str]
    content_type: str
    body: str


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
    usage_plan: UsagePlan | None  # of every key but the template's own: the plan of the stage no UsagePlanKey names
    responses: dict[str, GatewayResponse]  # by response type, every type of DEFAULT_RESPONSES
    key_source: Literal["HEADER", "AUTHORIZER"] = "HEADER"  # the x-api-key header, or the authorizer's usageIdentifierKey
    template_keys: tuple[TemplateKey, ...] = ()
    per_ip_rule: PerIpRule | None = None

    @property
    def functions(self) -> set[str]:
        """The functions the API invokes: its routes' integrations and authorizers."""
        return {route.function for route in self.routes} | {route.authorizer for route in self.routes if route.authorizer}

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
        plans = _usage_plans(resources, name, resolver)
        plan_keys = _plan_keys(resources, resolver)
        shared = [plan for plan_id, plan in plans.items() if plan_id not in plan_keys.values()]
        if len(shared) > 1:
            raise ValueError(f"{name} has {len(shared)} usage plans no UsagePlanKey names; the local gateway gives every key one")
        return cls(
            name=name,
            stage=str(resolver.value(api["StageName"])),
            routes=_routes(template, name, resolver, api.get("Auth", {})),
            usage_plan=shared[0] if shared else None,
            responses=_responses(resolver.value(api.get("GatewayResponses", {}))),
            key_source=resolver.value(api.get("ApiKeySourceType", "HEADER")),
            template_keys=_template_keys(resources, resolver, {key: plans[plan] for key, plan in plan_keys.items() if plan in plans}),
            per_ip_rule=_per_ip_rule(resources, name, resolver),
        )


def _present(resources: Mapping[str, Any], kind: str, resolver: LocalResolver) -> dict[str, dict[str, Any]]:
    """The unresolved properties of each resource of this type that the template's conditions create."""
    return {name: resource.get("Properties", {}) for name, resource in resources.items()
            if resource.get("Type") == kind and ("Condition" not in resource or resolver.condition(resource["Condition"]))}


def _routes(template: Mapping[str, Any], api: str, resolver: LocalResolver, auth: Mapping[str, Any]) -> tuple[Route, ...]:
    authorizers = _authorizers(auth, resolver)
    found = []
    for function, properties in function_properties(template).items():
        for event in properties.get("Events", {}).values():
            settings = event.get("Properties", {})
            if event.get("Type") != "Api" or settings.get("RestApiId") != {"Ref": api}:
                continue
            path = resolver.value(settings["Path"])
            if "{" in path and not re.fullmatch(r"(/[^/{}]+|/\{[A-Za-z0-9_]+\})+", path):
                raise ValueError(f"{function}: route {path}: the local gateway routes only whole-segment {{name}} parameters")
            route_auth = settings.get("Auth", {})
            authorizer = route_auth.get("Authorizer", auth.get("DefaultAuthorizer", "NONE"))
            if authorizer != "NONE" and authorizer not in authorizers:
                raise ValueError(f"{function}: route {path}: the API declares no Lambda authorizer {authorizer}")
            found.append(Route(
                method=resolver.value(settings["Method"]).upper(), path=path, function=function,
                timeout_ms=int(resolver.value(settings.get("TimeoutInMillis", DEFAULT_TIMEOUT_MS))),
                api_key_required=bool(resolver.value(route_auth.get("ApiKeyRequired", auth.get("ApiKeyRequired", False)))),
                authorizer=authorizers.get(authorizer),
            ))
    return tuple(found)


def _authorizers(auth: Mapping[str, Any], resolver: LocalResolver) -> dict[str, str]:
    """The function of each of the API's authorizers, by the authorizer's name."""
    found = {}
    for name, authorizer in auth.get("Authorizers", {}).items():
        arn = authorizer.get("FunctionArn")
        function = arn["Fn::GetAtt"][0] if isinstance(arn, dict) and "Fn::GetAtt" in arn else None
        if function is None or authorizer.get("FunctionPayloadType") != "REQUEST":
            raise ValueError(f"authorizer {name}: the local gateway runs REQUEST Lambda authorizers of the template's "
                             "functions only (FunctionPayloadType: REQUEST, FunctionArn: !GetAtt <function>.Arn)")
        # SAM caches a Lambda authorizer's answers for 300 s unless told otherwise.
        if int(resolver.value(authorizer.get("Identity", {}).get("ReauthorizeEvery", 300))) != 0:
            raise ValueError(f"authorizer {name}: the local gateway caches no authorizer's answer: set Identity.ReauthorizeEvery to 0")
        found[name] = function
    return found


def _usage_plans(resources: Mapping[str, Any], api: str, resolver: LocalResolver) -> dict[str, UsagePlan]:
    """The usage plans of the API's stage, by logical id."""
    return {name: _usage_plan(properties, resolver) for name, properties in _present(resources, "AWS::ApiGateway::UsagePlan", resolver).items()
            if any(stage.get("ApiId") == {"Ref": api} for stage in properties.get("ApiStages", []))}


def _plan_keys(resources: Mapping[str, Any], resolver: LocalResolver) -> dict[str, str]:
    """The usage plan each ApiKey of the template is in, by the key's logical id (UsagePlanKey)."""
    return {properties["KeyId"]["Ref"]: properties["UsagePlanId"]["Ref"]
            for properties in _present(resources, "AWS::ApiGateway::UsagePlanKey", resolver).values()}


def _usage_plan(properties: Mapping[str, Any], resolver: LocalResolver) -> UsagePlan:
    throttle = resolver.value(properties.get("Throttle", {}))
    quota = resolver.value(properties.get("Quota", {}))
    return UsagePlan(
        rate_limit=float(throttle["RateLimit"]) if "RateLimit" in throttle else None,
        burst_limit=int(throttle["BurstLimit"]) if "BurstLimit" in throttle else None,
        quota_limit=int(quota["Limit"]) if "Limit" in quota else None,
        quota_period=quota.get("Period"),
    )


def _template_keys(resources: Mapping[str, Any], resolver: LocalResolver, key_plans: Mapping[str, UsagePlan]) -> tuple[TemplateKey, ...]:
    """The template's enabled keys (CloudFormation's default is disabled) in a plan of the stage
    (`key_plans`, by the key's logical id)."""
    found = []
    for name, properties in _present(resources, "AWS::ApiGateway::ApiKey", resolver).items():
        properties = resolver.value(properties)
        if str(properties.get("Enabled", False)).lower() != "true" or name not in key_plans:
            continue
        if "Value" not in properties:  # API Gateway would generate one, which only a deployment knows
            raise ValueError(f"{name}: the local gateway knows a template's API key by its Value")
        found.append(TemplateKey(key=ApiKey.of(properties["Value"]), usage_plan=key_plans[name]))
    return tuple(found)


# WAF's body content types, as the web ACL's CustomResponseBodies name them.
_WAF_CONTENT_TYPES = {"APPLICATION_JSON": "application/json", "TEXT_PLAIN": "text/plain", "TEXT_HTML": "text/html"}
# The body of WAF's answer to a blocked request without a custom response (403, text/html).
_WAF_FORBIDDEN = "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center></body></html>"


def _per_ip_rule(resources: Mapping[str, Any], api: str, resolver: LocalResolver) -> PerIpRule | None:
    """The rate-based rule per IP of the WAF web ACL associated with the API's stage, if one is."""
    for association in _present(resources, "AWS::WAFv2::WebACLAssociation", resolver).values():
        if "${" + api + "}" in str(association.get("ResourceArn", {}).get("Fn::Sub", "")):
            acl = association["WebACLArn"]["Fn::GetAtt"][0]
            return _rate_rule(acl, resolver.value(resources[acl]["Properties"]))
    return None


def _rate_rule(acl: str, properties: Mapping[str, Any]) -> PerIpRule:
    rules = properties.get("Rules", [])
    statement = rules[0].get("Statement", {}).get("RateBasedStatement", {}) if len(rules) == 1 else {}
    if statement.get("AggregateKeyType") != "IP" or "Block" not in rules[0].get("Action", {}):
        raise ValueError(f"{acl}: the local gateway applies a web ACL of one rule, a rate-based rule per IP that blocks")
    custom = rules[0]["Action"]["Block"].get("CustomResponse", {})
    body = properties.get("CustomResponseBodies", {}).get(custom.get("CustomResponseBodyKey"))
    return PerIpRule(
        limit=int(statement["Limit"]), window_s=int(statement.get("EvaluationWindowSec", 300)), status=int(custom.get("ResponseCode", 403)),
        headers={header["Name"]: str(header["Value"]) for header in custom.get("ResponseHeaders", [])},
        content_type=_WAF_CONTENT_TYPES[body["ContentType"]] if body else "text/html", body=body["Content"] if body else _WAF_FORBIDDEN,
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
