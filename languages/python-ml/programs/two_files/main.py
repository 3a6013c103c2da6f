from helper import greeting

print(greeting("two files"))
