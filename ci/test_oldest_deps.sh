#!/usr/bin/env bash
# Install the wheel with the OLDEST versions of its dependencies that pyproject.toml admits
# (each ">=X.Y" lower bound becomes "==X.Y.*"), then run the tests against it. This is what
# makes the declared ranges honest: the wheel is built against NumPy 2 and must run on 1.25.
#   ci/test_oldest_deps.sh [WHEEL]     (default: the one wheel in wheelhouse/)
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/_venv.sh

wheel="${1:-$(ls wheelhouse/*.whl)}"
venv=$(pwd)/.venv-ci-oldest
step "fresh venv with the oldest supported dependencies"
py=$(make_venv "$venv")
mapfile -t oldest < <("$py" - <<'PY'
import re, tomllib
for requirement in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]:
    name, low = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement.replace(" ", "")).groups()
    print(f"{name}=={low}.*")
PY
)
echo "oldest: ${oldest[*]}"
"$py" -m pip install --quiet --only-binary=:all: "${oldest[@]}" "$wheel" "pytest>=7" "tqdm>=4.60"
installed=$("$py" -m pip list --format=freeze)
grep -Ei '^(numpy|scipy|threadpoolctl|w2v)==' <<<"$installed"
for requirement in "${oldest[@]}"; do   # pip must not have upgraded any of them
    grep -Eiq "^${requirement%%==*}==${requirement#*==}" <<<"$installed" \
        || { echo "test_oldest_deps: ${requirement} not installed" >&2; exit 1; }
done

step "tests against the installed wheel, oldest dependencies"
env -u PYTHONPATH "$py" ci/test_installed.py
