"""The `glimpse` command."""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
from pathlib import Path

from pydantic import ValidationError

from glimpse_local.client import ClientError, GlimpseClient
from glimpse_local.dev_command import add_dev_command
from glimpse_local.environment import PROFILES
from glimpse.languages import UnknownLanguage, catalogue
from glimpse_local.local import NotBuilt, project_root
from glimpse.models import ExecutionRequest, Limits
from glimpse_local.tenants_command import add_tenant_commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glimpse", description="Run untrusted code snippets with hard limits.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a source file and print its output")
    run.add_argument("file", type=Path)
    run.add_argument("--language", help="language id or alias (default: from the file's extension)")
    run.add_argument("--stdin", type=Path, help="a file whose bytes the program reads on standard input")
    run.add_argument("--arg", action="append", default=[], dest="args", help="an argument for the program (repeatable; --arg=-x for one starting with -)")
    run.add_argument("--time-ms", type=int, help=f"wall-clock limit (default {Limits().time_ms})")
    run.add_argument("--memory-mb", type=int, help=f"memory limit (default {Limits().memory_mb})")
    run.add_argument("--json", action="store_true", help="print the whole result document")
    run.add_argument("--local", action="store_true",
                     help="run in a local execution environment, without a server (default: send it to $GLIMPSE_ENDPOINT, "
                          "the local stack unless set)")
    run.add_argument("--profile", choices=PROFILES, default="lambda", help="with --local: what the environment allows (default: lambda)")
    run.set_defaults(handler=run_file)
    languages = commands.add_parser("languages", help="the languages the API at $GLIMPSE_ENDPOINT runs")
    languages.add_argument("--json", action="store_true")
    languages.set_defaults(handler=list_languages)
    add_dev_command(commands)
    add_tenant_commands(commands)
    options = parser.parse_args(argv)
    return options.handler(options)


def run_file(options: argparse.Namespace) -> int:
    try:
        recipe = catalogue().get(options.language) if options.language else catalogue().for_file(str(options.file))
        request = _request(options, recipe.id)
    except (UnknownLanguage, OSError) as error:
        return _fail(str(error))
    except ValidationError as error:
        return _fail("; ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in error.errors()))
    function_error = None
    try:
        if options.local:
            from glimpse_local.local import runner_environment  # the environment is only needed here

            with runner_environment(recipe, options.profile) as environment:
                answer = environment.invoke(request.model_dump_json(exclude_none=True).encode())
            document, function_error = json.loads(answer.payload), answer.function_error
        else:
            document = _client().execute(request)
    except (NotBuilt, ClientError) as error:
        return _fail(str(error))
    if options.json:
        print(json.dumps(document, indent=2))
    return _report(document, print_output=not options.json, function_error=function_error)


def list_languages(options: argparse.Namespace) -> int:
    try:
        languages = _client().languages()
    except ClientError as error:
        return _fail(str(error))
    if options.json:
        print(json.dumps(languages, indent=2))
    for language in [] if options.json else languages:
        print(f"{language['id']:<12}{language['version']:<10}{language['file_name']:<12}{', '.join(language['aliases'])}")
    return 0


def _client() -> GlimpseClient:
    try:
        root = project_root()
    except NotBuilt:  # an installed glimpse, away from a checkout: no stored development key
        root = None
    return GlimpseClient.from_environment(os.environ, root)


def _request(options: argparse.Namespace, language: str) -> ExecutionRequest:
    source = options.file.read_bytes()
    try:
        file = {"name": options.file.name, "content": source.decode("utf-8")}
    except UnicodeDecodeError:
        file = {"name": options.file.name, "content": base64.b64encode(source).decode(), "encoding": "base64"}
    limits = {name: value for name, value in (("time_ms", options.time_ms), ("memory_mb", options.memory_mb)) if value is not None}
    stdin = options.stdin.read_bytes().decode("utf-8", errors="surrogateescape") if options.stdin else ""
    return ExecutionRequest.model_validate(
        {"language": language, "files": [file], "stdin": stdin, "args": options.args, "limits": limits}
    )


def _report(document: dict, print_output: bool, function_error: str | None) -> int:
    """Print the program's own output, and exit as it exited (128 + N when killed by signal N)."""
    if function_error or "error" in document:
        return _fail(document.get("message") or document.get("errorMessage") or json.dumps(document))
    stages = [stage for stage in (document.get("compile"), document.get("run")) if stage]
    if print_output:
        for stage in stages:
            _write(sys.stdout.buffer, stage["stdout"], stage["stdout_encoding"])
            _write(sys.stderr.buffer, stage["stderr"], stage["stderr_encoding"])
    last = stages[-1] if stages else {}
    if last.get("message"):  # stopped by a limit, not by itself: say so
        print(f"glimpse: {document['status']}: {last['message']}", file=sys.stderr)
    if last.get("exit_code") is not None:
        return last["exit_code"]
    if last.get("signal"):
        return 128 + signal.Signals[last["signal"]].value
    return 0 if document["status"] == "ok" else 1


def _write(stream, text: str, encoding: str) -> None:
    stream.write(base64.b64decode(text) if encoding == "base64" else text.encode("utf-8", errors="surrogateescape"))
    stream.flush()


def _fail(message: str) -> int:
    print(f"glimpse: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
