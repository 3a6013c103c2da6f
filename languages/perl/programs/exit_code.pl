print "about to fail\n";
exit 3;
