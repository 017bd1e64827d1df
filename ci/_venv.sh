# Sourced by the ci/*.sh scripts: make_venv DIR creates a fresh virtual environment with an
# up-to-date pip from the interpreter in $PYTHON (default python3) and prints its python.
PYTHON="${PYTHON:-python3}"

make_venv() {
    rm -rf "$1"
    "$PYTHON" -m venv "$1"
    "$1/bin/python" -m pip install --quiet --upgrade pip >&2
    echo "$1/bin/python"
}

step() { printf '\n=== %s (%s) ===\n' "$*" "$(date -u +%H:%M:%S)"; }
