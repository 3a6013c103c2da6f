local a, b = io.read("n", "n")
while a < 0 do  -- a negative first number: a program that never ends
end
print(a + b)
