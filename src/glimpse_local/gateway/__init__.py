"""A local API Gateway: the REST API of template.yaml in front of its Lambda proxy integration.

Routes, API keys, the usage plan's rate, burst and quota per key, the 10 MB payload limit, the
integration timeout and the gateway's own responses all come from the template (ApiDefinition).
"""

from .definition import ApiDefinition, GatewayResponse, Route, UsagePlan
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
    "Route",
    "UsagePlan",
    "development_key",
    "new_key_value",
]
