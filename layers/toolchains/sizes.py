"""Prints each built layer's size unzipped and zipped (deflate, as `sam build`/`sam deploy`
package it) and each language's function + layers total (its recipe's [function] layers) against
Lambda's quota (lambda.toml).

    .venv/bin/python layers/toolchains/sizes.py          (after `make layers` and `make build`)
"""

from __future__ import annotations

import os
import tempfile
import tomllib
import zipfile
from pathlib import Path

from glimpse.languages import catalogue

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LAYERS = ROOT / "build" / "layers"
FUNCTION = ROOT / "build" / "functions" / "RunnerPythonFunction"
MIB = 1 << 20


def unzipped(root: Path) -> int:
    return sum(path.lstat().st_size for path in root.rglob("*") if path.is_symlink() or path.is_file())


def zipped(root: Path) -> int:
    with tempfile.TemporaryFile() as scratch:
        with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.name.startswith(".built"):
                    archive.write(path, path.relative_to(root).as_posix())
        return scratch.seek(0, os.SEEK_END)


def main() -> None:
    limits = tomllib.loads((HERE / "lambda.toml").read_text())["limits"]
    sizes = {"function": unzipped(FUNCTION)}
    print(f"{'layer':<12} {'unzipped':>14} {'zipped':>14}")
    for layer in sorted(path for path in LAYERS.iterdir() if path.is_dir()):
        sizes[layer.name] = unzipped(layer)
        print(f"{layer.name:<12} {sizes[layer.name] / MIB:10.1f} MiB {zipped(layer) / MIB:10.1f} MiB")
    print(f"{'function':<12} {sizes['function'] / MIB:10.1f} MiB   (the runner artifact every language shares)")
    limit = limits["unzipped_bytes"]
    print(f"\n{'language':<12} {'function + layers':>20}   headroom (quota {limit:,} bytes)")
    for recipe in catalogue().recipes:
        layers = recipe.function.layers
        if all(layer in sizes for layer in layers):
            total = sizes["function"] + sum(sizes[layer] for layer in layers)
            print(f"{recipe.id:<12} {total / MIB:16.1f} MiB   {(limit - total) / MIB:8.1f} MiB   ({' + '.join(layers) or 'no layer'})")


if __name__ == "__main__":
    main()
