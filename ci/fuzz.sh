#!/usr/bin/env bash
# Long fuzzing campaign of the five parsers a file reaches (native, C text, C binary, corpus
# readers, phrases files), SECONDS in all, with the w2v of the current environment:
#   ci/fuzz.sh 3600                    # an hour, one worker per target
#   ci/fuzz.sh 600 --jobs 2 --targets native,c_text
# Findings (inputs and messages) go to fuzz-findings/; exit status 1 if there are any.
# Every finding becomes a regression test (tests/test_reliability.py). The same properties
# run briefly in every test run (tests/test_fuzz.py) and at length with `pytest -m fuzz`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
    echo "usage: ci/fuzz.sh SECONDS [--jobs N] [--targets a,b,...] [--out DIR]" >&2
    exit 2
fi
exec "${PYTHON:-python3}" ci/fuzz.py "$@"
