if [ then
  echo "unreachable"
fi
