puts $stdin.binmode.read.bytesize
