print "flood " x 100, "\n" while 1;
