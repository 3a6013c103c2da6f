print(#io.read("a"))
