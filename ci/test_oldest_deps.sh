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
# (a command substitution, so that an error in the script stops this one)
pins=$("$py" - <<'PY'
import re, sys, tomllib
for requirement in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]:
    match = re.match(r"\s*([A-Za-z0-9_.-]+)[^;]*?>=\s*([0-9][0-9.]*)", requirement)
    if not match:
        sys.exit(f"test_oldest_deps: no lower bound in {requirement!r}: give every dependency one")
    print(f"{match[1]}=={match[2]}.*")
PY
)
mapfile -t oldest <<<"$pins"
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
