"""Lua (LuaLayer) runs on the bare Lambda base: the recipe's own run command and variables, with
only the base's libraries visible, no /etc and the layer read-only at /opt. `require` finds the
program's sibling modules in the workspace, and looks nowhere else: not in the /usr/local and /usr
directories Debian's lua5.4 searches by default."""

from layer_checks import SANDBOX_WORKSPACE, recipe_run, run_in_workspace

PROGRAM = r"""
local helper = require("helper")
local words = {}
for word in io.read("a"):gmatch("%S+") do words[#words + 1] = word:upper() end
print(_VERSION, helper.twice(21), table.concat(words, ","), table.concat(arg, "|"))
print(utf8.len("wörld"), string.format("%.3f", math.pi), math.type(2^53 // 1), os.time{year=2024, month=2, day=29, hour=12} > 0)
print(package.path, package.cpath)
local found, message = pcall(require, "lpeg")
print(found, (message:gsub("\n%s*", " ")))
"""
HELPER = "return { twice = function(n) return 2 * n end }\n"


def test_lua_runs_on_the_base_and_requires_from_the_workspace_only(built_layers):
    completed = run_in_workspace([built_layers / "LuaLayer"], {"main.lua": PROGRAM, "helper.lua": HELPER}, f"""
        printf 'one two\\n' | {recipe_run("lua", "main.lua", ["a b", "c"])}
        echo left: {SANDBOX_WORKSPACE}/* {SANDBOX_WORKSPACE}/.tmp/*
    """)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.stdout.splitlines() == [
        "Lua 5.4\t42\tONE,TWO\ta b|c",
        "5\t3.142\tfloat\ttrue",
        "./?.lua;./?/init.lua\t./?.so",
        "false\tmodule 'lpeg' not found: no field package.preload['lpeg'] no file './lpeg.lua' no file './lpeg/init.lua' "
        "no file './lpeg.so'",
        f"left: {SANDBOX_WORKSPACE}/helper.lua {SANDBOX_WORKSPACE}/main.lua {SANDBOX_WORKSPACE}/.tmp/*",
    ]
    assert completed.stderr == ""
