"""The REST API's Lambda authorizer (functions/authorizer/app.py): it names the API key each request
is checked and metered with, so that a key may come in X-Auth-Token as well as in x-api-key, and
the compatibility routes may be public (template parameter CompatRoutes).

The API's ApiKeySourceType is AUTHORIZER: API Gateway takes the key from the authorizer's answer
(`usageIdentifierKey`) and checks it as it checks any key, an unknown one being a 403 and a known
one metered by its usage plan. Every route of the API still requires a key, so no request to it
reaches the router unmetered:

- the key in x-api-key, else the one in X-Auth-Token (the header Judge0's own deployments read), is
  the request's key, on every route;
- when the compatibility routes are public (GLIMPSE_PUBLIC_API_KEY is the public key's value), a
  request to one of PUBLIC_ROUTES without a key is metered with the public key, whose usage plan
  is its own;
- the public key itself is refused on every other route, and so is a request without a key.

Nothing is cached (the authorizer has no identity source, and ReauthorizeEvery is 0): each answer's
policy is evaluated for the one request it answers.

The playground page's routes (PAGE_ROUTES: its HTML and its static assets) are the exception: they
need no key and have no authorizer (template.yaml's `Auth: {ApiKeyRequired: false, Authorizer:
NONE}`), so API Gateway hands them to the router unasked; the router serves only the page there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)

# The routes anyone may call when CompatRoutes is public, as (method, resource) as API Gateway
# names them: the original Glimpse's and Piston's. tests/template compares them with
# template.yaml's events; the router refuses the public key on any other route too.
PUBLIC_ROUTES = frozenset({("POST", "/run-code-lambda"), ("POST", "/api/v2/execute"), ("GET", "/api/v2/runtimes")})
# The playground page's routes (glimpse.api.playground), as (method, resource): no key, no
# authorizer. tests/template compares them with template.yaml's events.
PAGE_ROUTES = frozenset({("GET", "/"), ("GET", "/playground"), ("GET", "/playground/assets/{asset}")})
# Where a client may send its key, in order: API Gateway's own header, then Judge0's.
KEY_HEADERS = ("x-api-key", "x-auth-token")
PUBLIC_KEY_VARIABLE = "GLIMPSE_PUBLIC_API_KEY"
# The principal of a request metered with the public key; a request's own key has the header's name.
PUBLIC_PRINCIPAL = "public"


def is_public_route(method: str, resource: str) -> bool:
    return (method.upper(), resource) in PUBLIC_ROUTES


def is_page_route(method: str, resource: str) -> bool:
    return (method.upper(), resource) in PAGE_ROUTES


def sent_key(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """The header a key came in and its value; an empty header is no key."""
    for name in KEY_HEADERS:
        value = headers.get(name)
        if value:
            return name, value
    return None


# A dataclass, not a pydantic model: the authorizer imports as little as it can, since its cold
# start delays the first request of each of its environments.
@dataclass(frozen=True)
class ApiKeyAuthorizer:
    public_key: str | None = None  # the public key's value when the compatibility routes are public

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ApiKeyAuthorizer:
        return cls(public_key=environ.get(PUBLIC_KEY_VARIABLE) or None)

    def authorize(self, event: APIGatewayAuthorizerRequestEvent) -> APIGatewayAuthorizerResponse:
        """Allow with the request's key (or the public key), or deny: a denied request is a 403
        whatever route it asked for."""
        public_route = self.public_key is not None and is_public_route(event.http_method, event.resource)
        principal, key = sent_key(event.headers) or (None, None)
        if key is None and public_route:
            principal, key = PUBLIC_PRINCIPAL, self.public_key
        refused = key is None or (key == self.public_key and not public_route)
        arn = event.parsed_arn
        response = APIGatewayAuthorizerResponse(
            principal_id=principal or "none", region=arn.region, aws_account_id=arn.aws_account_id, api_id=arn.api_id,
            stage=arn.stage, usage_identifier_key=None if refused else key, partition=arn.partition,
        )
        # Every route of the stage: with nothing cached, the policy only ever answers this request.
        if refused:
            response.deny_all_routes()
        else:
            response.allow_all_routes()
        return response
