numbers <- scan("stdin", what = integer(), quiet = TRUE)
while (numbers[1] < 0) {}  # a negative first number: a program that never ends
cat(numbers[1] + numbers[2], "\n", sep = "")
