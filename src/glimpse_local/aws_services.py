"""The AWS services the template's functions call, besides Lambda, served locally by moto.

DynamoDB Local and the real services are out of reach here, so moto's server mode stands in: one
HTTP endpoint on 127.0.0.1 for every service, in a process of its own (moto keeps its state per
process: two stacks, or a test's own moto, must not share it), which dies with the stack's process
and stays out of the terminal's Ctrl-C, to be stopped in order. The template's tables (key schema, TTL) and secrets
(a generated value) are created in it under their logical ids, which is what `Ref` gives the
functions locally (glimpse_local.template.LocalResolver). A function that declares
AWS_ENDPOINT_URL_<SERVICE> is pointed at it, as at the local Lambda service.
"""

from __future__ import annotations

import ctypes
import secrets
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import boto3

from glimpse_local.environment.variables import REGION
from glimpse_local.template import LocalResolver, load_template

# The endpoint variables (boto3's AWS_ENDPOINT_URL_<SERVICE>) of what this serves.
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER")


class LocalAwsServices:
    def __init__(self, template_path: Path, parameters: Mapping[str, str] | None = None) -> None:
        self._template = load_template(template_path)
        self._resolver = LocalResolver(self._template, parameters)
        self._server: subprocess.Popen | None = None
        self._port = 0

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self._port

    @property
    def endpoint_url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._server = subprocess.Popen([sys.executable, "-m", "glimpse_local.aws_services"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        process_group=0)
        announced = self._server.stdout.readline()
        if not announced.strip().isdigit():
            self.stop()
            raise RuntimeError("moto's server did not start (is moto[server] installed? `make dev` installs it)")
        self._port = int(announced)
        self._provision()

    def stop(self) -> None:
        """End the server and wait for it: closing its stdin tells it to go."""
        if self._server is None:
            return
        self._server.stdin.close()
        try:
            self._server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._server.kill()
            self._server.wait()
        self._server.stdout.close()
        self._server = None

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION,
                            aws_access_key_id="local", aws_secret_access_key="local")

    def _provision(self) -> None:
        for name, resource in self._template.get("Resources", {}).items():
            if resource.get("Type") == "AWS::DynamoDB::Table":
                self._create_table(name, self._resolver.value(resource.get("Properties", {})))
            elif resource.get("Type") == "AWS::SecretsManager::Secret":
                self.client("secretsmanager").create_secret(Name=name, SecretString=secrets.token_urlsafe(48))

    def _create_table(self, name: str, properties: Mapping) -> None:
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(TableName=name, KeySchema=properties["KeySchema"], AttributeDefinitions=properties["AttributeDefinitions"],
                              BillingMode=properties.get("BillingMode", "PAY_PER_REQUEST"))
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)


def _serve() -> None:
    """The server's process: moto on a free port of 127.0.0.1, announced on stdout, until stdin
    closes or the parent dies."""
    from moto.server import ThreadedMotoServer

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    _serve()
