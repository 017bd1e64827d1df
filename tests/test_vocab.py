"""Vocabulary: counting, pruning, selection and the tables built from counts."""

import heapq
import math

import numpy as np
import pytest

from w2v import Word2Vec, vocab


def test_select_words_min_count_sorting_and_ties():
    counts = {"b": 2, "a": 5, "c": 2, "d": 1, "e": 5}
    words, word_counts = vocab.select_words(counts, min_count=2)
    assert words == ["a", "e", "b", "c"]  # descending count, ties in first-seen order
    assert word_counts.tolist() == [5, 5, 2, 2]
    unsorted, _ = vocab.select_words(counts, min_count=2, sorted_vocab=False)
    assert unsorted == ["b", "a", "c", "e"]


def test_trim_rule_overrides_min_count():
    def rule(word, count, min_count):
        if word == "rare":
            return vocab.RULE_KEEP
        if word == "the":
            return vocab.RULE_DISCARD
        return vocab.RULE_DEFAULT

    words, _ = vocab.select_words({"the": 100, "rare": 1, "cat": 5, "dog": 1}, 2, trim_rule=rule)
    assert words == ["cat", "rare"]
    model = Word2Vec([["the"] * 10 + ["rare", "cat", "cat"]], min_count=2, trim_rule=rule, epochs=1)
    assert set(model.wv.key_to_index) == {"cat", "rare"}


def test_max_final_vocab_raises_min_count():
    counts = {f"w{i}": 100 - i for i in range(50)}
    words, _ = vocab.select_words(counts, min_count=1, max_final_vocab=10)
    assert words == [f"w{i}" for i in range(10)]
    assert vocab.effective_min_count(counts, 1, 10) == 91
    sentences = [[word] * count for word, count in counts.items()]
    model = Word2Vec(sentences, min_count=1, max_final_vocab=10, epochs=1)
    assert model.wv.index_to_key == [f"w{i}" for i in range(10)]


def test_max_vocab_size_bounds_the_scan():
    rng = np.random.default_rng(0)
    frequent = [f"f{i}" for i in range(5)]
    sentences = []
    for s in range(2000):
        sentence = [frequent[i] for i in rng.integers(0, 5, 8)] + [f"rare{s}_{i}" for i in range(2)]
        sentences.append(sentence)
    scan = vocab.scan_corpus(sentences, max_vocab_size=50)
    assert len(scan.counts) <= 50
    assert set(frequent) <= set(scan.counts)
    assert scan.sentences == 2000 and scan.total_words == 20000
    # The frequent words lose only what was counted before their first survival.
    assert sum(scan.counts[w] for w in frequent) > 0.95 * 16000


def test_null_word_is_added():
    model = Word2Vec([["a", "b", "a"]], min_count=1, null_word=1, epochs=1)
    assert model.wv.index_to_key[-1] == "\0"


def test_counts_are_stored_per_word():
    model = Word2Vec([["a", "b", "a", "c", "a", "b"]], min_count=1, epochs=1)
    assert [model.wv.get_vecattr(w, "count") for w in ("a", "b", "c")] == [3, 2, 1]


def test_keep_thresholds_follow_the_c_formula():
    counts = np.array([100000, 1000, 10, 1])
    sample = 1e-3
    thresholds = vocab.keep_thresholds(counts, sample)
    total = counts.sum()
    for count, threshold in zip(counts, thresholds):
        probability = min(1.0, (math.sqrt(count / (sample * total)) + 1) * sample * total / count)
        assert threshold == min(math.floor(probability * 2**32), 2**32 - 1)
    assert vocab.keep_thresholds(counts, 0) is None


def alias_probabilities(accept, other):
    """The distribution an alias table draws from, reconstructed exactly."""
    n = len(accept)
    keep = accept.astype(np.float64) / 2**32
    keep[other == np.arange(n)] = 1.0
    probabilities = keep / n
    np.add.at(probabilities, other, (1 - keep) / n)
    return probabilities


