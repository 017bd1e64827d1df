#!/usr/bin/env bash
# Install a built wheel into a fresh venv with NO compiler on PATH and only binary packages,
# then run the test suite against it (ci/test_installed.py) and `w2v demo`.
#   ci/test_wheel.sh [WHEEL]     (default: the one wheel in wheelhouse/)
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/_venv.sh

wheel="${1:-$(ls wheelhouse/*.whl)}"
venv=$(pwd)/.venv-ci-wheel
step "fresh venv, no compiler: $wheel"
py=$(make_venv "$venv")
# Only the venv on PATH, and compilers that fail: anything that tried to build would break.
no_compiler=(env -u PYTHONPATH PATH="$venv/bin" CC=/bin/false CXX=/bin/false)
if "${no_compiler[@]}" /bin/sh -c 'command -v gcc || command -v cc || command -v clang'; then
    echo "test_wheel: a compiler is still on PATH" >&2
    exit 1
fi
"${no_compiler[@]}" "$py" -m pip install --quiet --only-binary=:all: "$wheel" "pytest>=7" "tqdm>=4.60" \
    "hypothesis>=6.70"  # the fuzz tests run against the wheel's compiled readers too

step "tests against the installed wheel"
"${no_compiler[@]}" "$py" ci/test_installed.py

step "w2v demo and w2v show-config from the installed wheel"
(cd /tmp && "${no_compiler[@]}" w2v --version && "${no_compiler[@]}" w2v show-config \
    && "${no_compiler[@]}" w2v demo)
