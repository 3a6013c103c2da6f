"""Perl (PerlLayer) runs on the bare Lambda base: the recipe's own run command and variables, with
only the base's libraries visible, no /etc and the layer read-only at /opt. The core modules a
program expects load, the XS ones too (POSIX, List::Util, Time::HiRes, Storable, Encode, Digest::*,
the zlib and bzip2 compressors); crypt uses the layer's libcrypt. @INC is the layer's library alone:
the directories compiled into Debian's perl were rewritten (relocate_inc.py), so a module this
machine's Debian has in /usr/share/perl5 is not found, even where that directory is visible."""

from layer_checks import SANDBOX_WORKSPACE, recipe_run, run_in_workspace, run_with_layers

LIBRARY = "/opt/perl/lib/perl5"
PROGRAM = r"""
use strict;
use warnings;
use POSIX qw(floor strftime);
use Data::Dumper;
use List::Util qw(sum max first);
use Scalar::Util qw(looks_like_number);
use Time::HiRes qw(time);
use Getopt::Long;
use JSON::PP;
use Math::BigInt;
use Storable qw(dclone);
use Encode qw(decode);
use Digest::MD5 qw(md5_hex);
use Digest::SHA qw(sha256_hex);
use Compress::Zlib qw(compress uncompress);
use IO::Compress::Bzip2 qw(bzip2);
use IO::Uncompress::Bunzip2 qw(bunzip2);
use MIME::Base64 qw(encode_base64);
use Time::Piece;
use Time::Local qw(timegm);
use Text::Wrap qw(wrap);
use File::Temp qw(tempfile);
use Unicode::Normalize qw(NFD);

my @words = split " ", do { local $/; <STDIN> };
bzip2 \"bzip2" => \my $compressed;
bunzip2 \$compressed => \my $plain;
my ($handle, $temporary) = tempfile(DIR => $ENV{TMPDIR}, UNLINK => 1);
$Data::Dumper::Terse = $Data::Dumper::Indent = 1;
print join(" ", floor(2.7), sum(1 .. 10), max(3, 9, 2), (first { $_ > 1 } 1, 5), looks_like_number("1e3") ? "number" : "",
           Math::BigInt->new(2)->bpow(70), JSON::PP->new->canonical->encode({b => [1], a => 1}), md5_hex("a"),
           substr(sha256_hex("a"), 0, 8), length(decode("UTF-8", $words[0])), length(NFD(decode("UTF-8", "é"))),
           uncompress(compress("zlib")), $plain, encode_base64("b64", ""), dclone([7])->[0],
           gmtime(timegm(0, 0, 0, 29, 1, 2024))->strftime("%Y-%m-%d"), strftime("%j", gmtime(86400)),
           crypt("secret", "ab"), Dumper("d") =~ s/\s+//gr, time > 0 ? "time" : "", @ARGV), "\n";
print "INC @INC\n";
print "outside $_ $INC{$_}\n" for grep { index($INC{$_}, "$LIBRARY/") != 0 } sort keys %INC;
""".replace("$LIBRARY", LIBRARY)


def test_perl_runs_with_its_core_modules_on_the_base(built_layers):
    completed = run_in_workspace([built_layers / "PerlLayer"], {"main.pl": PROGRAM}, f"""
        printf 'wörd x wörd' | {recipe_run("perl", "main.pl", ["a b", "c"])}
        echo left: {SANDBOX_WORKSPACE}/* {SANDBOX_WORKSPACE}/.tmp/*
    """)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert completed.stdout.splitlines() == [
        f"2 55 9 5 number {2 ** 70} {{\"a\":1,\"b\":[1]}} 0cc175b9c0f1b6a831c399e269772661 ca978112 4 2 zlib bzip2 YjY0 7 "
        "2024-02-29 002 abNANd1rDfiNc 'd' time a b c",
        f"INC {LIBRARY}",
        f"left: {SANDBOX_WORKSPACE}/main.pl {SANDBOX_WORKSPACE}/.tmp/*",
    ]
    assert completed.stderr == ""


def test_perl_reads_no_module_of_this_machine(built_layers):
    """This machine's Debian has JSON.pm (not a core module) in /usr/share/perl5, which Debian's
    perl searches: the layer's perl, with this machine's / visible, does not find it."""
    completed = run_with_layers([built_layers / "PerlLayer"], f"""
        test -f /usr/share/perl5/JSON.pm
        {recipe_run("perl", "-e", ["require JSON"])} || echo exit $?
    """)
    assert completed.stdout == "exit 2\n", completed.stdout + completed.stderr
    assert f"Can't locate JSON.pm in @INC (you may need to install the JSON module) (@INC contains: {LIBRARY})" in completed.stderr
