"""What the API-key authorizer adds to each request of the local stack.

Usage: .venv/bin/python bench/authorizer_latency.py [--runs N]

"authorizer" invokes the authorizer function's pool with the REQUEST event the gateway builds for
GET /v1/languages with an x-api-key: what the gateway waits for before it checks the key, on
every request. "router" invokes the router function's pool with that request's proxy event: the
integration alone. "stack" is the request over HTTP on 127.0.0.1 (one kept-alive connection)
through the whole gateway: authorizer, key, usage plan, router. The series are interleaved, one
run of each per round.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics

from timing import interleaved, print_medians
from glimpse_local.gateway import ApiKey
from glimpse_local.gateway.authorizer import authorizer_event, method_arn
from glimpse_local.gateway.proxy import Request, identified, proxy_event
from glimpse_local.local import build, project_root
from glimpse_local.stack import LocalStack

KEY = ApiKey.of("glimpse-benchmark-key-authorizer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    root = project_root()
    build(root)
    # A plan that never throttles the benchmark: the template's default is 10 requests a second.
    plan = {"RateLimit": "10000", "BurstLimit": "10000", "QuotaLimit": "10000000"}
    with LocalStack(root, keys=[KEY], port=0, parameters=plan) as stack:
        host, port = stack.url.removeprefix("http://").split(":")
        request = Request(method="GET", path="/v1/languages", query="", headers=[("Host", f"{host}:{port}"), ("X-API-Key", KEY.value)],
                          body=b"", source_ip="127.0.0.1")
        route, parameters = stack.api.route(request.method, request.path)
        event = proxy_event(request, route, parameters, stage=stack.api.stage, request_id="benchmark")
        authorizer_payload = json.dumps(authorizer_event(event, method_arn(request.method, request.path, stack.api.stage))).encode()
        router_payload = json.dumps(identified(event, KEY, None)).encode()
        connection = http.client.HTTPConnection(host, int(port))

        def through_authorizer() -> None:
            answer = json.loads(stack.lambda_service.pools[route.authorizer].invoke(authorizer_payload).payload)
            assert answer["usageIdentifierKey"] == KEY.value, answer

        def through_router() -> None:
            answer = json.loads(stack.lambda_service.pools[route.function].invoke(router_payload).payload)
            assert answer["statusCode"] == 200, answer

        def through_stack() -> None:
            connection.request("GET", "/v1/languages", headers={"X-API-Key": KEY.value})
            response = connection.getresponse()
            response.read()
            assert response.status == 200

        series = interleaved({"authorizer": through_authorizer, "router": through_router, "stack": through_stack}, runs, warm_up=10)
        connection.close()
    print_medians(series, runs, reference="router")
    print(f"the authorizer's invocation, per request: median {statistics.median(series['authorizer']):.1f} ms")


if __name__ == "__main__":
    main()
