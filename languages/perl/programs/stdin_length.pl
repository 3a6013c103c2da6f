binmode STDIN;
local $/;
my $data = <STDIN>;
print length($data // ""), "\n";
