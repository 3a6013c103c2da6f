"""Mono (MonoLayer) compiles and runs C# on the bare Lambda base: the recipe's own compile and run
commands and variables, with only the base's libraries visible and the layer read-only at /opt,
HOME and TMPDIR the workspace as the sandbox gives them. System.Native (libmono-native.so and the
layer's Kerberos libraries) loads, and Mono leaves nothing behind: no shared-memory file in
/dev/shm, nothing in /tmp or the workspace but the program and its main.exe. The compile uses the
layer's AOT images: a Mono that refused them would silently JIT mcs and corlib afresh, about
2.5 times the CPU of every compile."""

import shlex
from pathlib import Path

from layer_checks import run_on_the_base

from glimpse.languages import catalogue, placeholders
from glimpse.languages.recipe import Step

RECIPE = catalogue().get("csharp")
# The sandbox's private /tmp is the workspace and TMPDIR: this machine's mkdir needs libselinux,
# which the bare base hides.
WORKSPACE = Path("/tmp")
# Files (System.Native), LINQ and HashSet (System.Core), BigInteger (System.Numerics), dynamic
# (Microsoft.CSharp), standard input, arguments, UTF-8 output and the invariant culture's numbers.
PROGRAM = r"""
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;

class Program {
    static void Main(string[] args) {
        var lines = File.ReadAllLines("main.cs").Length > 10;
        var distinct = new HashSet<int>(Enumerable.Range(0, 100).Select(n => n % 7)).Count;
        dynamic twice = BigInteger.Pow(2, 70) * 2;
        Console.WriteLine($"{lines} {distinct} {twice} {Console.In.ReadToEnd().Length} {string.Join("|", args)} héllo 🌍 {1.5}");
    }
}
"""
AOT_IMAGES = ("mcs.exe", "mscorlib.dll", "System.dll", "System.Core.dll")
# Needs -unsafe (a pointer), both symbols of -d and -checked+ (the sum overflows) to print "checked".
OPTIONS_PROGRAM = r"""
class Program {
    static unsafe void Main() {
        int value = int.MaxValue; int* pointer = &value;
#if FAST && CHECKED
        try { System.Console.WriteLine(*pointer + 1); } catch (System.OverflowException) { System.Console.WriteLine("checked"); }
#endif
    }
}
"""


def command(step: Step, more: dict[str, str] | None = None, **lists: list[str]) -> str:
    """A step of the recipe as a shell line: the sandbox's variables and the recipe's (and `more`),
    then its command with the layer at /opt."""
    values = placeholders(main="main.cs", toolchains=Path("/opt"), workspace=WORKSPACE, memory_mb=256)
    variables = {"HOME": str(WORKSPACE), "TMPDIR": str(WORKSPACE), "LANG": "C.UTF-8"} | step.environment(values) | (more or {})
    return shlex.join(["env", "-i", *(f"{name}={value}" for name, value in variables.items()), *step.argv(values, **lists)])


def on_the_base(built_layers, script: str) -> str:
    completed = run_on_the_base([built_layers / "MonoLayer"], f"""
        cd {WORKSPACE}
        cat > main.cs <<'EOF'
{PROGRAM}
EOF
        {script}""")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout


def test_csharp_compiles_and_runs_on_the_base(built_layers):
    stdout = on_the_base(built_layers, f"""
        {command(RECIPE.compile, sources=["main.cs"])}
        printf 'four' | {command(RECIPE.run, extra=["a b", "c"])}
        echo left: {WORKSPACE}/* {WORKSPACE}/.[!.]* /dev/shm/*
    """)
    assert stdout.splitlines() == [
        f"True 7 {2 ** 71} 4 a b|c héllo 🌍 1.5",
        f"left: {WORKSPACE}/main.cs {WORKSPACE}/main.exe {WORKSPACE}/.[!.]* /dev/shm/*",
    ]


def test_the_compile_loads_the_layers_aot_images(built_layers):
    stdout = on_the_base(built_layers, f"""
        {command(RECIPE.compile, {"MONO_LOG_LEVEL": "info", "MONO_LOG_MASK": "aot"}, sources=["main.cs"])} 2>&1
    """)
    for assembly in AOT_IMAGES:
        assert f"AOT: image '/opt/mono/lib/mono/4.5/{assembly}.so' found." in stdout, stdout[-3000:]


def test_a_killed_run_leaves_no_shared_memory_file(built_layers):
    """Mono keeps its performance counters in /dev/shm/mono.<pid> and removes the file only when it
    exits: killed at its time limit, it would leave it behind for the environment's next run."""
    stdout = on_the_base(built_layers, f"""
        echo 'class Program {{ static void Main() {{ System.Threading.Thread.Sleep(60000); }} }}' > sleep.cs
        {command(RECIPE.compile, sources=["sleep.cs"])}
        {command(RECIPE.run)} & sleep 1; kill -9 $!; wait $! || echo killed
        echo left: /dev/shm/*
    """)
    assert stdout.splitlines() == ["killed", "left: /dev/shm/*"]


def test_the_allowed_compiler_options_reach_mcs_and_nothing_naming_a_file_is_allowed(built_layers):
    options = ["-unsafe", "-d:FAST;CHECKED", "-checked+", "-optimize-", "-warn:0", "-nowarn:219,168", "-main:Program"]
    assert RECIPE.option_refusal(options) is None
    for refused in ("-r:/tmp/x.dll", "-reference:x", "-lib:/tmp", "-pkg:dotnet", "-out:/tmp/x.exe", "-recurse:*.cs",
                    "-resource:/etc/passwd", "-doc:/tmp/x.xml", "-keyfile:/tmp/k", "@/tmp/options", "/unsafe", "-langversion:8"):
        assert "is not one of the options csharp allows" in RECIPE.option_refusal([refused]), refused
    stdout = on_the_base(built_layers, f"""
        cat > options.cs <<'EOF'
{OPTIONS_PROGRAM}
EOF
        {command(RECIPE.compile, sources=["options.cs"], options=options)}
        {command(RECIPE.run)}
    """)
    assert stdout.splitlines() == ["checked"]
