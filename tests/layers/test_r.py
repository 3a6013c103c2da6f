"""R (RLayer) runs on the bare Lambda base: the recipe's own run command and variables, with only
the base's libraries visible, no /etc (so no `which`: Debian's is an alternative under /etc) and
the layer read-only at /opt. A base-R script with stats runs: lm and t.test (LAPACK and BLAS),
PCRE2 regular expressions, ICU collation, xz and bzip2 compression, UTF-8 text in the layer's own
C.UTF-8 locale, stdin and the arguments after --args; the library is the layer's alone. R starts
without running a program (utils' .osVersion is the layer's, os_version.R), and methods, left out
of the default packages, is attached by the first use of one of its functions (Rprofile.site)."""

from layer_checks import SANDBOX_WORKSPACE, recipe_run, run_in_workspace

PROGRAM = r"""
words <- readLines("stdin")  # not file("stdin"): an unclosed connection is a warning when collected
fit <- lm(dist ~ speed, data = cars)
before <- search()
setClass("Point", representation(x = "numeric"))
cat(sprintf("%.4f", coef(fit)), sprintf("%.4f", t.test(c(2, 4, 4, 4, 5, 5, 7, 9), mu = 4)$p.value),
    median(c(5, 1, 3)), solve(matrix(c(2, 1, 1, 3), 2))[1, 1] * 5,
    regmatches("a1b22", regexpr("[0-9]+(?=b)", "a1b22", perl = TRUE)), sort(c("b", "B", "a", "A")),
    memDecompress(memCompress(charToRaw("xz"), "xz"), "xz", asChar = TRUE),
    memDecompress(memCompress(charToRaw("bzip2"), "bzip2"), "bzip2", asChar = TRUE),
    nchar(words[1]), toupper(words[1]), Sys.getlocale("LC_CTYPE"), .libPaths(), is.null(osVersion),
    "package:methods" %in% before, new("Point", x = 3)@x, "package:methods" %in% search(),
    commandArgs(trailingOnly = TRUE), "\n")
"""


def test_r_runs_a_stats_script_on_the_base(built_layers, tmp_path):
    recorder = tmp_path / "uname"
    recorder.write_text('#!/bin/sh\necho "uname $*" >> /tmp/ran\n')
    recorder.chmod(0o755)
    completed = run_in_workspace([built_layers / "RLayer"], {"main.r": PROGRAM}, f"""
        printf 'wörd\\nx\\n' | {recipe_run("r", "main.r", ["a b", "c"])}
        echo ran: /tmp/ran*
        echo left: {SANDBOX_WORKSPACE}/* {SANDBOX_WORKSPACE}/.tmp/*
    """, runtime=["--ro-bind", str(recorder), "/usr/bin/uname"])
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.stdout.splitlines() == [
        "-17.5791 3.9324 0.2275 3 3 1 a A b B xz bzip2 4 WÖRD C.UTF-8 /opt/r/library TRUE FALSE 3 TRUE a b c ",
        "ran: /tmp/ran*",  # no `uname -a` (nor anything else) at start
        # R removes its session directory (.tmp/Rtmp*) at exit with /bin/sh and rm where the base
        # has them; the runner's sweep removes it where not
        f"left: {SANDBOX_WORKSPACE}/main.r {SANDBOX_WORKSPACE}/.tmp/*",
    ]
    assert completed.stderr == ""
