"""numpy, pandas and scipy (PythonMlLayer) run on the bare Lambda base: the recipe's own run command
and variables on the runtime's interpreter, with only the base's libraries visible and the layer
read-only at /opt. Every extension module of the layer loads there, the packages are imported from
the layer's bytecode (nothing is compiled in a run: /opt is read-only in Lambda), and the versions
the recipe lists are the ones requirements.txt pins and the layer holds."""

import re
import sys
from importlib.metadata import distributions
from pathlib import Path

from layer_checks import ENTER_WORKSPACE, SANDBOX_WORKSPACE, TOOLCHAINS, elf_files, recipe_run, run_on_the_base

from glimpse.languages import catalogue

SITE = "python-ml"  # the layer's directory, /opt/python-ml
PROGRAM = r"""
import io, sys
from datetime import datetime
import numpy as np, pandas as pd, scipy, dateutil.tz, pytz
from scipy import linalg, optimize, sparse, stats

frame = pd.read_csv(io.StringIO("city,temp\nParis,21\nTokyo,26\nParis,19\n"))
mean = frame.groupby("city")["temp"].mean()
paris = pd.Timestamp("2024-07-01 12:00", tz="Europe/Paris").tz_convert("UTC")
solved = linalg.solve(np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([9.0, 8.0]))
minimum = optimize.minimize_scalar(lambda x: (x - 2) ** 2).x
product = (np.ones((256, 256)) @ np.ones((256, 256)))[0, 0]
print(mean["Paris"], paris.hour, solved.round(6).tolist(), round(minimum, 3), product, round(stats.norm.cdf(0), 2),
      sparse.eye(3).nnz, datetime(2024, 1, 1, tzinfo=dateutil.tz.gettz("Asia/Tokyo")).utcoffset().seconds // 3600,
      pytz.timezone("America/New_York").zone, len(sys.stdin.read()), sys.argv[1:])
"""
# Counts the modules of the layer compiled from source and those read from their bytecode, as the
# import system does each (SourceLoader.get_code).
SPY = r"""
import importlib._bootstrap_external as external, sys
compiled, unmarshalled = [], []
to_code, from_bytecode = external.SourceLoader.source_to_code, external._compile_bytecode
external.SourceLoader.source_to_code = lambda self, data, path, **options: compiled.append(path) or to_code(self, data, path, **options)
external._compile_bytecode = lambda data, name=None, bytecode_path=None, source_path=None: (
    unmarshalled.append(source_path) or from_bytecode(data, name, bytecode_path, source_path))
import numpy, pandas, scipy.stats
print(len([path for path in unmarshalled if path.startswith("/opt/")]), [path for path in compiled if path.startswith("/opt/")])
"""


def interpreter_libraries() -> list[str]:
    """The libraries of the interpreter's own ctypes (libffi; pandas imports ctypes), which Lambda's
    python3.12 has with it: this machine's interpreter needs this machine's, as bwrap options."""
    host = Path("/usr/lib/x86_64-linux-gnu")
    dynload = Path(sys.base_prefix) / "lib" / "python3.12" / "lib-dynload"
    needed = {name for elf in elf_files(dynload) if elf.path.name.startswith("_ctypes.") for name in elf.needed}
    return [option for name in sorted(needed) if (host / name).exists() for option in ("--ro-bind", str((host / name).resolve()), str(host / name))]


def on_the_base(built_layers, script: str) -> str:
    """The script in a fresh workspace (made by the interpreter: this machine's mkdir needs libraries
    the base lacks)."""
    completed = run_on_the_base([built_layers / "PythonMlLayer"], f"""
        {ENTER_WORKSPACE}
        {script}""", runtime=interpreter_libraries())
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout


def test_numpy_pandas_and_scipy_run_on_the_base(built_layers):
    """tzdata carries the time zones: the base's /usr/share/zoneinfo is not relied on (hidden here)."""
    stdout = on_the_base(built_layers, f"""
        cat > main.py <<'EOF'
{PROGRAM}
EOF
        printf 'four' | {recipe_run("python-ml", "main.py", ["a b", "c"])}
        echo left: /tmp/* {SANDBOX_WORKSPACE}/* {SANDBOX_WORKSPACE}/.[!.]* {SANDBOX_WORKSPACE}/.tmp/*
    """)
    assert stdout.splitlines() == [
        "20.0 10 [2.0, 3.0] 2.0 256.0 0.5 3 9 America/New_York 4 ['a b', 'c']",
        # no __pycache__, no cache of any package
        f"left: {SANDBOX_WORKSPACE} {SANDBOX_WORKSPACE}/main.py {SANDBOX_WORKSPACE}/.tmp {SANDBOX_WORKSPACE}/.tmp/*",
    ]


def test_every_extension_module_links_on_the_base(built_layers):
    """Each compiled module of numpy, pandas and scipy resolves every library and symbol it needs
    (dlopen with RTLD_NOW, as ctypes does) from the libraries their wheels bundle (OpenBLAS,
    libgfortran, ...), the interpreter and the base: the submodules no program above touches count
    too. (dlopen, not import: a few of scipy's modules can only be imported through their package.)"""
    site = built_layers / "PythonMlLayer" / SITE
    modules = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.so"))
    assert len(modules) > 100 and "numpy/_core/_multiarray_umath.cpython-312-x86_64-linux-gnu.so" in modules
    loader = f"import ctypes, sys\nfor name in sys.argv[1:]: ctypes.CDLL('/opt/{SITE}/' + name)\nprint(len(sys.argv) - 1)"
    stdout = on_the_base(built_layers, recipe_run("python-ml", "-c", [loader, *modules]))
    assert stdout.split() == [str(len(modules))]


def test_the_packages_are_read_from_the_layers_bytecode(built_layers):
    """No module of the layer is compiled in a run (a missing pyc, another interpreter's magic
    number, or a timestamped pyc whose source Lambda unpacked with a new mtime would be): compiling
    pandas' sources at each import costs about a second."""
    stdout = on_the_base(built_layers, recipe_run("python-ml", "-c", [SPY]))
    read, compiled = stdout.split(" ", 1)
    assert compiled.strip() == "[]" and int(read) > 500, stdout[-3000:]


def test_the_recipe_lists_the_versions_requirements_pins_and_the_layer_holds(built_layers):
    requirements = (TOOLCHAINS / "python-ml" / "requirements.txt").read_text()
    pinned = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) --hash=sha256:", requirements, re.MULTILINE))
    installed = {dist.metadata["Name"].lower(): dist.version for dist in distributions(path=[str(built_layers / "PythonMlLayer" / SITE)])}
    assert catalogue().get("python-ml").packages == pinned == installed
