"""KeyedVectors queries: against gensim 4 on the same vectors, and against plain NumPy."""

import copy
import threading

import numpy as np
import pytest

from w2v import KeyedVectors

N, DIM = 300, 16


def random_vectors(n=N, dim=DIM, seed=0):
    rng = np.random.default_rng(seed)
    keys = [f"k{i}" for i in range(n)]
    return keys, rng.standard_normal((n, dim)).astype(np.float32)


@pytest.fixture(scope="module")
def kv():
    keys, vectors = random_vectors()
    kv = KeyedVectors(DIM)
    kv.add_vectors(keys, vectors, extras={"count": np.arange(N, 0, -1)})
    return kv


@pytest.fixture(scope="module")
def gkv(kv):
    gensim = pytest.importorskip("gensim")
    gkv = gensim.models.KeyedVectors(DIM)
    gkv.add_vectors(kv.index_to_key, kv.vectors.copy())
    return gkv


def assert_same_ranking(ours, theirs):
    assert [key for key, _ in ours] == [key for key, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ against gensim

@pytest.mark.parametrize("query", [
    dict(positive="k1"),
    dict(positive=["k1", "k2"], negative=["k3"]),
    dict(positive=[("k1", 2.0), "k2"], negative=[("k3", -0.5)]),
    dict(positive=["k5"], restrict_vocab=100, topn=5),
    dict(negative="k7", topn=3),
])
def test_most_similar_matches_gensim(kv, gkv, query):
    assert_same_ranking(kv.most_similar(**query), gkv.most_similar(**query))


def test_most_similar_with_a_vector_standing_in_for_a_word(kv, gkv):
    vector = kv["k4"] * 3 + 1
    assert_same_ranking(kv.most_similar(positive=[vector, "k9"]), gkv.most_similar(positive=[vector, "k9"]))
    assert_same_ranking(kv.similar_by_vector(vector, topn=4), gkv.similar_by_vector(vector, topn=4))


def test_most_similar_all_scores_and_edge_topn(kv, gkv):
    np.testing.assert_allclose(kv.most_similar("k1", topn=None), gkv.most_similar("k1", topn=None), rtol=1e-5)
    assert kv.most_similar("k1", topn=0) == []
    assert len(kv.most_similar("k1", topn=N + 10)) == N - 1


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim calls its own deprecated init_sims
def test_most_similar_cosmul_matches_gensim(kv, gkv):
    query = dict(positive=["k1", "k2"], negative=["k3"], topn=7)
    assert_same_ranking(kv.most_similar_cosmul(**query), gkv.most_similar_cosmul(**query))
    assert_same_ranking(kv.most_similar_cosmul("k8"), gkv.most_similar_cosmul("k8"))


def test_pair_queries_match_gensim(kv, gkv):
    assert kv.similarity("k1", "k2") == pytest.approx(float(gkv.similarity("k1", "k2")), abs=1e-6)
    assert kv.distance("k1", "k2") == pytest.approx(float(gkv.distance("k1", "k2")), abs=1e-6)
    assert kv.n_similarity(["k1", "k2"], ["k3"]) == pytest.approx(
        float(gkv.n_similarity(["k1", "k2"], ["k3"])), abs=1e-6)
    np.testing.assert_allclose(kv.distances("k3"), gkv.distances("k3"), atol=1e-5)
    np.testing.assert_allclose(kv.distances("k3", ["k1", "k9"]), gkv.distances("k3", ["k1", "k9"]), atol=1e-6)
    assert kv.closer_than("k1", "k50") == gkv.closer_than("k1", "k50")
    assert kv.words_closer_than("k1", "k50") == gkv.closer_than("k1", "k50")
    assert kv.rank("k1", "k50") == gkv.rank("k1", "k50")
    words = ["k1", "k2", "k3", "k4", "k5"]
    assert kv.doesnt_match(words) == gkv.doesnt_match(words)
    np.testing.assert_allclose(kv.get_mean_vector(words, weights=[1, 2, 3, 4, 5]),
                               gkv.get_mean_vector(words, weights=[1, 2, 3, 4, 5]), rtol=1e-5)
    np.testing.assert_allclose(
        KeyedVectors.cosine_similarities(kv["k1"], kv.vectors[:10]),
        gkv.cosine_similarities(kv["k1"], kv.vectors[:10]), rtol=1e-5)


# ------------------------------------------------------------------ against NumPy

def test_most_similar_is_cosine_ranking(kv):
    unit = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)
    scores = unit @ unit[10]
    scores[10] = -np.inf
    expected = [kv.index_to_key[i] for i in np.argsort(-scores)[:10]]
    assert [key for key, _ in kv.similar_by_word("k10")] == expected


