#!/usr/bin/env bash
# Build the HTML documentation with warnings as errors (and -n: every cross-reference
# must resolve) into docs/_build/html.
# Needs w2v importable (autodoc, sphinx-argparse) by $PYTHON; installs the `docs` extra's
# requirements (not w2v itself) into that environment.
#   PYTHON=.venv/bin/python ci/build_docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

mapfile -t requirements < <("$PYTHON" - <<'PY'
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["docs"]))
PY
)
"$PYTHON" -m pip install --quiet "${requirements[@]}"
rm -rf docs/_build
"$PYTHON" -m sphinx -W -n --keep-going --no-color -b html docs docs/_build/html
echo "docs: docs/_build/html/index.html"
