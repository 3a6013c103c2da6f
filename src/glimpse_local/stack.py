"""The local stack: what template.yaml deploys, running on this machine without AWS or Docker.

The Lambda service serves every function of the template from its pool; the gateway serves the
template's API in front of the function its routes integrate (the router), and the router reaches
the runners through the service, as it reaches Lambda in AWS. moto serves the template's table
and secret (glimpse_local.aws_services), which the router and the dispatcher reach alike. Each function gets `warm`
environments before the gateway takes requests, the API's own functions first, so a first request
does not pay a cold start (their sockets are bound from the start: a request sent meanwhile waits).

The playground page (glimpse.api.playground) fills in `page_key`, the development key, when the
stack is given one: the stack sets it on the functions of the page's routes (the router), never
in the template, and the page shows it only to requests sent to a loopback address.

The WAF's per-IP rule is applied only when the compatibility routes are public (CompatRoutes):
then it is what limits each keyless caller. Otherwise a developer and the tests, all from
127.0.0.1, would soon exceed it while every request carries a key of its own usage plan.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from glimpse.api.playground import PLAYGROUND_DEV_KEY_VARIABLE
from glimpse.authorizer import PAGE_ROUTES
from glimpse_local.aws_services import ENDPOINT_VARIABLES as AWS_ENDPOINT_VARIABLES
from glimpse_local.aws_services import LocalAwsServices
from glimpse_local.gateway import ApiDefinition, ApiKey, LocalGateway
from glimpse_local.lambda_service import DEFAULT_CONCURRENCY, LambdaService
from glimpse_local.template import LocalResolver, load_template

DEFAULT_PORT = 3000  # `sam local start-api`'s
COMPAT_ROUTES_PARAMETER = "CompatRoutes"  # `public`: the compatibility routes need no key


class StackError(RuntimeError):
    pass


class LocalStack:
    def __init__(
        self,
        root: Path,
        *,
        keys: Iterable[ApiKey],
        port: int = DEFAULT_PORT,
        parameters: Mapping[str, str] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        warm: int = 1,
        profile: str = "lambda",
        page_key: ApiKey | None = None,
    ) -> None:
        template = root / "template.yaml"
        self.warm = warm
        self.public_compat_routes = LocalResolver(load_template(template), parameters).parameters.get(COMPAT_ROUTES_PARAMETER) == "public"
        # moto's server binds its port as it starts: the functions' endpoints need that port.
        self.aws = LocalAwsServices(template, parameters)
        self.aws.start()
        try:
            self.api = ApiDefinition.from_template(template, parameters)
            page_functions = {route.function for route in self.api.routes if (route.method, route.path) in PAGE_ROUTES}
            self.lambda_service = LambdaService.from_template(
                template, build_dir=root / "build" / "functions", runtime_dir=root / "build" / "lambda-runtime",
                profile=profile, parameters=parameters, default_concurrency=concurrency,
                services=dict.fromkeys(AWS_ENDPOINT_VARIABLES, self.aws.endpoint_url),
                variables=dict.fromkeys(page_functions, {PLAYGROUND_DEV_KEY_VARIABLE: page_key.value}) if page_key else None,
            )
            if not self.public_compat_routes:
                self.api = self.api.model_copy(update={"per_ip_rule": None})
            try:
                self.gateway = LocalGateway(self.api, functions=self.lambda_service.pools, keys=keys, port=port)
            except OSError as error:
                raise StackError(f"cannot listen on 127.0.0.1:{port} ({error.strerror}): is another stack running? "
                                 "Choose another port with --port or GLIMPSE_PORT") from None
        except BaseException:
            self.aws.stop()
            raise

    @property
    def url(self) -> str:
        return self.gateway.url

    @property
    def page_url(self) -> str:
        """The playground page's (docs/playground.md)."""
        return f"{self.gateway.url}/playground"

    def start(self) -> None:
        self.lambda_service.start()
        try:
            self.prewarm(dict.fromkeys(self.lambda_service.pools, self.warm))
        except BaseException:
            self.lambda_service.stop()
            self.aws.stop()
            raise
        self.gateway.start()

    def stop(self) -> None:
        """Stop taking requests, then stop every environment; nothing of the stack runs afterwards."""
        self.gateway.stop()
        self.lambda_service.stop()
        self.aws.stop()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def prewarm(self, counts: Mapping[str, int]) -> None:
        """Start `counts[name]` more environments of each function (at most its concurrency), the
        functions the API invokes (integrations, authorizers) first, one cold start per core at a
        time: more would only share the cores and all finish later."""
        pools = self.lambda_service.pools
        order = sorted(counts, key=lambda name: name not in self.api.functions)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="glimpse-warm") as executor:
            started = [(name, executor.submit(pools[name].warm)) for name in order for _ in range(counts[name])]
        for name, future in started:
            if future.exception() is not None:
                raise StackError(f"{name} could not start an execution environment: {future.exception()}")
