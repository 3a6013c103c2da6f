"""TypeScript as written, not only with erasable types: the syntax that needs a transform (enum,
namespace, parameter properties, decorators, the legacy decorators a program's tsconfig.json asks
for) and a program as Judge0's TypeScript took it (require, import-equals) run, each through the
real runner with the Bun layer in both profiles (languages/typescript/syntax/). And Bun keeps to
the run: an import of a package fails at once without trying a download, memory past the limit is
memory_limit without a heap cap, and Bun writes nothing of its own into the workspace or /tmp."""

from __future__ import annotations

import json

import pytest
from test_battery import source_of

from glimpse.languages import LANGUAGES

PROGRAMS = LANGUAGES / "typescript" / "syntax"
# program: (its stdin, its whole stdout)
EXPECTED = {
    "enum": ("", "2 Right 11 HIGH 3\n"),
    "namespace": ("", "9 12 hi ts\n"),
    "parameter_properties": ("", "ada: 105 EUR 0.03\n"),
    "decorators": ("", "add(1, 2)\n45 Calculator\n"),
    "legacy_decorators": ("", "Calculator.add(2, 3)\n5\n"),
    "commonjs": ("1 2 3\n", "6 1 string\n"),
}

# Writes a module larger than Bun's threshold for caching its transpiled form (50 KB), imports it,
# and lists the workspace ($HOME) as the program sees it afterwards.
LARGE_MODULE = """
import { readdirSync, writeFileSync } from "node:fs";
writeFileSync("big.ts", `export const values: number[] = [${Array.from({ length: 20000 }, (_, i) => i).join(",")}];\\n`);
const { values } = await import("./big.ts");
console.log(values.length, JSON.stringify(readdirSync(process.env.HOME!, { recursive: true }).sort()));
"""


@pytest.fixture
def typescript(runner_for):
    return runner_for("typescript")


def test_every_syntax_program_is_checked():
    assert sorted(path.stem for path in PROGRAMS.iterdir()) == sorted(EXPECTED)


def test_typescript_only_syntax_runs(typescript, subtests):
    for program, (stdin, stdout) in EXPECTED.items():
        path = PROGRAMS / program if (PROGRAMS / program).is_dir() else PROGRAMS / f"{program}.ts"
        with subtests.test(program=program):
            result = typescript(language="typescript", stdin=stdin, **source_of(path))
            assert result["status"] == "ok", json.dumps(result)[:3000]
            assert (result["run"]["stdout"], result["run"]["stderr"]) == (stdout, "")


def test_a_package_import_fails_at_once_without_a_download(typescript, subtests):
    for specifier in ("left-pad", "npm:left-pad", "https://esm.sh/left-pad"):
        with subtests.test(specifier=specifier):
            result = typescript(language="typescript", code=f'import pad from "{specifier}";\nconsole.log(pad("x", 3));\n')
            assert result["status"] == "runtime_error", json.dumps(result)[:3000]
            stderr = result["run"]["stderr"]
            assert specifier in stderr and "download" not in stderr, stderr
            assert result["run"]["time_ms"] < 1000


def test_memory_is_memory_limit_without_a_heap_cap(typescript, subtests):
    """JavaScriptCore has no heap cap: the memory watch stops a bomb of the heap's own objects,
    and a refusal Bun reports itself (RangeError: Out of memory, the recipe's marker) counts too."""
    bombs = {
        "heap": "const blocks: number[][] = [];\nfor (;;) blocks.push(new Array(131072).fill(1.5));\n",
        "refused": "const region = new ArrayBuffer(2 ** 40);\nconsole.log(region.byteLength);\n",
    }
    for bomb, code in bombs.items():
        with subtests.test(bomb=bomb):
            result = typescript(language="typescript", code=code, limits={"memory_mb": 128, "time_ms": 10000})
            assert result["status"] == "memory_limit", json.dumps(result)[:3000]


def test_bun_writes_nothing_into_the_workspace_or_tmp(typescript):
    result = typescript(language="typescript", code=LARGE_MODULE)
    assert result["status"] == "ok", json.dumps(result)[:3000]
    assert result["run"]["stdout"] == '20000 [".tmp","big.ts","main.ts"]\n'
    assert typescript.snapshot()["tmp"] == []
