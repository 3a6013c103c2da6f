fork while 1;  # fork returns undef when refused, and the loop goes on
