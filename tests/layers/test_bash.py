"""Bash (BashLayer) runs on the bare Lambda base: the recipe's own run command and variables, with
only the base's libraries visible, no /etc and the layer read-only at /opt. The commands a Bash
program calls are the layer's, found first on the recipe's PATH, and run with the layer's
libraries: sort, tr, seq, cut, grep (with PCRE), sed, gawk as awk, find, xargs, diff, bc, expr and
factor (GMP), ls and cp (SELinux, ACL libraries), sh. Text is UTF-8 with the layer's C.UTF-8
LC_CTYPE, which the base need not have (here it has none)."""

from layer_checks import SANDBOX_WORKSPACE, recipe_run, run_in_workspace

COMMANDS = "bash sh cat sort uniq wc tr seq head tail cut paste tac date grep egrep sed awk find xargs diff cmp bc expr factor ls cp mkdir rm"
PROGRAM = r"""
set -euo pipefail
read -r first
echo "${first^^} ${#first} $BASH_VERSION"
seq 5 | sort -rn | head -3 | paste -sd+ | bc
printf 'b,2\na,1\nb,3\n' | sort | cut -d, -f1 | uniq -c | tr -s ' ' | tr '\n' ';'; echo
echo "x=42" | sed -E 's/x=([0-9]+)/\1/' | awk '{ print $1 * 2, gensub(/4/, "four", "g", $1) }'
echo 'abc123def' | grep -oP '\d+' && echo 'a|b' | egrep -c 'a|c'
expr 6 \* 7 && factor 1001
echo "$#: $*" | wc -c
mkdir -p tree/branch && echo leaf > tree/branch/leaf && find tree -type f | xargs cat
cp -a tree copy && diff -r tree copy && cmp tree/branch/leaf copy/branch/leaf && rm -r copy tree && echo same
date -u -d @86400 +%F
sh -c 'echo "sh: $0"' posix
for command in COMMANDS; do type -P "$command"; done | grep -v '^/opt/bash/bin/' || echo "all from the layer"
""".replace("COMMANDS", COMMANDS)


def test_bash_and_its_commands_run_on_the_base(built_layers):
    completed = run_in_workspace([built_layers / "BashLayer"], {"main.sh": PROGRAM}, f"""
        printf 'wörd\\nrest\\n' | {recipe_run("bash", "main.sh", ["a b", "c"])}
        echo left: {SANDBOX_WORKSPACE}/* {SANDBOX_WORKSPACE}/.tmp/*
    """)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.stdout.splitlines() == [
        "WÖRD 4 5.1.4(1)-release",
        "12",
        " 1 a; 2 b;",
        "84 four2",
        "123",
        "1",
        "42",
        "1001: 7 11 13",
        "9",
        "leaf",
        "same",
        "1970-01-02",
        "sh: posix",
        "all from the layer",
        f"left: {SANDBOX_WORKSPACE}/main.sh {SANDBOX_WORKSPACE}/.tmp/*",
    ]
    assert completed.stderr == ""
