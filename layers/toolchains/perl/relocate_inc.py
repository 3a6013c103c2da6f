"""Points Debian's perl binary at the layer's library, and only there.

Debian's perl has its library directories compiled in (/etc/perl, /usr/share/perl5,
/usr/lib/x86_64-linux-gnu/perl/5.32, ...): with only PERL5LIB set, a module the layer lacks would
still be found in the machine's own /usr/share/perl5 (bookworm's, here, or whatever the base has).
perl pushes each built-in directory with S_incpush_use_sep, which splits the string at ':' and
skips empty pieces. So each directory string is rewritten in place, at its own length: the
library directory becomes the layer's padded with ':', every other one becomes ':' only, which
pushes nothing. @INC is then exactly the layer's directory. Standard library only.

usage: relocate_inc.py PERL_BINARY LAYER_LIBRARY
"""

from __future__ import annotations

import sys
from pathlib import Path

# Debian perl 5.32's built-in @INC, in its order (`perl -V`): the arch library (ARCHLIB) gets the
# layer's directory; the others (site, vendor, perl-base, /etc/perl, private library) are dropped.
ARCHLIB = b"/usr/lib/x86_64-linux-gnu/perl/5.32"
DROPPED = (
    b"/etc/perl", b"/usr/local/lib/x86_64-linux-gnu/perl/5.32.1", b"/usr/local/share/perl/5.32.1",
    b"/usr/lib/x86_64-linux-gnu/perl5/5.32", b"/usr/share/perl5", b"/usr/lib/x86_64-linux-gnu/perl-base",
    b"/usr/share/perl/5.32", b"/usr/local/lib/site_perl",
)


def rewrite(binary: bytes, old: bytes, new: bytes) -> bytes:
    """Every occurrence of the C string `old` (a whole string: NUL before and after) becomes `new`
    padded with ':' to the same length."""
    if len(new) > len(old):
        raise SystemExit(f"{new!r} is longer than {old!r}")
    whole = b"\0" + old + b"\0"
    if whole not in binary:
        raise SystemExit(f"{old!r} is not in the binary: not the perl this script knows")
    return binary.replace(whole, b"\0" + new.ljust(len(old), b":") + b"\0")


def main() -> None:
    perl, library = Path(sys.argv[1]), sys.argv[2].encode()
    binary = rewrite(perl.read_bytes(), ARCHLIB, library)
    for old in DROPPED:
        binary = rewrite(binary, old, b"")
    perl.write_bytes(binary)


if __name__ == "__main__":
    main()