@pytest.mark.parametrize("exponent", [0.75, 1.0, 0.0, -0.5])
def test_alias_table_draws_the_noise_distribution(exponent):
    counts = np.random.default_rng(1).zipf(1.3, 500).astype(np.int64)
    accept, other = vocab.noise_alias_table(counts, exponent)
    expected = counts.astype(np.float64) ** exponent
    expected /= expected.sum()
    np.testing.assert_allclose(alias_probabilities(accept, other), expected, atol=1e-9)
    assert other.min() >= 0 and other.max() < len(counts)


def test_huffman_tree_is_an_optimal_prefix_code():
    counts = np.random.default_rng(2).zipf(1.5, 300).astype(np.int64)
    points, codes, offsets = vocab.huffman_tree(counts)
    n = len(counts)
    lengths = np.diff(offsets)
    words = [tuple(codes[offsets[w]:offsets[w + 1]]) for w in range(n)]
    # Prefix-free and complete (Kraft's sum is exactly 1).
    assert len(set(words)) == n
    for a in words:
        for b in words:
            assert a == b or a != b[:len(a)]
    assert sum(2.0 ** -length for length in lengths) == pytest.approx(1.0)
    # Optimal: the weighted length equals the Huffman cost computed independently.
    heap = list(counts.tolist())
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    assert int((lengths * counts).sum()) == cost
    # Every path starts at the root (row n - 2) and uses rows of syn1 only.
    assert all(points[offsets[w]] == n - 2 for w in range(n))
    assert points.min() >= 0 and points.max() <= n - 2
    # A more frequent word never gets a longer code than a rarer one (equal counts may differ).
    for count in np.unique(counts):
        assert lengths[counts > count].max(initial=0) <= lengths[counts == count].min()


def test_huffman_tree_is_gensims():
    """The same tree as gensim's, ties included, so syn1 rows mean the same nodes."""
    word2vec = pytest.importorskip("gensim.models.word2vec")
    from gensim.models.keyedvectors import KeyedVectors as GensimKeyedVectors
    rng = np.random.default_rng(5)
    for counts in (rng.integers(1, 6, 200), np.sort(rng.zipf(1.3, 150))[::-1], np.array([3, 3, 3, 3]),
                   np.array([9]), np.array([2, 1])):
        counts = counts.astype(np.int64)
        kv = GensimKeyedVectors(1)
        kv.add_vectors([str(i) for i in range(len(counts))], np.zeros((len(counts), 1)))
        kv.expandos["count"] = counts
        word2vec._assign_binary_codes(kv)
        points, codes, offsets = vocab.huffman_tree(counts)
        for w in range(len(counts)):
            assert codes[offsets[w]:offsets[w + 1]].tolist() == list(kv.get_vecattr(w, "code"))
            assert points[offsets[w]:offsets[w + 1]].tolist() == list(kv.get_vecattr(w, "point"))


def test_huffman_tree_of_one_word():
    points, codes, offsets = vocab.huffman_tree(np.array([7]))
    assert offsets.tolist() == [0, 0] and len(points) == 0


def test_single_word_vocabulary_trains_without_crashing():
    for params in (dict(hs=1, negative=0), dict(hs=0, negative=5)):
        model = Word2Vec([["solo"] * 20], min_count=1, epochs=1, **params)
        assert np.all(np.isfinite(model.wv["solo"]))


def test_vocabulary_update_adds_words_and_keeps_vectors():
    first = [["a", "b", "c", "a"]] * 20
    model = Word2Vec(first, vector_size=8, min_count=1, epochs=1, hs=1, negative=3)
    before = model.wv.vectors.copy()
    second = [["c", "d", "e", "d"]] * 20
    model.build_vocab(second, update=True)
    assert model.wv.index_to_key == ["a", "b", "c", "d", "e"]
    np.testing.assert_array_equal(model.wv.vectors[:3], before)
    assert model.wv.get_vecattr("c", "count") == 40
    assert model.syn1neg.shape == (5, 8) and model.syn1.shape == (4, 8)
    model.train(second, total_examples=len(second), epochs=1)
    assert not np.allclose(model.wv["d"], 0)


def test_update_without_vocabulary_is_an_error():
    with pytest.raises(RuntimeError, match="existing vocabulary"):
        Word2Vec(min_count=1).build_vocab([["a"]], update=True)
