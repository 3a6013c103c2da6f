raise ArgumentError, "boom"
