"""PHP (PhpLayer) runs on the bare Lambda base: the recipe's own run command and variables, with
only the base's libraries visible, no /usr/share/zoneinfo and no /etc, and the layer read-only at
/opt. php.ini is the layer's (extensions loaded, UTC, errors on stderr once); time zones come
from the layer's own zoneinfo, through the path the build rewrote into php; php's hypot and
ICU's condition_variable, bound to older versions by the build (test_rewritten_binaries.py), work:
libxml2 reads an EUC-JP document through ICU, as the base has no gconv modules for iconv to do
it. PHP leaves nothing behind."""

from layer_checks import SANDBOX_WORKSPACE, recipe_run, run_in_workspace

PROGRAM = r"""<?php
$words = preg_split('/\s+/', trim(stream_get_contents(STDIN)));
$paris = new DateTime("2024-07-01 12:00", new DateTimeZone("Europe/Paris"));
$xml = new DOMDocument();
$xml->loadXML("<?xml version=\"1.0\" encoding=\"EUC-JP\"?><r>\xa4\xa2</r>");
echo implode(" ", [
    count(array_unique($words)), mb_strlen($words[0]), date_default_timezone_get(), $paris->format("T P"),
    count(DateTimeZone::listIdentifiers()) > 300 ? "zones" : "no zones", hypot(3, 4), bcadd("1.1", "2.2", 1),
    gmp_strval(gmp_pow(2, 70)), $xml->documentElement->textContent, simplexml_load_string("<a><b>x</b></a>")->b,
    json_encode(["a" => 1]), ctype_digit("42") ? "digits" : "", implode("|", array_slice($argv, 1)), "héllo 🌍",
]), "\n";
"""
MISTAKE = "<?php\necho $undefined, \"after\\n\";\nthrow new LogicException(\"boom\");\n"


def on_the_base(built_layers, script: str):
    return run_in_workspace([built_layers / "PhpLayer"], {"main.php": PROGRAM, "mistake.php": MISTAKE}, script)


def test_php_runs_with_its_extensions_and_time_zones_on_the_base(built_layers):
    completed = on_the_base(built_layers, f"""
        test ! -e /usr/share/zoneinfo
        printf 'wörd x wörd' | {recipe_run("php", "main.php", ["a b", "c"])}
        echo left: /tmp/* {SANDBOX_WORKSPACE}/* {SANDBOX_WORKSPACE}/.[!.]* {SANDBOX_WORKSPACE}/.tmp/*
    """)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.stdout.splitlines() == [
        f"2 4 UTC CEST +02:00 zones 5 3.3 {2 ** 70} あ x {{\"a\":1}} digits a b|c héllo 🌍",
        f"left: {SANDBOX_WORKSPACE} {SANDBOX_WORKSPACE}/main.php {SANDBOX_WORKSPACE}/mistake.php "
        f"{SANDBOX_WORKSPACE}/.tmp {SANDBOX_WORKSPACE}/.tmp/*",
    ]
    assert completed.stderr == ""


def test_warnings_and_errors_go_to_stderr_once(built_layers):
    completed = on_the_base(built_layers, f"{recipe_run('php', 'mistake.php')} || echo exit $?")
    assert completed.stdout == "after\nexit 255\n"
    lines = completed.stderr.strip().splitlines()
    assert lines[0] == f"Warning: Undefined variable $undefined in {SANDBOX_WORKSPACE}/mistake.php on line 2", lines
    assert lines[1].startswith("Fatal error: Uncaught LogicException: boom in ") and len(lines) == 5, lines


def test_memory_limit_follows_the_runs_limit(built_layers):
    """-d memory_limit={heap_mb}M: the runs's 256 MB give PHP 192 MB, and its own message."""
    completed = on_the_base(built_layers, f"""
        echo '<?php echo ini_get("memory_limit"), "\\n"; str_repeat("x", 200 << 20);' > big.php
        {recipe_run("php", "big.php")} || echo exit $?
    """)
    assert completed.stdout == "192M\nexit 255\n"
    assert "Allowed memory size of 201326592 bytes exhausted" in completed.stderr
