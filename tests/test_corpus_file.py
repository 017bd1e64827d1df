"""corpus_file mode reads every token exactly once per epoch, whatever the file looks like."""

import collections

import numpy as np
import pytest

from planted import grouped_corpus, neighbour_precision
from w2v import Word2Vec
from w2v.train import _corpusfile, corpus_file as training
from w2v.train._schedule import LearningRateSchedule
from w2v.train.driver import make_workers

AWKWARD = (
    b"first line  with  double  spaces\r\n"
    b"\r\n\n\t\n"                                  # blank lines, CRLF, a tab-only line
    b"caf\xc3\xa9 na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac\n"   # non-ASCII UTF-8
    b"bad\xff\xfebytes \xff standalone \x80\x81\n"  # invalid UTF-8, inside and as tokens
    b"tabs\tand\x0bvertical\x0cfeeds\n"
    + b" ".join(b"w%d" % (i % 37) for i in range(12000)) + b"\n"   # longer than a sentence
    b"the end is mid-wo"                            # no trailing newline, ends mid-word
)


@pytest.fixture
def awkward_file(tmp_path):
    path = tmp_path / "awkward.txt"
    path.write_bytes(AWKWARD)
    return path


def flatten(sentences):
    return [token for sentence in sentences for token in sentence]


def test_any_split_point_covers_every_token_exactly_once(awkward_file):
    expected = AWKWARD.split()  # bytes.split() splits on the same ASCII whitespace
    size = len(AWKWARD)
    # Every byte offset as a boundary between two ranges, including inside words.
    for cut in list(range(0, 400)) + list(range(size - 40, size + 1)):
        tokens = flatten(_corpusfile.range_tokens(awkward_file, 0, cut))
        tokens += flatten(_corpusfile.range_tokens(awkward_file, cut, size))
        assert tokens == expected, f"cut at byte {cut}"


def test_many_ranges_cover_every_token_exactly_once(awkward_file):
    size = len(AWKWARD)
    for n in (2, 3, 7, 50, 1000):
        bounds = [size * i // n for i in range(n + 1)]
        tokens = []
        for start, end in zip(bounds, bounds[1:]):
            tokens += flatten(_corpusfile.range_tokens(awkward_file, start, end))
        assert tokens == AWKWARD.split()


def test_long_lines_become_several_sentences(awkward_file):
    sentences = _corpusfile.range_tokens(awkward_file, 0, len(AWKWARD))
    assert max(len(s) for s in sentences) == 10000
    assert [len(s) for s in sentences if len(s) >= 2000] == [10000, 2000]


def test_vocabulary_scan_counts_bytes_exactly(awkward_file):
    model = Word2Vec(min_count=1)
    model.build_vocab(corpus_file=awkward_file)
    expected = collections.Counter(t.decode("utf-8", "surrogateescape") for t in AWKWARD.split())
    assert {w: model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key} == expected
    assert model.corpus_total_words == len(AWKWARD.split())
    # Lines with a token, the 12000-token line counting twice.
    assert model.corpus_count == 7
    assert "\udcff" in model.wv and "caf\xe9" in model.wv and "mid-wo" in model.wv


@pytest.mark.parametrize("range_bytes", [None, 1, 97])
@pytest.mark.parametrize("workers", [1, 2, 3, 16])
def test_training_reads_every_token_once_per_epoch(awkward_file, workers, range_bytes, monkeypatch):
    if range_bytes:  # cut the small file into many ranges that the threads take in turn
        monkeypatch.setattr(training, "MIN_RANGE_BYTES", range_bytes)
        size = awkward_file.stat().st_size
        bounds = training.file_ranges(size, workers)
        assert bounds[0] == 0 and bounds[-1] == size and all(np.diff(bounds) > 0)
        assert len(bounds) - 1 == 1 if workers == 1 else len(bounds) - 1 > 2 * workers
        sizes = np.diff(bounds)
        assert workers == 1 or (sizes[0] >= sizes[-1] and sizes[-1] <= max(range_bytes, 1))
    model = Word2Vec(min_count=1, sample=0, workers=workers, vector_size=8)
    model.build_vocab(corpus_file=awkward_file)
    effective, raw = model.train(corpus_file=awkward_file, total_words=model.corpus_total_words, epochs=3)
    assert raw == effective == 3 * len(AWKWARD.split())
    assert sum(stats.sentences for stats in model.epoch_stats) >= 3 * 7


def test_more_workers_than_lines(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_bytes(b"one two three\nfour five\n")
    model = Word2Vec(corpus_file=path, min_count=1, sample=0, workers=12, epochs=2, vector_size=4)
    assert [s.raw_words for s in model.epoch_stats] == [5, 5]
    assert [s.effective_words for s in model.epoch_stats] == [5, 5]


@pytest.mark.parametrize("content", [b"", b" \n\r\n\t \n"])
def test_empty_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="empty"):
        Word2Vec(corpus_file=path, min_count=1)


def test_compressed_or_missing_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match="compressed"):
        (tmp_path / "c.txt.gz").write_bytes(b"x")
        Word2Vec(corpus_file=tmp_path / "c.txt.gz")
    with pytest.raises(FileNotFoundError):
        Word2Vec(corpus_file=tmp_path / "missing.txt")


