"""Approximate neighbours (w2v.index.AnnIndex): answers, files, and refusing damaged or mismatched indexes."""

import json
import sys
import threading

import numpy as np
import pytest

from w2v import KeyedVectors
from w2v.io import FormatError
from w2v.vectors.index import neighbours_from_indexer


def planted_kv(n=3000, dim=24, seed=0, dtype=np.float32):
    """Rows in clusters of about 30, so that each row's nearest neighbours are well defined."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(1, n // 30), dim))
    vectors = centres[rng.integers(len(centres), size=n)] + 0.5 * rng.standard_normal((n, dim))
    kv = KeyedVectors(dim, dtype=dtype)
    kv.add_vectors([f"w{i}" for i in range(n)], vectors)
    return kv


@pytest.fixture(scope="module")
def faiss():
    return pytest.importorskip("faiss")


@pytest.fixture(scope="module")
def kv():
    return planted_kv()


@pytest.fixture(scope="module")
def index(faiss, kv):
    from w2v.index import AnnIndex
    return AnnIndex.build(kv, M=16, ef_search=64)


@pytest.fixture()
def saved(index, tmp_path):
    path = tmp_path / "vectors.ann"
    index.save(path)
    return path


def keys(results):
    return [[key for key, _ in result] for result in results]


def recall(found, truth):
    return np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)])


# ------------------------------------------------------------------ answers


def test_neighbours_agree_with_exact_search_and_leave_the_query_out(kv, index):
    queries = kv.index_to_key[:300]
    exact = keys(kv.most_similar_batch(queries, topn=10))
    approximate = keys(kv.most_similar_batch(queries, topn=10, indexer=index))
    assert recall(approximate, exact) >= 0.95
    assert all(query not in found and len(found) == 10 for query, found in zip(queries, approximate))
    single = kv.most_similar(queries[0], topn=10, indexer=index)
    assert [key for key, _ in single] == approximate[0]
    exact_scores = dict(kv.most_similar(queries[0], topn=len(kv)))
    for key, score in single:  # the similarities are the cosines, not distances or approximations
        assert score == pytest.approx(exact_scores[key], abs=1e-5)


def test_vector_queries_and_weighted_queries_use_the_index(kv, index):
    vector = kv["w5"] + kv["w6"]
    by_vector = kv.similar_by_vector(vector, topn=5, indexer=index)
    assert keys([by_vector]) == keys([kv.similar_by_vector(vector, topn=5)])
    assert len(by_vector) == 5  # no key is left out of a vector query
    combined = kv.most_similar(positive=["w5", "w6"], negative=["w7"], topn=5, indexer=index)
    assert not {"w5", "w6", "w7"} & {key for key, _ in combined}
    assert keys([kv.similar_by_key("w5", topn=3, indexer=index)]) == keys([kv.most_similar("w5", topn=3)])


def test_topn_beyond_the_vocabulary_and_topn_none(index):
    small = planted_kv(n=12, dim=4)
    from w2v.index import AnnIndex
    small_index = AnnIndex.build(small)
    result = small.most_similar("w0", topn=50, indexer=small_index)
    assert len(result) == 11 and "w0" not in keys([result])[0]
    np.testing.assert_allclose(small.most_similar("w0", topn=None, indexer=small_index),
                               small.most_similar("w0", topn=None))


def test_float16_vectors_are_indexed_as_stored(faiss):
    from w2v.index import AnnIndex
    half = planted_kv(n=600, dim=16, dtype=np.float16)
    index = AnnIndex.build(half)
    queries = half.index_to_key[:50]
    assert recall(keys(half.most_similar_batch(queries, indexer=index)), keys(half.most_similar_batch(queries))) > 0.95


def test_concurrent_queries_give_the_sequential_answers(kv, index):
    queries = kv.index_to_key[:200]
    expected = [kv.most_similar(query, topn=10, indexer=index) for query in queries]
    answers = {}

    def client(offset):
        answers[offset] = [kv.most_similar(query, topn=10, indexer=index) for query in queries[offset::4]]
    threads = [threading.Thread(target=client, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for offset in range(4):
        assert answers[offset] == expected[offset::4]


def test_gensim_protocol_indexers_keep_working(kv):
    class ExactIndexer:  # what gensim's AnnoyIndexer offers: most_similar(vector, num_neighbors)
        def __init__(self):
            self.calls = []

        def most_similar(self, vector, num_neighbors):
            self.calls.append(num_neighbors)
            return kv.similar_by_vector(vector, topn=num_neighbors)

    indexer = ExactIndexer()
    assert kv.most_similar("w1", topn=4, indexer=indexer) == kv.most_similar("w1", topn=4)
    assert indexer.calls == [5]  # one more, for the query word, which is left out as without an indexer
    assert keys(kv.most_similar_batch(["w1", "w2"], topn=3, indexer=indexer)) == \
        keys(kv.most_similar_batch(["w1", "w2"], topn=3))
    found = neighbours_from_indexer(kv, indexer, np.atleast_2d(kv.get_vector("w1", norm=True)), 3, [set()])
    assert found[0][0][0] == "w1"


# ------------------------------------------------------------------ refusing misuse


def test_an_index_answers_only_for_its_own_unchanged_vectors(kv, index):
    other = planted_kv(seed=1)
    with pytest.raises(ValueError, match="built for other vectors"):
        other.most_similar("w1", indexer=index)
    from w2v.index import AnnIndex
    growing = planted_kv(n=100, dim=8)
    grown_index = AnnIndex.build(growing)
    growing.add_vector("new", np.ones(8))
    with pytest.raises(ValueError, match="changed since"):
        growing.most_similar_batch(["w1"], indexer=grown_index)


def test_restrict_vocab_and_an_indexer_do_not_combine(kv, index):
    with pytest.raises(ValueError, match="restrict_vocab"):
        kv.most_similar("w1", restrict_vocab=100, indexer=index)


@pytest.mark.parametrize("params,error,message", [
    ({"backend": "annoy"}, ValueError, "unknown backend"),
    ({"M": 0}, ValueError, "M must be an integer >= 1"),
    ({"ef_search": 2.5}, ValueError, "ef_search"),
    ({"nlist": 4}, TypeError, "unknown parameter"),
])
def test_bad_build_parameters(faiss, kv, params, error, message):
    from w2v.index import AnnIndex
    with pytest.raises(error, match=message):
        AnnIndex.build(kv, **params)


def test_vectors_that_cannot_be_ranked_are_refused(faiss):
    from w2v.index import AnnIndex
    with pytest.raises(ValueError, match="no vectors"):
        AnnIndex.build(KeyedVectors(3))
    bad = planted_kv(n=40, dim=4)
    bad["w17"] = [np.nan, 0, 0, 1]
    with pytest.raises(ValueError, match="'w17' holds NaN"):
        AnnIndex.build(bad)


def test_without_faiss_the_error_names_the_extra(kv, monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # import faiss now raises ImportError
    from w2v.index import AnnIndex
    with pytest.raises(ImportError, match=r'pip install "w2v\[ann\]"'):
        AnnIndex.build(kv)


# ------------------------------------------------------------------ files


def test_save_load_round_trip_answers_the_same(kv, index, saved):
    from w2v.index import AnnIndex
    loaded = AnnIndex.load(saved, kv)
    queries = kv.index_to_key[:100]
    assert kv.most_similar_batch(queries, indexer=loaded) == kv.most_similar_batch(queries, indexer=index)
    assert loaded.params == index.params and loaded.fingerprint == index.fingerprint
    metadata = json.loads(saved.with_name("vectors.ann.json").read_text())
    assert metadata["vectors"]["count"] == len(kv) and metadata["index_file"]["size"] == saved.stat().st_size
    faiss = pytest.importorskip("faiss")
    assert faiss.read_index(str(saved)).ntotal == len(kv)  # faiss's own file, readable by faiss alone


def flip_byte(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage,message", [
    (lambda path: flip_byte(path, path.stat().st_size // 2), "is damaged: its SHA-256"),
    (lambda path: flip_byte(path, 3), "is damaged: its SHA-256"),
    (lambda path: path.write_bytes(path.read_bytes()[:1000]), "is 1000 bytes, its metadata says"),
    (lambda path: path.unlink(), "vectors.ann is missing"),
    (lambda path: path.with_name("vectors.ann.json").unlink(), "vectors.ann.json is missing"),
    (lambda path: path.with_name("vectors.ann.json").write_text("{not json"), "damaged metadata"),
    (lambda path: path.with_name("vectors.ann.json").write_text('{"format": "w2v"}'), "not the metadata"),
    (lambda path: path.with_name("vectors.ann.json").write_text(
        '{"format": "w2v-ann-index", "format_version": 1}'), "damaged metadata"),
    (lambda path: path.with_name("vectors.ann.json").write_text(
        '{"format": "w2v-ann-index", "format_version": 9, "w2v_version": "9.0"}'), "newer w2v"),
])
def test_damaged_index_files_are_errors_naming_the_file(kv, saved, damage, message):
    from w2v.index import AnnIndex
    damage(saved)
    with pytest.raises(FormatError, match=message) as error:
        AnnIndex.load(saved, kv)
    assert "vectors.ann" in str(error.value)


def test_a_tampered_size_and_checksum_are_caught_by_faiss_or_the_shape_check(kv, saved):
    """Metadata rewritten to match a damaged file: the file still cannot load as the wrong index."""
    from w2v.index import AnnIndex
    from w2v.vectors.index import _file_digest
    saved.write_bytes(saved.read_bytes()[:5000])
    meta = saved.with_name("vectors.ann.json")
    metadata = json.loads(meta.read_text())
    metadata["index_file"]["size"], metadata["index_file"]["sha256"] = _file_digest(str(saved))
    meta.write_text(json.dumps(metadata))
    with pytest.raises(FormatError, match="vectors.ann"):
        AnnIndex.load(saved, kv)


@pytest.mark.parametrize("other", [
    lambda kv: planted_kv(n=len(kv) - 1),                                  # another count
    lambda kv: planted_kv(seed=7),                                         # same shape, other values
    lambda kv: planted_kv(dtype=np.float16),                               # the same, stored as float16
])
def test_an_index_of_other_vectors_is_refused_at_load(kv, saved, other):
    from w2v.index import AnnIndex
    with pytest.raises(FormatError, match="built for other vectors") as error:
        AnnIndex.load(saved, other(kv))
    assert str(saved) in str(error.value)


def test_renamed_keys_are_other_vectors(kv, saved):
    from w2v.index import AnnIndex
    renamed = KeyedVectors(kv.vector_size)
    renamed.add_vectors([f"x{i}" for i in range(len(kv))], kv.vectors)
    with pytest.raises(FormatError, match="built for other vectors"):
        AnnIndex.load(saved, renamed)
