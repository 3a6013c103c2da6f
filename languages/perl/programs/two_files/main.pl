use strict;
use warnings;
# Since Perl 5.26 the current directory is not in @INC: a program finds its own modules through FindBin.
use FindBin;
use lib $FindBin::Bin;
use Helper qw(greeting);

print greeting("two files"), "\n";
