"""Bun (BunLayer) runs TypeScript on the bare Lambda base: the recipe's own run command and
variables, with only the base's libraries visible and the layer at /opt, HOME and TMPDIR the
workspace as the sandbox gives them (here /tmp itself: the base has no mkdir). Bun leaves nothing
behind: no transpiler or package cache in the workspace, no bun-node-* directory in /tmp."""

import shlex
from pathlib import Path

from layer_checks import run_on_the_base

from glimpse.languages import catalogue, placeholders

WORKSPACE = Path("/tmp")
PROGRAM = r"""
enum Color { Red, Green }
namespace Shapes { export const sides = 4; }
class Point { constructor(public x: number, private y: number) {} sum(): number { return this.x + this.y; } }
const data: Buffer = require("fs").readFileSync(0);
console.log(process.versions.bun, Color[1], Shapes.sides, new Point(1, 2).sum(), data.length, process.argv.slice(2).join("|"));
"""


def run_command(main: str, args: list[str]) -> str:
    """The recipe's run, as a shell line: its variables, then its command with the layer at /opt."""
    recipe = catalogue().get("typescript")
    values = placeholders(main=main, toolchains=Path("/opt"), workspace=WORKSPACE, memory_mb=256)
    variables = [f"{name}={shlex.quote(value)}" for name, value in recipe.run.environment(values).items()]
    return shlex.join(["env", f"HOME={WORKSPACE}", f"TMPDIR={WORKSPACE}", *variables, *recipe.run.argv(values, extra=args)])


def test_bun_runs_typescript_on_the_base(built_layers):
    script = f"""
        cd {WORKSPACE}
        cat > main.ts <<'PROGRAM'
{PROGRAM}
PROGRAM
        printf 'four' | {run_command("main.ts", ["a b", "c"])}
        echo left: {WORKSPACE}/* {WORKSPACE}/.[!.]*
    """
    completed = run_on_the_base([built_layers / "BunLayer"], script)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["1.4.5 Green 4 3 4 a b|c", f"left: {WORKSPACE}/main.ts {WORKSPACE}/.[!.]*"]
