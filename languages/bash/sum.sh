read -r a b
while (( a < 0 )); do  # a negative first number: a program that never ends
    :
done
echo $(( a + b ))
