"""A local API Gateway: the REST API of template.yaml in front of its Lambda proxy integration.

Routes, the Lambda authorizer and the API key source, API keys, the usage plans' rate, burst and
quota per key, the WAF's per-IP rule, the 10 MB payload limit, the integration timeout and the
gateway's own responses all come from the template (ApiDefinition).
"""

from .definition import ApiDefinition, GatewayResponse, PerIpRule, Route, TemplateKey, UsagePlan
from .keys import DEV_KEY_FILE, DEV_KEY_VARIABLE, ApiKey, development_key, new_key_value
from .server import MAX_BODY_BYTES, LocalGateway

__all__ = [
    "DEV_KEY_FILE",
    "DEV_KEY_VARIABLE",
    "MAX_BODY_BYTES",
    "ApiDefinition",
    "ApiKey",
    "GatewayResponse",
    "LocalGateway",
    "PerIpRule",
    "Route",
    "TemplateKey",
    "UsagePlan",
    "development_key",
    "new_key_value",
]
