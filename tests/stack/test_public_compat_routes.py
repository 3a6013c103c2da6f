"""The public compatibility routes (CompatRoutes=public) as their own clients use them, unchanged,
against a local stack: the original Glimpse README's fetch example and piston-client from npm
(tests/clients/), both run by the Node that NodeLayer ships. The WAF's per-IP rule limits each
address; the other routes still need a tenant's key, which X-Auth-Token carries as well as x-api-key.
"""

import json
import subprocess

import pytest

from glimpse.languages import catalogue
from glimpse_local.gateway import ApiKey
from glimpse_local.stack import LocalStack
from stack_helpers import ROOT, call

# The parameter's minimum is 10; the clients' requests from 127.0.0.1 (a dozen) stay under this
# one, and the rule's own test sends from addresses of its own.
PER_IP_LIMIT = 20
KEY = ApiKey.of("glimpse-stack-test-key-public-routes")
PUBLIC_KEY = ApiKey.of("glimpse-local-public-compat-routes")  # template.yaml's PublicApiKey, with the local stack's name
NODE = ROOT / "build" / "layers" / "NodeLayer" / "node" / "bin" / "node"
CLIENTS = ROOT / "tests" / "clients"
PISTON_CLIENT = ROOT / "build" / "clients" / "piston" / "node_modules" / "piston-client" / "index.js"
HELLO = {"language": "py", "code": 'print("Hello from Glimpse!")', "input": ""}


@pytest.fixture(scope="module")
def public_stack():
    """Its own stack: the package's has keys only. The public plan (all keyless callers together)
    is raised so that only the per-IP rule limits them here."""
    parameters = {"CompatRoutes": "public", "WafRequestsPer10MinutesPerIp": str(PER_IP_LIMIT),
                  "PublicRateLimit": "100", "PublicBurstLimit": "200"}
    with LocalStack(ROOT, keys=[KEY], port=0, warm=0, parameters=parameters) as running:
        yield running


@pytest.fixture(scope="module")
def piston_client():
    if not PISTON_CLIENT.exists():  # `make test` installed it already; a bare pytest run installs it here
        subprocess.run(["make", "-C", str(ROOT), "--no-print-directory", "clients"], check=True, capture_output=True)
    return PISTON_CLIENT


def node(script: str, *args: str, **environment: str) -> str:
    completed = subprocess.run([str(NODE), script, *args], capture_output=True, text=True, timeout=120,
                               env={"PATH": "/usr/bin:/bin", **environment})
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_the_original_readmes_fetch_example_prints_the_readmes_answer(public_stack, tmp_path):
    example = (CLIENTS / "original" / "readme-fetch.js").read_text()
    script = tmp_path / "readme-fetch.js"
    script.write_text(example.replace("https://glimpse-7eir.onrender.com", public_stack.url))
    printed = " ".join(node(str(script)).split())  # Node's console.log of the object, on one line
    expected = "{ statusCode: 200, body: { output: 'Hello from Glimpse!\\n', error: null, executionTime: "
    assert printed.startswith(expected) and printed.endswith(" } }"), printed
    assert printed.removeprefix(expected).removesuffix(" } }").isdigit(), printed


def piston(stack: LocalStack, client, scenario: str):
    return json.loads(node(str(CLIENTS / "piston" / "run.mjs"), stack.url, scenario, PISTON_CLIENT=client.as_uri()))


def test_piston_client_lists_the_runtimes(public_stack, piston_client):
    runtimes = piston(public_stack, piston_client, "runtimes")
    assert {runtime["language"] for runtime in runtimes} == {recipe.id for recipe in catalogue().recipes}
    python = next(runtime for runtime in runtimes if runtime["language"] == "python")
    assert python == {"language": "python", "version": "3.12", "aliases": catalogue().get("python").aliases}


def test_piston_client_executes_with_its_defaults(public_stack, piston_client):
    result = piston(public_stack, piston_client, "defaults")
    assert result["language"] == "python" and result["version"] == "3.12"
    assert result["run"]["stdout"] == "['1', '2', '3']\n" and result["run"]["code"] == 0


def test_piston_client_passes_stdin(public_stack, piston_client):
    assert piston(public_stack, piston_client, "stdin")["run"]["stdout"] == "hello\n"


def test_piston_client_gets_a_compile_error(public_stack, piston_client):
    result = piston(public_stack, piston_client, "compile-error")
    assert result["language"] == "c" and "run" not in result, result
    assert result["compile"]["code"] != 0 and "missing" in result["compile"]["stderr"]


def test_the_request_over_the_per_ip_limit_is_refused_and_other_addresses_are_not(public_stack):
    statuses = [call(public_stack.url, "GET", "/api/v2/runtimes", key=None, source_ip="127.0.0.2").status for _ in range(PER_IP_LIMIT)]
    assert statuses == [200] * PER_IP_LIMIT
    refused = call(public_stack.url, "POST", "/run-code-lambda", HELLO, key=None, source_ip="127.0.0.2")
    assert refused.status == 429 and refused.headers["retry-after"] == "600" and refused.body["error"] == "throttled"
    # The rule counts every request, with a key or without: the address stays refused.
    assert call(public_stack.url, "GET", "/v1/languages", key=KEY, source_ip="127.0.0.2").status == 429
    assert call(public_stack.url, "GET", "/api/v2/runtimes", key=None, source_ip="127.0.0.3").status == 200


@pytest.mark.parametrize("headers", [{}, {"x-api-key": PUBLIC_KEY.value}, {"X-Auth-Token": PUBLIC_KEY.value}],
                         ids=["no key", "public key in x-api-key", "public key in X-Auth-Token"])
def test_the_other_routes_still_need_a_tenants_key(public_stack, headers):
    answer = call(public_stack.url, "POST", "/v1/executions", {"language": "python", "code": "print(42)"}, key=None, headers=headers)
    assert answer.status == 403 and answer.body["error"] == "forbidden"


def test_a_tenants_key_works_in_x_auth_token_and_on_the_public_routes(public_stack):
    answer = call(public_stack.url, "GET", "/v1/languages", key=None, headers={"X-Auth-Token": KEY.value})
    assert answer.status == 200 and {language["id"] for language in answer.body["languages"]} >= {"python", "c"}
    answer = call(public_stack.url, "POST", "/run-code-lambda", HELLO, key=KEY)  # metered by the tenant's plan, not the public one
    assert answer.status == 200 and answer.body["body"]["output"] == "Hello from Glimpse!\n"
