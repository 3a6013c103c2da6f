"""The CLI's client for a Glimpse API: the local stack by default, or any deployment.

GLIMPSE_ENDPOINT is the API's base URL (a deployment's ApiUrl output); by default the local
stack's, http://127.0.0.1:$GLIMPSE_PORT (3000). GLIMPSE_API_KEY is the key; against the local
stack it defaults to the development key (GLIMPSE_DEV_API_KEY, or the one `glimpse dev` stored).
Every failure becomes a ClientError whose message says what to do.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glimpse_local.gateway import DEV_KEY_FILE, DEV_KEY_VARIABLE
from glimpse.models import ExecutionRequest
from glimpse_local.stack import DEFAULT_PORT

# API Gateway gives up on the router after 29 s by default; a little more, so its 504 arrives.
READ_TIMEOUT_S = 35


class ClientError(Exception):
    pass


class GlimpseClient:
    def __init__(self, endpoint: str, api_key: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.api_key = api_key

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], root: Path | None) -> GlimpseClient:
        """`root` is the checkout, whose stored development key serves the local stack."""
        local = f"http://127.0.0.1:{environ.get('GLIMPSE_PORT') or DEFAULT_PORT}"
        endpoint = environ.get("GLIMPSE_ENDPOINT") or local
        key = environ.get("GLIMPSE_API_KEY")
        if not key and endpoint == local:
            stored = root / DEV_KEY_FILE if root else None
            key = environ.get(DEV_KEY_VARIABLE) or (stored.read_text().strip() if stored and stored.is_file() else None)
        if not key:
            raise ClientError(f"no API key for {endpoint}: set GLIMPSE_API_KEY (the local stack's key is printed by "
                              f"`make dev` and kept in {DEV_KEY_FILE})")
        return cls(endpoint, key)

    def execute(self, request: ExecutionRequest) -> dict[str, Any]:
        return self._call("POST", "/v1/executions", request.model_dump_json(exclude_none=True).encode())

    def languages(self) -> list[dict[str, Any]]:
        return self._call("GET", "/v1/languages")["languages"]

    def _call(self, method: str, path: str, body: bytes | None = None) -> Any:
        request = urllib.request.Request(self.endpoint + path, data=body, method=method,
                                         headers={"X-API-Key": self.api_key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=READ_TIMEOUT_S) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise ClientError(self._refusal(error)) from None
        except urllib.error.URLError as error:
            raise ClientError(f"no Glimpse API answers at {self.endpoint} ({error.reason}): start the local stack with "
                              "`make dev`, or set GLIMPSE_ENDPOINT to a deployment's ApiUrl") from None
        except TimeoutError:
            raise ClientError(f"{self.endpoint} did not answer within {READ_TIMEOUT_S} s") from None

    def _refusal(self, error: urllib.error.HTTPError) -> str:
        try:
            document = json.loads(error.read())
        except ValueError:
            document = {}
        said = document.get("message") or error.reason
        request_id = f" (request id {document['request_id']})" if document.get("request_id") else ""
        if error.code == 403:
            return (f"{self.endpoint} refused the API key ({said}): set GLIMPSE_API_KEY to a valid key "
                    f"(the local stack's is in {DEV_KEY_FILE})")
        if error.code == 429:
            retry = error.headers.get("Retry-After")
            return f"throttled: {said}" + (f"; retry in {retry} s" if retry else "")
        fields = "; ".join(f"{item['field']}: {item['message']}" for item in document.get("fields", []))
        return f"{error.code} {document.get('error', error.reason)}: {fields or said}{request_id}"
