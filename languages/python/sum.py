a, b = map(int, input().split())
while a < 0:  # a negative first number: a program that never ends
    pass
print(a + b)
