package Helper;
use strict;
use warnings;
use Exporter qw(import);
our @EXPORT_OK = qw(greeting);

sub greeting {
    my ($name) = @_;
    return "hello from $name";
}

1;
