"""`sam local invoke` runs a function in its container as root, with AWS_SAM_LOCAL=true. The runner's
runtime then leaves root before anything else runs, and answers; root anywhere else is refused.

Shown without Docker: the runner artifact under the same RAPID binary, in Lambda's layout, its
runtime started as root as SAM starts it (`sam_local=True`: root of the environment's own user
namespace, with only RAPID's capabilities). docs/local.md says how to run `sam local invoke`
itself where Docker is.
"""

import dataclasses
import json
import os

import pytest

from glimpse_local.environment import EnvironmentInitError, ExecutionEnvironment
from glimpse_local.environment.identity import user_namespaces_work
from glimpse.languages import catalogue
from glimpse_local.local import project_root, runner_function

pytestmark = pytest.mark.skipif(not (os.geteuid() == 0 and user_namespaces_work()),
                                reason="a root of the environment's own needs root and user namespaces")


def sam_environment(**variables: str) -> ExecutionEnvironment:
    root = project_root()
    function = runner_function(catalogue().get("python"), root)
    function = dataclasses.replace(function, environment={**function.environment, **variables})
    return ExecutionEnvironment(function, runtime_dir=root / "build" / "lambda-runtime", sam_local=True)


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as status:
        return {key: value.strip() for key, value in (line.split(":", 1) for line in status if ":" in line)}


def test_under_sam_local_the_runner_leaves_root_and_answers():
    with sam_environment(AWS_SAM_LOCAL="true") as environment:
        answer = environment.invoke(json.dumps({"language": "python", "code": "import os\nprint(42, os.getuid(), os.getgid())"}).encode())
        result = json.loads(answer.payload)
        assert answer.function_error is None
        assert result["status"] == "ok" and result["run"]["stdout"] == "42 993 990\n"
        runtime = _status(environment.runtime_pid)
        ids = environment.confinement.ids
        assert runtime["Uid"].split() == [str(ids.uid)] * 4 and runtime["Gid"].split() == [str(ids.gid)] * 4
        assert runtime["CapEff"] == runtime["CapPrm"] == runtime["CapBnd"] == "0000000000000000"
        assert runtime["NoNewPrivs"] == "1"
        assert _status(environment.rapid_pid)["Uid"].split()[0] == str(ids.rapid_id)  # RAPID stays SAM's root


def test_root_without_sam_local_is_refused():
    environment = sam_environment()
    with pytest.raises(EnvironmentInitError) as raised:
        environment.start()
    assert json.loads(raised.value.document)["errorType"] == "Runtime.SandboxUnavailable"
    assert "refusing to run untrusted code as root" in raised.value.logs
    assert not environment.alive
