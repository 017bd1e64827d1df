"""``wv.vectors_lockf``: per-word learning-rate factors of the input vectors (gensim 4's locks).

A factor of 0.0 freezes a word: its input vector must come out of training bitwise
unchanged, in every training mode and on both corpus paths, while the other words (and the
output layers) still learn. The default, one factor of 1.0 for all words, changes no bit
(``test_golden.py`` pins that).
"""

from __future__ import annotations

import numpy as np
import pytest

from w2v import Word2Vec

# Every kernel mode, as the golden-weight test names them.
from test_golden import MODES  # noqa: E402

SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "ate", "the", "bone"],
             ["a", "cat", "and", "a", "dog", "met", "on", "the", "mat"]] * 30


def _model(mode: str, **extra) -> Word2Vec:
    model = Word2Vec(vector_size=12, window=3, min_count=1, sample=0, epochs=3, workers=2, seed=5,
                     **MODES[mode], **extra)
    model.build_vocab(SENTENCES)
    return model


def _train(model: Word2Vec, path: str, tmp_path) -> None:
    if path == "iterable":
        model.train(SENTENCES, total_examples=model.corpus_count, epochs=model.epochs)
    else:
        corpus = tmp_path / "corpus.txt"
        corpus.write_text("\n".join(" ".join(sentence) for sentence in SENTENCES) + "\n")
        model.train(corpus_file=str(corpus), total_words=model.corpus_total_words, epochs=model.epochs)


@pytest.mark.parametrize("path", ["iterable", "corpus_file"])
@pytest.mark.parametrize("mode", list(MODES))
def test_a_frozen_word_keeps_its_vector_bitwise(mode, path, tmp_path):
    model = _model(mode)
    frozen, free = model.wv.key_to_index["cat"], model.wv.key_to_index["dog"]
    model.wv.vectors_lockf = np.ones(len(model.wv), dtype=np.float32)
    model.wv.vectors_lockf[frozen] = 0.0
    before = model.wv.vectors.copy()
    outputs_before = {name: matrix.copy() for name, matrix in model.output_matrices().items()}
    _train(model, path, tmp_path)
    assert model.wv.vectors[frozen].tobytes() == before[frozen].tobytes()
    assert not np.array_equal(model.wv.vectors[free], before[free])
    # Only the input vectors are locked: the output layers still learn from the frozen word.
    for name, matrix in model.output_matrices().items():
        assert not np.array_equal(matrix, outputs_before[name]), name


@pytest.mark.parametrize("path", ["iterable", "corpus_file"])
def test_one_factor_of_zero_freezes_every_input_vector(path, tmp_path):
    model = _model("sg-negative")
    model.wv.vectors_lockf = np.zeros(1, dtype=np.float32)
    before = model.wv.vectors.copy()
    _train(model, path, tmp_path)
    assert model.wv.vectors.tobytes() == before.tobytes()
    assert model.syn1neg.any()


def test_a_factor_scales_the_update():
    """Half the factor, half the step: one update of one pair, compared in exact arithmetic."""
    steps = {}
    for factor in (1.0, 0.5):
        model = Word2Vec(vector_size=4, window=1, min_count=1, sample=0, epochs=1, workers=1, seed=3,
                         sg=1, hs=1, negative=0, shrink_windows=False)
        model.build_vocab([["a", "b"]])
        model.syn1[:] = 0.25  # a non-zero output layer, so the first update moves the inputs
        model.wv.vectors_lockf = np.array([factor], dtype=np.float32)
        before = model.wv.vectors.copy()
        model.train([["a", "b"]], total_examples=1, epochs=1, start_alpha=0.5, end_alpha=0.5)
        steps[factor] = model.wv.vectors.astype(np.float64) - before
    np.testing.assert_allclose(steps[0.5], steps[1.0] / 2, rtol=1e-5, atol=1e-9)


def test_lock_factors_follow_the_vocabulary():
    model = _model("cbow-negative")
    model.wv.vectors_lockf = np.arange(len(model.wv), dtype=np.float32)
    by_word = dict(zip(model.wv.index_to_key, model.wv.vectors_lockf.tolist()))
    model.build_vocab([["zebra", "zebra", "cat"]], update=True)
    assert len(model.wv.vectors_lockf) == len(model.wv)
    assert model.wv.vectors_lockf[model.wv.key_to_index["zebra"]] == 1.0  # new words learn
    model.wv.expandos["count"][:] = np.arange(len(model.wv))  # reverse the order
    model.wv.sort_by_descending_frequency()
    assert {word: model.wv.vectors_lockf[model.wv.key_to_index[word]] for word in by_word} == by_word


@pytest.mark.parametrize("lockf, message", [
    (np.ones(3, dtype=np.float32), "one factor for every word"),
    (np.ones((1, 1), dtype=np.float32), "one factor for every word"),
    (np.array([np.nan], dtype=np.float32), "NaN"),
])
def test_bad_lock_factors_are_refused_before_training(lockf, message):
    model = _model("sg-negative")
    model.wv.vectors_lockf = lockf
    before = model.wv.vectors.copy()
    with pytest.raises(ValueError, match=message):
        model.train(SENTENCES, total_examples=model.corpus_count, epochs=1)
    assert np.array_equal(model.wv.vectors, before)


def test_locking_agrees_with_gensim():
    """gensim's own locking test, run on w2v: the same frozen word stays bitwise the same."""
    gensim = pytest.importorskip("gensim.models")
    for library in (gensim.Word2Vec, Word2Vec):
        model = library(vector_size=8, min_count=1, hs=1, negative=5, sg=1, workers=1, seed=2)
        model.build_vocab(SENTENCES)
        model.wv.vectors_lockf = np.ones(len(model.wv), dtype=np.float32)
        model.wv.vectors_lockf[0] = 0.0
        before = model.wv.vectors.copy()
        model.train(SENTENCES, total_examples=model.corpus_count, epochs=2)
        assert np.array_equal(model.wv.vectors[0], before[0]), library
        assert not np.array_equal(model.wv.vectors[1:], before[1:]), library


def test_lock_factors_are_saved_with_the_model(tmp_path):
    model = _model("sg-negative")
    model.wv.vectors_lockf = np.linspace(0, 1, len(model.wv)).astype(np.float32)
    model.save(tmp_path / "model.w2v")
    loaded = Word2Vec.load(tmp_path / "model.w2v")
    assert np.array_equal(loaded.wv.vectors_lockf, model.wv.vectors_lockf)
    plain = _model("sg-negative")
    plain.save(tmp_path / "plain.w2v")
    assert Word2Vec.load(tmp_path / "plain.w2v").wv.vectors_lockf.tolist() == [1.0]
