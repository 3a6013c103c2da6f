line=$(printf 'flood %.0s' {1..100})
while :; do
    echo "$line"
done
