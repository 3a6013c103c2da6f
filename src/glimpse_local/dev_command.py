"""`glimpse dev` (what `make dev` runs): the local stack on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from glimpse.authorizer import PUBLIC_ROUTES
from glimpse_local.gateway import DEV_KEY_FILE, DEV_KEY_VARIABLE, ApiKey, development_key
from glimpse_local.lambda_service import DEFAULT_CONCURRENCY
from glimpse_local.local import NotBuilt, build, project_root
from glimpse_local.stack import DEFAULT_PORT, LocalStack


def add_dev_command(commands: argparse._SubParsersAction) -> None:
    dev = commands.add_parser("dev", help="serve the whole API from template.yaml on 127.0.0.1 until Ctrl-C")
    dev.add_argument("--port", type=int, default=int(os.environ.get("GLIMPSE_PORT") or DEFAULT_PORT),
                     help=f"the gateway's port (default $GLIMPSE_PORT or {DEFAULT_PORT})")
    dev.add_argument("--warm", type=int, default=1, metavar="N",
                     help="execution environments started per function before the first request (default 1)")
    dev.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, metavar="N",
                     help=f"environments a function may run at once, this machine's budget: beyond it an invocation waits "
                          f"for a free one, where Lambda would start more (default {DEFAULT_CONCURRENCY})")
    dev.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="a template parameter, as `sam deploy --parameter-overrides` (repeatable), e.g. RateLimit=100")
    dev.add_argument("--key", action="append", default=[], metavar="VALUE", dest="keys",
                     help="another API key the stack accepts besides the development key, a tenant of its own "
                          "(repeatable; at least 20 characters), e.g. for bench/soak.py")
    dev.add_argument("--profile", choices=("lambda", "host"), default="lambda",
                     help="what the execution environments allow: Lambda's rules, or this host's (default lambda)")
    dev.set_defaults(handler=run_dev)


def run_dev(options: argparse.Namespace) -> int:
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    # The gateway's access log, and each function's output prefixed with its logical id.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)
    logging.getLogger("glimpse.functions").handlers = [_function_log_handler()]
    logging.getLogger("glimpse.functions").propagate = False
    try:
        parameters = dict(parameter.split("=", 1) for parameter in options.parameter)
    except ValueError:
        return _fail("--parameter takes NAME=VALUE")
    try:
        root = project_root()
        _say("building what is missing (make build layers: several minutes the first time, seconds afterwards)")
        build(root)
        key = development_key(root, os.environ)
        others = [ApiKey.of(value) for value in options.keys]
        stack = LocalStack(root, keys=[key, *others], port=options.port, parameters=parameters, concurrency=options.concurrency,
                           warm=options.warm, profile=options.profile, page_key=key)
        _say(f"starting {options.warm} execution environment(s) per function, the router first")
        stack.start()
    except (NotBuilt, RuntimeError, ValueError) as error:  # StackError, moto's server failing to start, a short --key
        return _fail(str(error))
    try:
        _say(f"serving {stack.api.name} (stage {stack.api.stage}) at {stack.url}\n"
             f"  playground: {stack.page_url}   (in a browser: write, run and judge code; the key is filled in)\n"
             f"  API key: {key.value}   (kept in {DEV_KEY_FILE}; {DEV_KEY_VARIABLE} overrides it)\n"
             f"  curl -H \"X-API-Key: {key.value}\" -d '{{\"language\":\"python\",\"code\":\"print(42)\"}}' {stack.url}/v1/executions\n"
             "  .venv/bin/glimpse run hello.py\n"
             f"{_public_routes(stack)}"
             "Ctrl-C stops it")
        stop.wait()
    finally:
        _say("stopping")
        stack.stop()
    _say("stopped: no environment left running")
    return 0


def _public_routes(stack: LocalStack) -> str:
    """What `--parameter CompatRoutes=public` opens, and the per-IP rule that limits it."""
    if not stack.public_compat_routes:
        return ""
    rule = stack.api.per_ip_rule
    limit = f"{rule.limit} requests per {rule.window_s} s per IP (the WAF's rule)" if rule else "no per-IP limit (Waf is disabled)"
    return (f"  the compatibility routes are public: {', '.join(f'{method} {path}' for method, path in sorted(PUBLIC_ROUTES))} "
            f"answer without a key, {limit}\n")


def _function_log_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(function)s] %(message)s", datefmt="%H:%M:%S"))
    handler.addFilter(lambda record: setattr(record, "function", record.name.rsplit(".", 1)[-1]) or True)
    return handler


def _say(message: str) -> None:
    print(f"glimpse dev: {message}", file=sys.stderr, flush=True)


def _fail(message: str) -> int:
    _say(message)
    return 2
