"""The playground page's routes through the router (glimpse.api.playground), with the page as
`make playground` built it: no key needed, the HTML filled in for the request (base path, limits,
nonce, the development key only where the local stack sets it and only for a loopback Host), a
strict Content-Security-Policy, immutable assets by content hash, nothing else reachable."""

import json
import re

import pytest

from glimpse.api.playground import ASSET_CACHE_CONTROL, Playground
from glimpse.authorizer import PAGE_ROUTES
from router_helpers import DOMAIN, ROOT, STAGE, LambdaContext, api_event

DIST = ROOT / "build" / "playground" / "dist"
DEV_KEY = "glimpse-router-test-development-key"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DIST / "manifest.json").read_text())


@pytest.fixture(scope="module")
def page_router(router_for):
    """A router of its own whose playground is the built page, with a development key as the local stack sets it."""
    router = router_for(POWERTOOLS_SERVICE_NAME="glimpse-router-playground")
    settings = router.module.settings
    router.module.api.playground = Playground(DIST, max_time_ms=settings.max_time_ms, dev_key=DEV_KEY)
    return router


def get(router, path: str, *, resource: str | None = None, host: str = DOMAIN) -> dict:
    """A keyless GET as API Gateway sends it for a route without a key (no apiKeyId)."""
    event = api_event("GET", path, api_key_id=None, headers={"Host": host, "Accept": "text/html"})
    event["headers"].pop("x-api-key")
    event["resource"] = event["requestContext"]["resourcePath"] = resource or path
    if "{" in event["resource"]:
        event["pathParameters"] = {"asset": path.rsplit("/", 1)[1]}
    response = router.module.handler(event, LambdaContext())
    response["headers"] = {name.lower(): value for name, value in (response.get("headers") or {}).items()} | {
        name.lower(): values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()}
    return response


def meta(html: str, name: str) -> str:
    return re.search(rf'<meta name="{name}" content="([^"]*)">', html)[1]


@pytest.mark.parametrize("path", ["/", "/playground"])
def test_the_page_needs_no_key_and_forbids_inline_script_and_foreign_origins(page_router, manifest, path):
    response = get(page_router, path)
    assert response["statusCode"] == 200, response["body"]
    headers, html = response["headers"], response["body"]
    assert headers["content-type"] == "text/html; charset=utf-8" and headers["cache-control"] == "no-cache"
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    policy = dict(directive.split(" ", 1) for directive in headers["content-security-policy"].split("; "))
    nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9_-]{24})'", policy["style-src"])[1]
    assert policy == {"default-src": "'none'", "script-src": "'self'", "style-src": f"'self' 'nonce-{nonce}'",
                      "connect-src": "'self'", "img-src": "'self' data:", "base-uri": "'none'", "form-action": "'none'",
                      "frame-ancestors": "'none'"}
    assert "unsafe" not in headers["content-security-policy"]
    # Assets under the stage, as the caller's URL has it; no inline script or style in the page.
    assets = f"/{STAGE}/playground/assets"
    assert f'<script type="module" src="{assets}/{manifest["script"]}"></script>' in html
    assert f'<link rel="stylesheet" href="{assets}/{manifest["style"]}" nonce="{nonce}">' in html
    assert all(f'<link rel="modulepreload" href="{assets}/{name}">' in html for name in manifest["preload"])
    assert re.findall(r"<script\b[^>]*>", html) == [f'<script type="module" src="{assets}/{manifest["script"]}">']
    assert "<style" not in html and " style=" not in html and not re.search(r"\son[a-z]+\s*=", html, re.I)
    assert "{{" not in html
    assert meta(html, "glimpse-base") == f"/{STAGE}"
    limits = json.loads(meta(html, "glimpse-limits").replace("&quot;", '"'))
    assert limits == {"time_ms": {"default": 5000, "maximum": 26000}, "memory_mb": {"default": 256, "maximum": 2048}}
    # A new nonce for every answer.
    assert get(page_router, path)["headers"]["content-security-policy"] != headers["content-security-policy"]


def test_the_development_key_is_in_the_page_only_for_a_loopback_host(page_router):
    for host in ("127.0.0.1:3000", "localhost:3000", "[::1]:3000"):
        assert meta(get(page_router, "/", host=host)["body"], "glimpse-dev-key") == DEV_KEY, host
    # API Gateway's own domain, or a site a DNS rebinding points at the local stack: no key.
    for host in (DOMAIN, "evil.example:3000", "127.0.0.1.evil.example"):
        assert meta(get(page_router, "/", host=host)["body"], "glimpse-dev-key") == "", host


def test_without_the_local_stacks_variable_no_page_holds_a_key(router_for):
    router = router_for(POWERTOOLS_SERVICE_NAME="glimpse-router-playground-deployed")
    router.module.api.playground = Playground(DIST, max_time_ms=router.module.settings.max_time_ms)
    assert meta(get(router, "/", host="127.0.0.1:3000")["body"], "glimpse-dev-key") == ""


def test_every_asset_is_served_immutable_by_its_hashed_name_and_nothing_else(page_router, manifest):
    resource = "/playground/assets/{asset}"
    assert {manifest["script"], manifest["style"], *manifest["preload"]} <= set(manifest["files"])
    for name in manifest["files"]:
        response = get(page_router, f"/playground/assets/{name}", resource=resource)
        assert response["statusCode"] == 200, name
        assert response["headers"]["cache-control"] == ASSET_CACHE_CONTROL == "public, max-age=31536000, immutable"
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        assert response["headers"]["content-type"] == f"{kind}; charset=utf-8" and not response.get("isBase64Encoded")
        assert response["body"].encode() == (DIST / "assets" / name).read_bytes()
        assert re.fullmatch(r"[a-z]+-[A-Z0-9]{8}\.(js|css)", name), name  # named by its content's hash
    for name in ("manifest.json", "..%2Fmanifest.json", "nothing-ABCDEFGH.js", "index.html"):
        response = get(page_router, f"/playground/assets/{name}", resource=resource)
        assert response["statusCode"] == 404 and response["headers"]["content-type"].startswith("text/plain"), name


def test_a_page_route_reaches_nothing_but_the_page(page_router):
    """Without a key the router serves the page's routes only, whatever path the event names."""
    for method, resource in PAGE_ROUTES:
        answer = get(page_router, "/v1/languages", resource=resource)
        assert answer["statusCode"] == 404 and "languages" not in answer["body"], (method, resource)


def test_a_router_without_the_built_page_says_so(router):
    """The router loaded from the source tree has no page beside it (the artifact has)."""
    response = get(router, "/")
    assert response["statusCode"] == 404 and "make playground" in response["body"]
