"""Authorizer Lambda: the REST API's REQUEST authorizer. It answers API Gateway with the API key a
request is checked and metered with: the one in x-api-key or X-Auth-Token, or, on a public
compatibility route, the public key (glimpse.authorizer does the work; docs/api.md).

It logs nothing of its own: what it reads is a secret (the key), and the router logs each request
it serves. An exception is Lambda's to log (API Gateway then answers 500).
"""

import os

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import APIGatewayAuthorizerRequestEvent

from glimpse.authorizer import ApiKeyAuthorizer

authorizer = ApiKeyAuthorizer.from_environment(os.environ)


@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def handler(event: APIGatewayAuthorizerRequestEvent, context) -> dict:
    return authorizer.authorize(event).asdict()