def test_train_needs_total_words(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c\n")
    model = Word2Vec(min_count=1)
    model.build_vocab(corpus_file=path)
    with pytest.raises(ValueError, match="total_words"):
        model.train(corpus_file=path, total_examples=1, epochs=1)


def test_max_vocab_size_and_trim_rule_in_the_file_scan(tmp_path):
    rng = np.random.default_rng(0)
    lines = [" ".join([f"f{i}" for i in rng.integers(0, 5, 8)] + [f"rare{s}"]) for s in range(3000)]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    model = Word2Vec(min_count=1, max_vocab_size=40,
                     trim_rule=lambda word, count, min_count: 2 if word == "rare7" else 0)
    model.build_vocab(corpus_file=path)
    assert len(model.wv) <= 40
    assert {f"f{i}" for i in range(5)} <= set(model.wv.key_to_index)
    assert "rare7" in model.wv


def test_keys_from_an_iterable_vocabulary_match_file_bytes(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes("日本 café\n".encode() * 50)
    model = Word2Vec(min_count=1, sample=0, vector_size=4)
    model.build_vocab([["日本", "café"]] * 50)
    effective, raw = model.train(corpus_file=path, total_words=100, epochs=1)
    assert effective == raw == 100


@pytest.mark.parametrize("params", [dict(sg=1), dict(sg=0), dict(sg=1, hs=1, negative=0),
                                    dict(sg=1, shared_negatives=True)])
def test_corpus_file_learns_the_planted_structure(tmp_path, params):
    sentences, groups = grouped_corpus()
    path = tmp_path / "planted.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    model = Word2Vec(corpus_file=path, vector_size=24, window=3, min_count=1, epochs=8,
                     workers=3, seed=5, **params)
    assert neighbour_precision(model.wv, groups) > 0.9


def test_corpus_file_is_reproducible_with_one_worker(tmp_path):
    sentences, _ = grouped_corpus(n_sentences=300)
    path = tmp_path / "planted.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    a = Word2Vec(corpus_file=path, vector_size=8, min_count=1, workers=1, epochs=2)
    b = Word2Vec(corpus_file=path, vector_size=8, min_count=1, workers=1, epochs=2)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)


def test_an_exception_in_trim_rule_reaches_the_caller(tmp_path):
    # The rule runs while the C table is being pruned; it used to be printed and swallowed,
    # leaving a half-compacted table that returned duplicate and garbage words.
    path = tmp_path / "c.txt"
    path.write_text(" ".join(f"w{i}" for i in range(50)) + "\n")

    def rule(word, count, min_count):
        raise KeyError("rule failed")

    with pytest.raises(KeyError, match="rule failed"):
        _corpusfile.scan_corpus_file(path, max_vocab_size=10, trim_rule=rule)
    with pytest.raises(KeyError, match="rule failed"):
        Word2Vec(corpus_file=path, min_count=1, max_vocab_size=10, trim_rule=rule)


def test_a_vocabulary_changed_without_its_vectors_is_a_clear_error(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c a b\n" * 20 + "x\n")
    model = Word2Vec(corpus_file=path, min_count=2, vector_size=8, workers=1, epochs=1)
    model.wv.index_to_key.append("x")  # a word without a row in the weights
    with pytest.raises(ValueError, match="row 3.*3 rows"):
        model.train(corpus_file=path, total_words=model.corpus_total_words, epochs=1)
    model.wv.index_to_key.pop()
    model.wv.key_to_index["b"] = 3
    sentences = [["a", "b", "c"]] * 5
    with pytest.raises(ValueError, match="outside the vocabulary"):
        model.train(sentences, total_examples=5, epochs=1)


def test_train_file_range_checks_its_shared_counters(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b\n")
    model = Word2Vec([["a", "b"]] * 5, min_count=1, vector_size=8, workers=1, epochs=1)
    worker = make_workers(model.training_model(), 1, 1, 0)[0]
    table = _corpusfile.WordTable.from_words(model.wv.index_to_key)
    schedule = LearningRateSchedule(0.025, 0.0001, 1)
    with pytest.raises(ValueError, match="shared"):
        _corpusfile.train_file_range(worker, table, path, 0, 4, schedule, 0, 2, np.zeros(1, dtype=np.int64))
    with pytest.raises(TypeError):
        _corpusfile.train_file_range(None, table, path, 0, 4, schedule, 0, 2, np.zeros(2, dtype=np.int64))
    with pytest.raises(TypeError):
        _corpusfile.train_file_range(worker, table, path, 0, 4, None, 0, 2, np.zeros(2, dtype=np.int64))
