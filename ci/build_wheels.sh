#!/usr/bin/env bash
# Build (and test) the release wheels for this platform with cibuildwheel; configuration in
# pyproject.toml [tool.cibuildwheel]. Linux needs Docker or Podman; macOS and Windows build
# natively. Wheels land in wheelhouse/.
#   ci/build_wheels.sh                      # every wheel for this OS
#   CIBW_ARCHS=aarch64 ci/build_wheels.sh   # one architecture
#   CIBW_BUILD=cp312-* ci/build_wheels.sh   # one Python
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m pip install --quiet "cibuildwheel==4.3.*"
"$PYTHON" -m cibuildwheel --output-dir wheelhouse .
ls -l wheelhouse
