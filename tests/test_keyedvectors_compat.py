"""gensim's KeyedVectors methods on w2v, compared with gensim's on the same vectors where it is installed."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

from w2v import KeyedVectors


def _vectors(n: int = 40, size: int = 6, seed: int = 1) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    kv = KeyedVectors(size)
    kv.add_vectors([f"w{i}" for i in range(n)], rng.standard_normal((n, size)),
                   extras={"count": np.arange(n, 0, -1)})
    return kv


def _gensim_copy(kv: KeyedVectors):
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(kv.vector_size)
    theirs.add_vectors(list(kv.index_to_key), kv.vectors.copy())
    for key, count in zip(kv.index_to_key, kv.expandos["count"]):
        theirs.set_vecattr(key, "count", int(count))
    return theirs


def test_add_vectors_takes_one_key_and_one_vector():
    kv = _vectors(3)
    kv.add_vectors("new", np.arange(6.0))
    kv.add_vectors("other", list(range(6)), extras={"count": 5})
    assert np.array_equal(kv["new"], np.arange(6.0, dtype=np.float32))
    assert kv.get_vecattr("other", "count") == 5 and len(kv) == 5
    empty = KeyedVectors(2)
    empty.add_vectors("a", [1.0, 2.0])
    assert empty.index_to_key == ["a"]
    with pytest.raises(ValueError, match="shape"):
        empty.add_vectors("b", [1.0, 2.0, 3.0])


def test_a_key_is_exactly_as_similar_as_can_be_to_itself():
    kv = _vectors()
    for key in kv.index_to_key:
        assert kv.similarity(key, key) == 1.0 and kv.distance(key, key) == 0.0
    kv.add_vector("zero", np.zeros(6))
    assert kv.similarity("zero", "zero") == 0.0  # no direction, as gensim


def test_clip_start_and_clip_end_agree_with_gensim():
    kv = _vectors()
    theirs = _gensim_copy(kv)
    for clip in ((0, None), (5, 20), (10, None), (0, 15)):
        expected = theirs.most_similar("w3", topn=5, clip_start=clip[0], clip_end=clip[1])
        got = kv.most_similar("w3", topn=5, clip_start=clip[0], clip_end=clip[1])
        assert [key for key, _ in got] == [key for key, _ in expected]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], rtol=1e-5)
    scores = kv.most_similar("w3", topn=None, clip_start=5, clip_end=20)
    assert scores.shape == (15,)
    # restrict_vocab overrides the clip range, as in gensim.
    assert kv.most_similar("w3", topn=3, restrict_vocab=10, clip_start=30) == kv.most_similar("w3", topn=3,
                                                                                          restrict_vocab=10)


def test_relative_cosine_similarity_agrees_with_gensim():
    kv = _vectors()
    theirs = _gensim_copy(kv)
    for a, b in (("w1", "w2"), ("w5", "w30"), ("w7", "w7")):
        assert kv.relative_cosine_similarity(a, b, topn=7) == pytest.approx(
            theirs.relative_cosine_similarity(a, b, topn=7), rel=1e-5)
    with pytest.raises(ValueError, match="topn"):
        kv.relative_cosine_similarity("w1", "w2", topn=0)


def test_vectors_for_all_agrees_with_gensim():
    kv = _vectors()
    theirs = _gensim_copy(kv)
    keys = ["w5", "missing", "w1", "w5", "w9"]
    for copy_vecattrs in (False, True):
        got = kv.vectors_for_all(keys, copy_vecattrs=copy_vecattrs)
        expected = theirs.vectors_for_all(keys, copy_vecattrs=copy_vecattrs)
        assert got.index_to_key == expected.index_to_key == ["w5", "w1", "w9"]
        assert np.array_equal(got.vectors, expected.vectors)
        assert [got.get_vecattr(key, "count") for key in got.index_to_key] == \
            [expected.get_vecattr(key, "count") for key in expected.index_to_key]


def test_resize_vectors_gives_every_key_a_row():
    kv = _vectors(3)
    kv.vectors_lockf = np.array([0.0, 0.5, 1.0], dtype=np.float32)
    before = kv.vectors.copy()
    kv.index_to_key.append("added")
    kv.key_to_index["added"] = 3
    kv.resize_vectors(seed=4)
    assert kv.vectors.shape == (4, 6) and np.array_equal(kv.vectors[:3], before)
    assert 0 < np.abs(kv["added"]).max() <= 1 / 6
    assert kv.get_vecattr("added", "count") == 0 and kv.vectors_lockf.tolist() == [0.0, 0.5, 1.0, 1.0]
    assert kv.most_similar("added", topn=1)  # norms follow


def test_init_sims_is_deprecated_and_replace_normalises():
    kv = _vectors()
    with pytest.warns(DeprecationWarning, match="fill_norms"):
        kv.init_sims()
    assert kv.norms is not None and not np.allclose(np.linalg.norm(kv.vectors, axis=1), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        kv.init_sims(replace=True)
    np.testing.assert_allclose(np.linalg.norm(kv.vectors, axis=1), 1.0, rtol=1e-6)


def test_wmdistance_agrees_with_gensim():
    pytest.importorskip("ot")
    kv = _vectors(12, size=5)
    theirs = _gensim_copy(kv)
    documents = (["w1", "w2", "w3"], ["w2", "w4", "w4", "w9"], ["w1"], ["w1", "unknown"], ["w5", "w6"])
    for first in documents:
        for second in documents:
            expected = theirs.wmdistance(first, second)
            assert kv.wmdistance(first, second) == pytest.approx(expected, rel=1e-6, abs=1e-9)
            assert kv.wmdistance(first, second, norm=False) == pytest.approx(
                theirs.wmdistance(first, second, norm=False), rel=1e-6, abs=1e-9)


def test_wmdistance_edge_cases_and_missing_pot(monkeypatch, caplog):
    kv = _vectors(5)
    try:
        import ot  # noqa: F401
        with caplog.at_level(logging.WARNING):
            assert kv.wmdistance(["w1"], ["nothing"]) == float("inf")
        assert "no words that were in the vocabulary" in caplog.text
        assert kv.wmdistance(["w1", "w1"], ["w1"]) == 0.0
    except ImportError:
        pass
    import sys
    monkeypatch.setitem(sys.modules, "ot", None)  # as if POT were not installed
    with pytest.raises(ImportError, match=r"w2v\[wmd\]"):
        kv.wmdistance(["w1"], ["w2"])


def test_intersect_word2vec_format_takes_and_locks_known_vectors(tmp_path):
    pretrained = _vectors(10, seed=5)
    path = tmp_path / "pretrained.bin"
    pretrained.save_word2vec_format(path, binary=True)
    kv = _vectors(6, seed=6)
    kv.add_vector("only-here", np.ones(6))
    before = kv.vectors.copy()
    assert kv.intersect_word2vec_format(path, binary=True, lockf=0.25) == 6
    for key in [f"w{i}" for i in range(6)]:
        assert np.array_equal(kv[key], pretrained[key])
    assert np.array_equal(kv["only-here"], before[-1]) and len(kv) == 7
    assert kv.vectors_lockf.tolist() == [0.25] * 6 + [1.0]
    with pytest.raises(ValueError, match="dimension"):
        KeyedVectors(3).intersect_word2vec_format(path, binary=True)


def test_intersect_agrees_with_gensim_and_freezes_during_training(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    from w2v import Word2Vec
    sentences = [["a", "b", "c", "d"], ["b", "c", "e"]] * 30
    pretrained = KeyedVectors(4)
    pretrained.add_vectors(["b", "e", "zzz"], np.arange(12.0).reshape(3, 4) / 10)
    path = tmp_path / "pretrained.txt"
    pretrained.save_word2vec_format(path)
    ours = Word2Vec(vector_size=4, min_count=1, workers=1)
    ours.build_vocab(sentences)
    theirs = gensim_models.Word2Vec(vector_size=4, min_count=1, workers=1)
    theirs.build_vocab(sentences)
    theirs.wv.vectors_lockf = np.ones(len(theirs.wv), dtype=np.float32)  # gensim needs this by hand
    ours.wv.intersect_word2vec_format(path, lockf=0.0)
    theirs.wv.intersect_word2vec_format(str(path), lockf=0.0)
    for key in ("b", "e"):
        assert np.array_equal(ours.wv[key], theirs.wv[key])
    ours.train(sentences, total_examples=len(sentences), epochs=2)
    assert np.array_equal(ours.wv["b"], pretrained["b"]) and np.array_equal(ours.wv["e"], pretrained["e"])
