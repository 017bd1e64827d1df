#!/usr/bin/env python3
"""Run gensim's own tests for Word2Vec, KeyedVectors and Phrases against w2v.

gensim's wheel ships its test-suite (``gensim/test/``). This script copies
``test_word2vec.py``, ``test_keyedvectors.py`` and ``test_phrases.py`` from the *installed*
gensim into a temporary folder, swaps their imports of gensim's classes for w2v's (the
``SWAPS`` below, nothing else: gensim's test data, helpers and utilities stay gensim's),
runs pytest on them and reports passed / failed / skipped, with each failure's reason.

It answers "does a gensim user's code run after changing the import?". The remaining
failures must be the deliberate differences listed in ``docs/gensim-migration.md`` (its
table "Deliberate differences"); ``KNOWN_DIFFERENCES`` below names each failing test and the
table row that explains it, and the script exits non-zero when any other test fails (or
when a test listed there passes, so the list never goes stale).

gensim's test files are LGPL: they are read from the installed package at run time and
never copied into this repository. Needs gensim 4.4, its test helper ``testfixtures`` and
pytest (``pip install "gensim>=4.4" testfixtures pytest``); POT for the ``wmdistance`` tests.

Usage::

    python ci/gensim_suite.py                 # all three files
    python ci/gensim_suite.py -k most_similar # extra arguments go to pytest
    python ci/gensim_suite.py --keep DIR      # keep the rewritten files in DIR
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

TEST_FILES = ("test_word2vec.py", "test_keyedvectors.py", "test_phrases.py")

#: (file, pattern, replacement): the only edits made to gensim's tests. Each swaps a gensim
#: class (or the module a test reaches it through) for w2v's; helpers stay gensim's.
SWAPS: tuple[tuple[str, str, str], ...] = (
    # test_word2vec.py reaches every class through two module names.
    ("test_word2vec.py", r"^from gensim\.models import word2vec, keyedvectors$",
     "import w2v as word2vec, w2v as keyedvectors"),
    # test_keyedvectors.py: the class, and the two places that name it by its full path.
    ("test_keyedvectors.py", r"^from gensim\.models\.keyedvectors import KeyedVectors, REAL, pseudorandom_weak_vector$",
     "from gensim.models.keyedvectors import REAL, pseudorandom_weak_vector\nfrom w2v import KeyedVectors"),
    ("test_keyedvectors.py", r"gensim\.models\.keyedvectors\.KeyedVectors\b", "KeyedVectors"),
    ("test_keyedvectors.py", r"gensim\.models\.KeyedVectors\b", "KeyedVectors"),
    # gensim's private loader function, called with cls=KeyedVectors: w2v's loader function.
    ("test_keyedvectors.py", r"gensim\.models\.keyedvectors\._load_word2vec_format\b",
     "w2v.io.word2vec_format.load_word2vec_format"),
    ("test_keyedvectors.py", r"^import gensim\.models\.keyedvectors$",
     "import gensim.models.keyedvectors\nimport w2v.io.word2vec_format"),
    # test_phrases.py: the two classes, their common base and the scorer.
    ("test_phrases.py", r"^from gensim\.models\.phrases import Phrases, FrozenPhrases, _PhrasesTransformation$",
     "from w2v.phrases import Phrases, FrozenPhrases\nfrom w2v.phrases.models import _PhraseModel as _PhrasesTransformation"),
    ("test_phrases.py", r"^from gensim\.models\.phrases import original_scorer$",
     "from w2v.phrases import original_scorer"),
)

#: Tests that fail on purpose, by pytest node id (file::class::test), with the row of the
#: migration guide's table that explains them.
KNOWN_DIFFERENCES: dict[str, str] = {}


def gensim_tests() -> Path:
    try:
        import gensim.test
    except ImportError:
        sys.exit("gensim_suite: gensim is not installed (pip install 'gensim>=4.4' testfixtures)")
    return Path(gensim.test.__file__).parent


def rewrite(source: Path, target: Path) -> None:
    """Copy one test file with the SWAPS for it applied; every swap must match."""
    text = source.read_text(encoding="utf-8")
    for name, pattern, replacement in SWAPS:
        if name != source.name:
            continue
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        if not count:
            sys.exit(f"gensim_suite: {name}: the swap {pattern!r} matched nothing (another gensim version?)")
    target.write_text(text, encoding="utf-8")


def outcomes(report: Path) -> dict[str, tuple[str, str]]:
    """Test id -> (outcome, reason) from pytest's JUnit XML report."""
    results = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").replace(".", "::", 1) if "." in case.get("classname", "") else ""
        test_id = f"{case.get('classname')}::{case.get('name')}"
        outcome, reason = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
                reason = (child.get("message") or child.text or "").strip().splitlines()[0][:300] if \
                    (child.get("message") or child.text) else ""
            elif child.tag == "skipped":
                outcome, reason = "skipped", (child.get("message") or "").strip()[:200]
        del module
        results[test_id] = (outcome, reason)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the rewritten tests here and keep them")
    args, pytest_args = parser.parse_known_args()  # the rest goes to pytest
    import w2v
    source = gensim_tests()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="gensim-suite-"))
    folder.mkdir(parents=True, exist_ok=True)
    for name in TEST_FILES:
        rewrite(source / name, folder / name)
    report = folder / "report.xml"
    print(f"gensim_suite: gensim's tests from {source}, w2v {w2v.__version__} from {Path(w2v.__file__).parent}",
          flush=True)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder),
               f"--junitxml={report}", "-o", "junit_family=xunit1", *TEST_FILES, *pytest_args]
    subprocess.run(command, cwd=folder, check=False, env=dict(os.environ, PYTHONHASHSEED="0"))
    results = outcomes(report)
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    counts = {kind: sum(1 for outcome, _ in results.values() if outcome == kind)
              for kind in ("passed", "failed", "skipped")}
    print(f"\n{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    unexpected = []
    for test_id, (outcome, reason) in sorted(results.items()):
        if outcome == "failed":
            known = KNOWN_DIFFERENCES.get(test_id)
            print(f"FAILED {test_id}: {reason}" + (f"\n    deliberate: {known}" if known else ""))
            if known is None:
                unexpected.append(test_id)
        elif outcome == "skipped":
            print(f"SKIPPED {test_id}: {reason}")
    stale = [test_id for test_id in KNOWN_DIFFERENCES if results.get(test_id, ("failed",))[0] == "passed"]
    for test_id in stale:
        print(f"PASSED but listed as a deliberate difference: {test_id}")
    if not pytest_args and (unexpected or stale):
        print(f"gensim_suite: {len(unexpected)} unexpected failure(s), {len(stale)} stale entr(y/ies)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
