"""Ruby (RubyLayer) runs on the bare Lambda base: the recipe's own run command and variables, with
only the base's libraries visible and the layer read-only at /opt. The standard library a program
expects loads without RubyGems (the run disables it), prime and matrix included; libruby, whose
hypot the build binds to GLIBC_2.2.5 (test_rewritten_binaries.py), computes it; did_you_mean
and error_highlight still explain a NameError; and Ruby leaves nothing behind."""

from layer_checks import SANDBOX_WORKSPACE, recipe_run, run_in_workspace

PROGRAM = r"""
require "set"
require "json"
require "prime"
require "matrix"
require "bigdecimal/util"
require "date"
require "openssl"
require "yaml"
require "zlib"
require "digest"
require "securerandom"

words = $stdin.read.split
puts [Set[*words].size, {"a" => 1}.to_json, Prime.first(4).join(","), Matrix[[1, 2], [3, 4]].determinant,
      ("1.1".to_d + "2.2".to_d).to_s("F"), Date.new(2024, 2, 28).next_day, Math.hypot(3, 4), OpenSSL::BN.new(97).prime?,
      YAML.dump([1]).lines.size, Zlib.crc32("a"), Digest::SHA256.hexdigest("a")[0, 8], SecureRandom.hex(2).size,
      ARGV.join("|"), "héllo 🌍".length, words.first.length].join(" ")
"""
MISTAKE = "total = 1\nputs totl + 1\n"


def on_the_base(built_layers, script: str):
    return run_in_workspace([built_layers / "RubyLayer"], {"main.rb": PROGRAM, "mistake.rb": MISTAKE}, script)


def test_ruby_runs_with_its_standard_library_on_the_base(built_layers):
    completed = on_the_base(built_layers, f"""
        printf 'wörd x wörd' | {recipe_run("ruby", "main.rb", ["a b", "c"])}
        echo left: /tmp/* {SANDBOX_WORKSPACE}/* {SANDBOX_WORKSPACE}/.[!.]* {SANDBOX_WORKSPACE}/.tmp/*
    """)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    # The last number: "wörd" is 4 characters, -EUTF-8 reading input as UTF-8 with no locale at all
    # (none here; glibc 2.34 has no C.UTF-8 built in).
    assert completed.stdout.splitlines() == [
        "2 {\"a\":1} 2,3,5,7 -2 3.3 2024-02-29 5.0 true 2 3904355907 ca978112 4 a b|c 7 4",
        f"left: {SANDBOX_WORKSPACE} {SANDBOX_WORKSPACE}/main.rb {SANDBOX_WORKSPACE}/mistake.rb "
        f"{SANDBOX_WORKSPACE}/.tmp {SANDBOX_WORKSPACE}/.tmp/*",
    ]
    assert completed.stderr == ""


def test_a_mistake_is_explained_as_ruby_explains_it(built_layers):
    completed = on_the_base(built_layers, f"{recipe_run('ruby', 'mistake.rb')} || echo exit $?")
    assert completed.stdout == "exit 1\n"
    assert "undefined local variable or method `totl'" in completed.stderr
    assert "Did you mean?  total" in completed.stderr  # did_you_mean
    assert "puts totl + 1\n     ^^^^" in completed.stderr  # error_highlight
