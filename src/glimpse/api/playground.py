"""The playground page (docs/playground.md): `GET /` and `GET /playground` answer its HTML,
`GET /playground/assets/{asset}` its scripts and style sheet. They are built at build time from
the pinned npm packages of playground/ (esbuild, `make playground`) into the router's artifact, as
a folder: index.html, manifest.json (the entry script, its style sheet, the chunks it imports, every
file) and assets/, each file named by its content's hash.

These routes need no key and have no authorizer (glimpse.authorizer.PAGE_ROUTES): the page asks
the visitor for a key and sends it with its own calls to the API, from the same origin. The HTML is
never cached and forbids any script, style or connection but the API's own
(content_security_policy); the assets are cached for a year, since a new build gives them new names.
No inline script or style is allowed; the one exception is the `<style>` element CodeMirror writes
its own styles into (style-mod, in a document rather than a shadow root), which carries the
response's nonce: the page reads it from its style sheet's `nonce` property (EditorView.cspNonce).

The router fills the HTML in for each request: the base path the API's routes are under (the stage
in API Gateway's own URLs), the limits a run may ask for, and, only where the function's
environment has PLAYGROUND_DEV_KEY_VARIABLE (the local stack of `make dev` sets it on the router;
template.yaml never does) and the request came to a loopback address, the development key.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from glimpse.api.routing import base_path
from glimpse.models import LIMIT_BOUNDS

PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
# API Gateway passes these on as text (no binaryMediaTypes needed).
ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
ASSETS_PATH = "/playground/assets"
# Set by the local stack (glimpse dev) on the router only: the key the page fills in.
PLAYGROUND_DEV_KEY_VARIABLE = "GLIMPSE_PLAYGROUND_DEV_KEY"
_LOOPBACK_HOST = re.compile(r"^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d{1,5})?$", re.IGNORECASE)
_BASE_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)*$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_ASSET_NAME = re.compile(r"^[A-Za-z0-9_-]+\.(js|css)$")


def content_security_policy(style_nonce: str) -> str:
    """Scripts, style sheets and connections from the API's own origin only; no inline script,
    and inline style only in the element carrying this response's nonce."""
    return "; ".join((
        "default-src 'none'", "script-src 'self'", f"style-src 'self' 'nonce-{style_nonce}'", "connect-src 'self'",
        "img-src 'self' data:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ))


class Playground:
    """The page's routes, on `resolver`, served from the built folder `directory` (None, or a
    folder without a build: every page route is a 404 saying so). `max_time_ms` is the deployment's
    cap of a run's time, `dev_key` the development key of the local stack."""

    def __init__(self, directory: Path | None, *, max_time_ms: int, dev_key: str | None = None) -> None:
        self.directory = directory
        self.dev_key = dev_key or None
        self.limits = {
            "time_ms": {"default": min(LIMIT_BOUNDS["time_ms"].default, max_time_ms), "maximum": max_time_ms},
            "memory_mb": LIMIT_BOUNDS["memory_mb"].model_dump(),
        }
        self._lock = threading.Lock()
        self._built: tuple[str, dict[str, Any]] | None = None
        self._assets: dict[str, bytes] = {}
        self.resolver = resolver = APIGatewayRestResolver()
        resolver.get("/")(self.page)
        resolver.get("/playground")(self.page)
        resolver.get(f"{ASSETS_PATH}/<asset>")(self.asset)
        resolver.not_found(lambda _error: _not_found("no such page"))

    def handle(self, event: dict, context: Any) -> dict:
        return self.resolver.resolve(event, context)

    def page(self) -> Response:
        built = self._build()
        if built is None:
            return _not_found("the playground is not built into this function (make playground)")
        template, manifest = built
        request = self.resolver.current_event
        base = base_path(request)
        base = base if _BASE_PATH.fullmatch(base) else ""
        assets = f"{base}{ASSETS_PATH}"
        nonce = secrets.token_urlsafe(18)
        values = {
            "nonce": nonce,
            "base": base,
            "limits": json.dumps(self.limits, separators=(",", ":")),
            "dev_key": self.dev_key if self.dev_key and _came_to_loopback(request) else "",
            "script": f"{assets}/{manifest['script']}",
            "style": f"{assets}/{manifest['style']}",
        }
        preload = "\n".join(f'<link rel="modulepreload" href="{html.escape(f"{assets}/{name}")}">' for name in manifest["preload"])
        body = _PLACEHOLDER.sub(lambda match: preload if match[1] == "preload" else html.escape(values[match[1]]), template)
        return Response(200, "text/html; charset=utf-8", body,
                        headers=PAGE_HEADERS | {"Content-Security-Policy": content_security_policy(nonce)})

    def asset(self, asset: str) -> Response:
        built = self._build()
        if built is None or not _ASSET_NAME.fullmatch(asset) or asset not in built[1]["files"]:
            return _not_found(f"no asset {asset}")
        content = self._assets.get(asset)
        if content is None:
            content = self._assets[asset] = (self.directory / "assets" / asset).read_bytes()
        headers = {"Cache-Control": ASSET_CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
        return Response(200, ASSET_TYPES[Path(asset).suffix], content.decode(), headers=headers)

    def _build(self) -> tuple[str, dict[str, Any]] | None:
        """The HTML template and the manifest, read once; None when the folder holds no build."""
        with self._lock:
            if self._built is None and self.directory is not None and (self.directory / "manifest.json").is_file():
                self._built = ((self.directory / "index.html").read_text(),
                               json.loads((self.directory / "manifest.json").read_text()))
            return self._built


def _came_to_loopback(request: APIGatewayProxyEvent) -> bool:
    """The request was sent to a loopback address (the local stack), by the Host it names. A page
    that a DNS-rebinding site gets the browser to load comes with that site's Host: no key."""
    return bool(_LOOPBACK_HOST.fullmatch(request.headers.get("Host") or ""))


def _not_found(message: str) -> Response:
    return Response(404, "text/plain; charset=utf-8", message + "\n", headers={"X-Content-Type-Options": "nosniff",
                                                                               "Cache-Control": "no-cache"})