def test_most_similar_batch_equals_single_queries(kv):
    queries = ["k1", "k2", kv["k3"] * 2, "k299"]
    batch = kv.most_similar_batch(queries, topn=6)
    for query, result in zip(queries, batch):
        single = kv.most_similar(positive=[query], topn=6)
        assert [key for key, _ in result] == [key for key, _ in single]
        np.testing.assert_allclose([s for _, s in result], [s for _, s in single], rtol=1e-5)
    restricted = kv.most_similar_batch(["k1", "k250"], topn=3, restrict_vocab=50)
    assert_same_ranking(restricted[0], kv.most_similar("k1", topn=3, restrict_vocab=50))
    assert_same_ranking(restricted[1], kv.most_similar("k250", topn=3, restrict_vocab=50))
    matrix = kv.most_similar_batch(kv.vectors[:2], topn=2)
    assert [key for key, _ in matrix[0]][0] == "k0"  # a vector query leaves no key out


def test_most_similar_batch_splits_huge_batches(kv, monkeypatch):
    import w2v.vectors.queries
    expected = kv.most_similar_batch(["k1", "k2", "k3"], topn=4)
    monkeypatch.setattr(w2v.vectors.queries, "BLOCK_ELEMENTS", 2 * N)  # two queries per product
    for ours, theirs in zip(kv.most_similar_batch(["k1", "k2", "k3"], topn=4), expected, strict=True):
        assert_same_ranking(ours, theirs)


def test_cosmul_restrict_vocab_is_honoured(kv):
    keys = [key for key, _ in kv.most_similar_cosmul("k1", topn=20, restrict_vocab=30)]
    assert all(kv.get_index(key) < 30 for key in keys)


