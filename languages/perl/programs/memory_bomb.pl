my @blocks;
push @blocks, "x" x (16 * 1024 * 1024) while 1;
