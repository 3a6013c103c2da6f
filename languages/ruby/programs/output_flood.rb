loop { puts "flood " * 100 }
