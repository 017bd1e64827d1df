"""Property-based fuzzing (Hypothesis) of every parser a file reaches; targets in ``fuzzing.py``.

Every test run tries a fixed, derandomised budget of inputs per parser (about a minute in
all on CI's two cores), plus round trips of random data through each format. The long mode,
``pytest -m fuzz`` (``W2V_FUZZ_SECONDS`` per parser, default 60), explores new inputs each
run; ``ci/fuzz.sh SECONDS`` runs the campaign without Hypothesis, faster, in child processes
that survive a crash or a hang. Any input they ever find that breaks a property becomes a
regression test in ``test_reliability.py``.
"""

import gzip
import logging
import os
import shutil
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason="the fuzz tests need hypothesis: pip install 'w2v[test]'")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import fuzzing  # noqa: E402
from w2v import FrozenPhrases, KeyedVectors, Phrases
from w2v.io import FormatError

#: Inputs per parser in every test run (the corpus readers' checks cost the most).
EXAMPLES = {"native": 2500, "c_text": 2000, "c_binary": 3000, "corpus": 800, "phrases": 2500}
QUIET = settings(deadline=None, database=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def targets():
    made = {name: make() for name, make in fuzzing.TARGETS.items()}
    yield made
    for target in made.values():
        shutil.rmtree(target.folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def quiet():
    """Damaged files log warnings (ignored trailing data, unknown parameters) by design."""
    logging.disable(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    logging.disable(logging.NOTSET)


def check_random_cases(target, examples, explore=False):
    @settings(QUIET, max_examples=examples, derandomize=not explore,
              database=settings.default.database if explore else None)
    @given(st.randoms(use_true_random=False))
    def random_case(rng):
        target.check(target.generate(rng))
    random_case()


@pytest.mark.parametrize("name", sorted(fuzzing.TARGETS))
def test_parser_survives_fuzzed_files(targets, name):
    check_random_cases(targets[name], EXAMPLES[name])


@pytest.mark.fuzz
@pytest.mark.parametrize("name", sorted(fuzzing.TARGETS))
def test_parser_survives_fuzzed_files_at_length(targets, name):
    deadline = time.monotonic() + float(os.environ.get("W2V_FUZZ_SECONDS", "60"))
    while time.monotonic() < deadline:
        check_random_cases(targets[name], 500, explore=True)


# ---------------------------------------------------------------------- round trips of random data

def surrogate_key(raw):
    return raw.decode("utf-8", "surrogateescape")


c_keys = st.one_of(
    st.text(st.characters(blacklist_characters=" \t\n\r\x0b\x0c", blacklist_categories=("Cs",)), min_size=1,
            max_size=12),
    st.binary(min_size=1, max_size=6).filter(lambda raw: not set(raw) & set(b" \t\n\r\x0b\x0c")).map(surrogate_key))
floats32 = st.floats(width=32, allow_subnormal=True)


@st.composite
def keyed_vectors(draw, keys, dtype=np.float32):
    names = draw(st.lists(keys, unique=True, max_size=8))
    size = draw(st.integers(1, 5))
    kv = KeyedVectors(size, dtype=dtype)
    values = draw(st.lists(st.lists(floats32, min_size=size, max_size=size), min_size=len(names),
                           max_size=len(names)))
    kv.add_vectors(names, np.array(values, dtype=np.float32).reshape(len(names), size))
    return kv


@settings(QUIET, max_examples=300)
@given(keyed_vectors(c_keys), st.booleans(), st.sampled_from(["", ".gz"]))
def test_c_formats_round_trip_exactly(tmp_path_factory, kv, binary, suffix):
    path = tmp_path_factory.mktemp("c") / f"v{'.bin' if binary else '.txt'}{suffix}"
    kv.save_word2vec_format(path, binary=binary)
    loaded = KeyedVectors.load_word2vec_format(path, binary=binary, unicode_errors="surrogateescape")
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


native_keys = st.one_of(st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=10),
                        st.binary(max_size=6).filter(lambda raw: b"\n" not in raw).map(surrogate_key))


@settings(QUIET, max_examples=300)
@given(keyed_vectors(native_keys), st.sampled_from([np.float32, np.float64, np.float16]),
       st.sampled_from([None, "r", "c"]))
def test_native_format_round_trips_exactly(tmp_path_factory, kv, dtype, mmap):
    kv.vectors = kv.vectors.astype(dtype)
    kv.expandos["count"] = np.arange(len(kv), dtype=np.int64)
    path = tmp_path_factory.mktemp("native") / "kv.w2v"
    kv.save(path)
    loaded = KeyedVectors.load(path, mmap=mmap, verify=True)
    assert loaded.index_to_key == kv.index_to_key and loaded.vectors.dtype == dtype
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    np.testing.assert_array_equal(loaded.expandos["count"], kv.expandos["count"])


tokens = st.one_of(st.sampled_from(["new", "york", "of", "the", "bank"]),
                   st.binary(min_size=1, max_size=4).map(surrogate_key).filter(lambda token: token.split() == [token]))


@settings(QUIET, max_examples=200)
@given(st.lists(st.lists(tokens, max_size=6), max_size=20), st.sampled_from([".json", ".json.gz"]),
       st.sampled_from(["default", "npmi"]))
def test_phrases_files_round_trip(tmp_path_factory, sentences, suffix, scoring):
    phrases = Phrases(sentences, min_count=1, threshold=-0.5 if scoring == "npmi" else 0.5, scoring=scoring,
                      connector_words={"of", "the"})
    folder = tmp_path_factory.mktemp("phrases")
    phrases.save(folder / f"p{suffix}")
    phrases.freeze().save(folder / f"f{suffix}")
    assert Phrases.load(folder / f"p{suffix}").vocab == phrases.vocab
    assert FrozenPhrases.load(folder / f"f{suffix}").phrasegrams == phrases.freeze().phrasegrams


# ---------------------------------------------------------------------- the targets' own checks

def test_a_strict_prefix_of_a_valid_file_is_a_finding_when_it_loads(targets, tmp_path):
    """The checks can fail: a prefix-accepting reader would be caught."""
    target = targets["c_text"]
    whole = target.seeds[0]
    with pytest.raises(fuzzing.Finding, match="strict prefix"):
        target.check(fuzzing.Case(whole.data, ".txt", must_fail=True))


def test_an_undocumented_exception_is_a_finding(targets, monkeypatch):
    target = targets["c_binary"]

    def broken(*args, **kwargs):
        raise IndexError("a bug")
    monkeypatch.setattr(KeyedVectors, "load_word2vec_format", broken)
    with pytest.raises(fuzzing.Finding, match="IndexError"):
        target.check(target.seeds[0])


def test_documented_errors_are_not_findings(targets):
    target = targets["c_text"]
    target.check(fuzzing.Case(b"2 2\na 1 2\n", ".txt", must_fail=True))
    target.check(fuzzing.Case(gzip.compress(b"100000000000000 3\na"), ".txt.gz"))
    assert issubclass(fuzzing.Finding, AssertionError) and not issubclass(FormatError, fuzzing.Finding)
