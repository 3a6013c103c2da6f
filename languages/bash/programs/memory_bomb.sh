# A string that doubles until bash's allocator is refused (or the memory watch stops it).
text=xxxxxxxxxxxxxxxx
while :; do
    text="$text$text"
done
