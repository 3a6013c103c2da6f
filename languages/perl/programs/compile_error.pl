print "unclosed\n";
if (1 {
