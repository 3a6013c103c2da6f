use Time::HiRes qw(sleep);

sleep 0.3;  # long enough for another run in this environment, if there were one, to show
opendir my $tmp, "/tmp" or die "/tmp: $!";
my $runs = grep { /^glimpse-run-/ } readdir $tmp;
print readlink("/proc/self/ns/pid"), " $runs\n";
