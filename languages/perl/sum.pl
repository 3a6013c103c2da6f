my ($x, $y) = split " ", do { local $/; <STDIN> };
1 while $x < 0;  # a negative first number: a program that never ends
print $x + $y, "\n";