def test_queries_from_many_threads_at_once():
    keys, vectors = random_vectors(n=2000, dim=32, seed=5)
    kv = KeyedVectors(32)
    kv.add_vectors(keys, vectors)
    expected = {key: kv.most_similar(key, topn=5) for key in keys[:40]}
    kv.norms = None  # the threads race to compute the norms
    results, errors = {}, []

    def query(batch):
        try:
            for key in batch:
                results[key] = kv.most_similar(key, topn=5)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=query, args=(keys[i:40:8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results == expected


# ------------------------------------------------------------------ storage and attributes

def test_lookup_surface(kv):
    assert "k1" in kv and "zzz" not in kv and len(kv) == N
    assert kv.has_index_for("k1") and not kv.has_index_for("zzz")
    assert kv.get_index("k7") == 7 and kv.key_to_index["k7"] == 7 and kv.index_to_key[7] == "k7"
    np.testing.assert_array_equal(kv[["k1", "k2"]], kv.vectors[[1, 2]])
    np.testing.assert_allclose(np.linalg.norm(kv.get_vector("k3", norm=True)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(kv.get_normed_vectors(), axis=1), 1.0, rtol=1e-5)
    with pytest.raises(KeyError, match="zzz"):
        kv["zzz"]
    assert kv.get_vecattr("k0", "count") == N


def test_zero_vector_gives_zero_similarity_not_nan():
    kv = KeyedVectors(2)
    kv.add_vectors(["zero", "a", "b"], [[0, 0], [1, 0], [0, 1]])
    scores = dict(kv.most_similar("a"))
    assert scores["zero"] == 0.0 and np.isfinite(list(scores.values())).all()


def test_add_vectors_replace_extras_and_preallocation():
    kv = KeyedVectors(2, count=3)
    assert kv.add_vector("a", [1, 2]) == 0 and kv.add_vector("b", [3, 4]) == 1
    assert kv.vectors.shape == (3, 2) and len(kv) == 2
    assert [key for key, _ in kv.most_similar("a")] == ["b"]  # the spare row is not a key
    kv.add_vectors(["b", "c"], [[9, 9], [5, 6]], extras={"count": [7, 8]})
    np.testing.assert_array_equal(kv["b"], [3, 4])
    assert kv.get_vecattr("c", "count") == 8 and kv.get_vecattr("b", "count") == 0
    kv.add_vectors(["b"], [[9, 9]], extras={"count": [4]}, replace=True)
    np.testing.assert_array_equal(kv["b"], [9, 9])
    assert kv.get_vecattr("b", "count") == 4
    kv["d"] = np.array([1.0, 1.0])
    assert kv.index_to_key == ["a", "b", "c", "d"]
    kv.set_vecattr("d", "weight", 0.5)
    assert kv.get_vecattr("d", "weight") == 0.5 and kv.get_vecattr("a", "weight") == 0.0
    with pytest.raises(ValueError, match="duplicates"):
        kv.add_vectors(["x", "x"], [[1, 1], [2, 2]])
    with pytest.raises(ValueError, match="shape"):
        kv.add_vectors(["y"], [[1, 1, 1]])


def test_norms_follow_changes():
    kv = KeyedVectors(2)
    kv.add_vectors(["a"], [[3, 4]])
    kv.fill_norms()
    kv.add_vector("b", [0, 2])
    np.testing.assert_allclose(kv.get_vector("b", norm=True), [0, 1])
    kv["b"] = [0, 5]
    kv.fill_norms()
    np.testing.assert_allclose(kv.norms, [5, 5])


def test_sort_by_descending_frequency():
    kv = KeyedVectors(1)
    kv.add_vectors(["a", "b", "c", "d"], [[1], [2], [3], [4]], extras={"count": [1, 5, 5, 9]})
    kv.sort_by_descending_frequency()
    assert kv.index_to_key == ["d", "b", "c", "a"]
    assert kv.key_to_index == {"d": 0, "b": 1, "c": 2, "a": 3}
    np.testing.assert_array_equal(kv.vectors.ravel(), [4, 2, 3, 1])
    assert kv.get_vecattr("a", "count") == 1


def test_deepcopy_and_empty_inputs(kv):
    clone = copy.deepcopy(kv)
    assert clone.most_similar("k1") == kv.most_similar("k1")
    with pytest.raises(ValueError, match="no input"):
        kv.most_similar(positive=[])
    with pytest.raises(ZeroDivisionError):
        kv.n_similarity([], ["k1"])
    with pytest.raises(KeyError):
        kv.most_similar("not-a-key")


def test_nan_vectors_rank_last_instead_of_first():
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b", "c", "bad"], [[1, 0], [0.9, 0.1], [0, 1], [np.nan, 0]])
    assert [key for key, _ in kv.most_similar("a", topn=2)] == ["b", "c"]
    assert [key for key, _ in kv.most_similar_batch(["a"], topn=2)[0]] == ["b", "c"]


def test_query_vectors_of_the_wrong_size_are_refused(kv):
    for bad in (np.array([0.3]), np.ones(kv.vector_size + 1), np.ones((2, kv.vector_size))):
        with pytest.raises(ValueError, match=f"shape \\({kv.vector_size},\\)"):
            kv.similar_by_vector(bad)
    with pytest.raises(ValueError, match="shape"):
        kv.distances(np.array([0.3]))
    with pytest.raises(ValueError, match="shape"):
        kv.most_similar_batch([np.array([0.3])])
