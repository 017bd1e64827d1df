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
    # (w2v has no Python analysis base: its base class stands in, and PHRASE_BASE says why it fails.)
    ("test_phrases.py", r"^from gensim\.models\.phrases import Phrases, FrozenPhrases, _PhrasesTransformation$",
     "from w2v.phrases import Phrases, FrozenPhrases\nfrom w2v.phrases.models import _PhraseModel as _PhrasesTransformation"),
    ("test_phrases.py", r"^from gensim\.models\.phrases import original_scorer$",
     "from w2v.phrases import original_scorer"),
)

# The rows of the migration guide's table "Deliberate differences, in one table".
PICKLE = "gensim's pickled files are refused (unpickling runs code; use from_gensim)"
WRONG_LOADER = "Word2Vec.load of a vectors-only file is a FormatError, not AttributeError"
SYN1_ROWS = "syn1 has one row per inner node (words - 1), not per word"
HUFFMAN_ATTRS = "the Huffman tree is computed from the counts, not stored as 'code'/'point' attributes"
FLAT_LIST = "a flat list of strings is refused with a TypeError"
THREAD_STREAMS = "each worker thread has its own random stream: several workers never repeat a run"
EPOCH_LOSS = "the loss is the latest epoch's (0 when a tiny corpus's last epoch trains no pair)"
PREDICT_HS = "predict_output_word answers with hierarchical softmax instead of raising"
CHUNK_SIZE = "gensim's private _load_word2vec_format(binary_chunk_size=) has no counterpart"
PHRASE_BASE = "phrase analysis runs in C: no Python _PhrasesTransformation base to subclass"
CUSTOM_SCORER = "a custom scorer is saved by name and passed again to load()"
DELIMITER_TOKENS = "a token containing the delimiter is counted apart from the pair"

#: Tests that fail on purpose, by the id this script prints, with the row that explains them.
KNOWN_DIFFERENCES: dict[str, str] = {
    **{f"test_word2vec.TestWord2VecModel::{name}": PICKLE for name in (
        "test_load_old_model", "test_load_old_model_separates", "test_load_old_models_1_x",
        "test_load_old_models_2_x", "test_load_old_models_3_x", "test_persistence_backwards_compatible")},
    "test_keyedvectors.Gensim320Test::test": PICKLE,
    **{f"test_phrases.{name}": PICKLE for name in (
        "TestFrozenPhrasesModelCompatibility::test_compatibility",
        "TestFrozenPhrasesPersistence::test_save_load_no_common_terms",
        "TestFrozenPhrasesPersistence::test_save_load_no_scoring",
        "TestFrozenPhrasesPersistence::test_save_load_string_scoring",
        "TestPhrasesPersistence::test_save_load_no_common_terms",
        "TestPhrasesPersistence::test_save_load_no_scoring",
        "TestPhrasesPersistence::test_save_load_string_scoring")},
    "test_word2vec.TestWord2VecModel::test_persistence_word2vec_format_combination_with_standard_persistence":
        WRONG_LOADER,
    **{f"test_word2vec.TestWord2VecModel::{name}": SYN1_ROWS for name in (
        "test_training", "test_training_cbow", "test_training_from_file")},
    "test_word2vec.TestWord2VecModel::test_vocab": HUFFMAN_ATTRS,
    "test_word2vec.TestWord2VecModel::test_build_vocab_warning": FLAT_LIST,
    "test_word2vec.TestWord2VecModel::test_training_sg_negative": THREAD_STREAMS,
    "test_word2vec.TestWord2VecModel::test_training_cbow_negative": THREAD_STREAMS,
    "test_word2vec.TestWord2VecModel::test_compute_training_loss": EPOCH_LOSS,
    "test_word2vec.TestWord2VecModel::test_predict_output_word": PREDICT_HS,
    **{f"test_keyedvectors.LoadWord2VecFormatTest::{name}": CHUNK_SIZE for name in (
        "test_load_word2vec_format_basic", "test_load_word2vec_format_limit",
        "test_load_word2vec_format_space_stripping")},
    **{f"test_phrases.TestPhraseAnalysis::{name}": PHRASE_BASE for name in (
        "test_analysis_bigrams", "test_analysis_connector_words", "test_analysis_connector_words_in_between",
        "test_simple_analysis")},
    "test_phrases.TestFrozenPhrasesPersistence::test_save_load_custom_scorer": CUSTOM_SCORER,
    "test_phrases.TestPhrasesPersistence::test_save_load_custom_scorer": CUSTOM_SCORER,
    "test_phrases.TestPhrasesModel::test_export_phrases": DELIMITER_TOKENS,
}

#: Known differences that depend on chance (thread scheduling, subsampling of a tiny corpus),
#: so the test may pass: not reported as stale when it does.
FLAKY = {"test_word2vec.TestWord2VecModel::test_training_sg_negative",
         "test_word2vec.TestWord2VecModel::test_training_cbow_negative",
         "test_word2vec.TestWord2VecModel::test_compute_training_loss"}

#: Tests whose outcome is chance for gensim itself: ``test_parallel`` asks that 'palestinian'
#: rank in the top 6 of 'israeli' after training 16 dimensions with 4 threads; on 2 cores,
#: 24 seeds each, gensim 4.4 missed 4 times and w2v 2 (w2v with one thread: never). A failure
#: of one of these is run again, up to ``RETRIES`` times, before it counts as unexpected.
CHANCE = {"test_word2vec.TestWord2VecModel::test_parallel"}
RETRIES = 2


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
        test_id = f"{case.get('classname')}::{case.get('name')}"
        outcome, reason = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed"
                reason = (child.get("message") or child.text or "").strip().splitlines()[0][:300] if \
                    (child.get("message") or child.text) else ""
            elif child.tag == "skipped":
                outcome, reason = "skipped", (child.get("message") or "").strip()[:200]
        results[test_id] = (outcome, reason)
    return results


def retry_chance_failures(results: dict[str, tuple[str, str]], command: list[str], folder: Path) -> None:
    """Run each failed test of ``CHANCE`` again (up to ``RETRIES`` times); a pass replaces the failure."""
    for test_id in sorted(CHANCE):
        for attempt in range(RETRIES):
            if results.get(test_id, ("passed",))[0] != "failed":
                break
            print(f"gensim_suite: {test_id} failed by chance? run {attempt + 2} of {RETRIES + 1}", flush=True)
            classname, name = test_id.split("::")
            module, _, test_class = classname.partition(".")
            node = f"{module}.py::{test_class}::{name}"
            retry_report = folder / "retry.xml"
            subprocess.run([arg if not arg.startswith("--junitxml=") else f"--junitxml={retry_report}"
                            for arg in command] + [node], cwd=folder, check=False,
                           env=dict(os.environ, PYTHONHASHSEED="0"))
            results.update({key: value for key, value in outcomes(retry_report).items() if key == test_id})


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
    if not pytest_args:
        retry_chance_failures(results, command[:-len(TEST_FILES)], folder)
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
    stale = [test_id for test_id in KNOWN_DIFFERENCES
             if test_id not in FLAKY and results.get(test_id, ("failed",))[0] == "passed"]
    for test_id in stale:
        print(f"PASSED but listed as a deliberate difference: {test_id}")
    if not pytest_args and (unexpected or stale):
        print(f"gensim_suite: {len(unexpected)} unexpected failure(s), {len(stale)} stale entr(y/ies)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
