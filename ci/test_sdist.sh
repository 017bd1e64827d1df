#!/usr/bin/env bash
# Build and install w2v from the sdist alone, from scratch (no wheel, no build cache), in a
# fresh venv, then run the tests against the installed package.
#   ci/test_sdist.sh [SDIST]     (default: the one sdist in dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/_venv.sh

sdist="${1:-$(ls dist/*.tar.gz)}"
venv=$(pwd)/.venv-ci-sdist
step "install from the sdist: $sdist"
py=$(make_venv "$venv")
"$py" -m pip install --quiet --no-cache-dir --no-binary=w2v "$sdist" "pytest>=7" "tqdm>=4.60"
step "tests against the package built from the sdist"
env -u PYTHONPATH "$py" ci/test_installed.py
