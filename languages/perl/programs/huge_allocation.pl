# 3 GB asked for at once: the address-space backstop refuses it and perl says "Out of memory!".
my $gigabytes = 3;
my $region = "x" x ($gigabytes << 30);
print "allocated\n";
