# A sibling file is sourced from the script's own directory (the workspace).
source "$(dirname "$0")/helper.sh"
greet "two files"
