# Strict mode: a reference to an unset variable ends the script with an error.
set -euo pipefail
echo "value: $undefined_variable"
