"""The exact (full) softmax output layer and the context vectors of the output layers."""

import warnings

import numpy as np
import pytest

from planted import grouped_corpus
from reference import corpus_nll, examples
from test_kernels import SIZE, kernel_model, make_weights, run_both
from w2v import Word2Vec, _core
from w2v.train import driver

SOFTMAX = dict(hs=0, negative=0, softmax=True)


def softmax_model(syn0, syn1softmax, sg, window, cbow_mean=1):
    model = kernel_model(syn0, {"syn1softmax": syn1softmax}, sg=sg, cbow_mean=cbow_mean, window=window,
                         shrink_windows=False, **SOFTMAX)
    return _core.Worker(model, 1)


# ------------------------------------------------------------------ the kernel


@pytest.mark.parametrize("sg,cbow_mean", [(1, 1), (0, 1), (0, 0)], ids=["sg", "cbow-mean", "cbow-sum"])
def test_softmax_kernel_matches_reference(sg, cbow_mean):
    (weights, effective, loss, rng_state), (ref_weights, ref_effective, ref_loss, ref_rng) = run_both(
        sg, 0, 0, cbow_mean=cbow_mean, softmax=1)
    assert rng_state == ref_rng and effective == ref_effective
    for name, got, expected in zip(("syn0", "syn1", "syn1softmax"), weights, ref_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=2e-6, err_msg=name)
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    assert not np.allclose(weights[2], make_weights(0)[2]), "the output layer did not move"


def numerical_gradient(function, weights, eps=1e-6):
    """Central differences of function() with respect to every entry of weights (float64)."""
    gradient = np.zeros_like(weights)
    for index in np.ndindex(weights.shape):
        saved = weights[index]
        weights[index] = saved + eps
        upper = function()
        weights[index] = saved - eps
        lower = function()
        weights[index] = saved
        gradient[index] = (upper - lower) / (2 * eps)
    return gradient


@pytest.mark.parametrize("sg", [1, 0], ids=["sg", "cbow"])
def test_softmax_update_is_the_nll_gradient(sg):
    """With a small learning rate, one pass moves every weight by -alpha * dNLL/dweight, where
    the NLL's gradient is taken by finite differences at the starting weights."""
    sentence = np.array([3, 0, 7], dtype=np.int32)
    window, alpha = 2, 1e-3
    syn0, _, output = make_weights(1)
    start_syn0, start_output = syn0.astype(np.float64), output.astype(np.float64)
    worker = softmax_model(syn0, output, sg, window)
    _, loss = worker.train_batch(sentence, np.array([len(sentence)], dtype=np.int64), alpha, alpha)

    def nll():
        return corpus_nll(start_syn0, start_output, [sentence], window, sg)
    assert loss == pytest.approx(nll(), rel=1e-3)  # each example sees the previous ones' updates
    # CBOW (mean) adds the gradient of the mean undivided to each context vector, as the C tool
    # and gensim do: here every example has two context words, so twice the true gradient.
    input_scale = 1 if sg else 2
    for name, moved, start, scale in (("syn1softmax", output, start_output, 1),
                                      ("syn0", syn0, start_syn0, input_scale)):
        expected = -alpha * scale * numerical_gradient(nll, start)
        # The examples run one after another, so the step differs from the gradient at the
        # starting point by O(alpha^2).
        np.testing.assert_allclose(moved - start, expected, atol=3e-3 * np.abs(expected).max(), err_msg=name)
    assert np.abs(output - start_output).max() > 1e-5


def test_softmax_is_stable_for_large_scores():
    """Scores far beyond exp's float32 range: no overflow, no NaN, the loss stays exact."""
    syn0, _, output = make_weights(2, scale=30.0)
    reference_loss = corpus_nll(syn0, output, [[1, 2]], 1, 1)
    worker = softmax_model(syn0, output, 1, 1)
    _, loss = worker.train_batch(np.array([1, 2], dtype=np.int32), np.array([2], dtype=np.int64), 1e-6, 1e-6)
    assert np.isfinite(syn0).all() and np.isfinite(output).all()
    assert reference_loss > 100, "the test did not reach large scores"
    assert loss == pytest.approx(reference_loss, rel=1e-4)


def test_softmax_kernel_rejects_bad_models():
    syn0, syn1, output = make_weights(0)
    with pytest.raises(ValueError, match="cannot be combined"):
        kernel_model(syn0, {"syn1": syn1, "syn1softmax": output}, hs=1, negative=0, softmax=True)
    with pytest.raises(ValueError, match="cannot be combined"):
        kernel_model(syn0, {"syn1neg": output, "syn1softmax": output}, hs=0, negative=3, softmax=True)
    with pytest.raises(ValueError, match="syn1softmax"):
        kernel_model(syn0, {"syn1neg": output}, **SOFTMAX)
    with pytest.raises(ValueError, match="shape"):
        kernel_model(syn0, {"syn1softmax": output[:, :SIZE - 1].copy()}, **SOFTMAX)


# ------------------------------------------------------------------ Word2Vec


@pytest.fixture(scope="module")
def corpus():
    return grouped_corpus()


@pytest.mark.parametrize("sg", [1, 0], ids=["sg", "cbow"])
def test_exact_loss_decreases_and_matches_the_nll(corpus, sg):
    sentences = corpus[0][:300]
    # A zero output layer and small input vectors start near a saddle (both gradients are
    # products of the two), so this small corpus needs a larger learning rate to leave it.
    model = Word2Vec(sentences, vector_size=16, window=2, min_count=1, sample=0, shrink_windows=False,
                     alpha=0.05, epochs=5, workers=2, seed=3, sg=sg, compute_loss=True, **SOFTMAX)
    losses = [stats.loss for stats in model.epoch_stats]
    # Near the end the loss flattens, and an epoch measured while training may tick up slightly.
    assert all(later < 1.005 * earlier for earlier, later in zip(losses, losses[1:])), losses
    indexed = [[model.wv.key_to_index[word] for word in sentence] for sentence in sentences]
    n_examples = sum(1 for sentence in indexed for _ in examples(sentence, 2, sg))
    assert losses[-1] < 0.85 * n_examples * np.log(len(model.wv)), "no better than uniform"
    # An epoch with alpha = 0 changes nothing and reports the NLL of the final weights.
    model.train(sentences, total_examples=len(sentences), epochs=1, start_alpha=0.0, end_alpha=0.0,
                compute_loss=True)
    expected = corpus_nll(model.wv.vectors, model.syn1softmax, indexed, 2, sg)
    assert model.get_latest_training_loss() == pytest.approx(expected, rel=1e-5)


def test_untrained_softmax_loss_is_log_vocabulary(corpus):
    """syn1softmax starts at zero, so every word has p = 1 / V before training."""
    sentences = corpus[0][:50]
    model = Word2Vec(vector_size=8, window=2, min_count=1, sample=0, shrink_windows=False, sg=1, **SOFTMAX)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=1, start_alpha=0.0, end_alpha=0.0,
                compute_loss=True)
    n_pairs = sum(1 for sentence in sentences for _ in examples(sentence, 2, 1))
    assert model.get_latest_training_loss() == pytest.approx(n_pairs * np.log(len(model.wv)), rel=1e-6)


@pytest.mark.parametrize("sg", [1, 0], ids=["sg", "cbow"])
def test_softmax_context_vectors_learn_the_planted_groups(corpus, sg):
    """(The word vectors' test is in test_learning.py.) The output layer learns too: the words
    a group word predicts with the highest probability are from its own group."""
    sentences, groups = corpus
    model = Word2Vec(sentences, vector_size=24, window=3, min_count=1, epochs=8, workers=2, seed=5,
                     sg=sg, **SOFTMAX)
    contexts = model.context_vectors
    group_of = {word: g for g, words in enumerate(groups) for word in words}
    group_rows = [model.wv.key_to_index[word] for word in group_of]
    hits = 0
    for word, g in group_of.items():
        scores = contexts.vectors[group_rows] @ model.wv[word]
        top = np.argsort(-scores)[:5]
        hits += sum(group_of[model.wv.index_to_key[group_rows[t]]] == g for t in top)
    assert hits / (5 * len(group_of)) > 0.9


def test_corpus_file_trains_softmax(corpus, tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(sentence) for sentence in corpus[0][:200]) + "\n")
    model = Word2Vec(corpus_file=path, vector_size=8, min_count=1, epochs=2, workers=2,
                     compute_loss=True, **SOFTMAX)
    assert np.abs(model.syn1softmax).max() > 0
    assert 0 < model.get_latest_training_loss() < np.inf


def test_build_vocab_update_grows_the_softmax_layer():
    model = Word2Vec([["a", "b", "a", "c"]] * 20, vector_size=8, min_count=1, sample=0, workers=1, epochs=1,
                     **SOFTMAX)
    trained = model.syn1softmax.copy()
    model.build_vocab([["a", "d", "e", "d"]] * 20, update=True)
    assert model.syn1softmax.shape == (5, 8)
    np.testing.assert_array_equal(model.syn1softmax[:3], trained)
    np.testing.assert_array_equal(model.syn1softmax[3:], 0)
    model.train([["a", "d", "e", "d"]] * 20, total_examples=20, epochs=1)
    assert np.abs(model.syn1softmax[3:]).max() > 0


@pytest.mark.parametrize("params,match", [
    (dict(softmax=True), "negative=5"),  # the default negative=5 must be turned off explicitly
    (dict(softmax=True, negative=0, hs=1), "hs=1"),
    (dict(softmax=True, hs=0, negative=3), "cannot be combined"),
    (dict(softmax=True, hs=0, negative=0, sg=1, shared_negatives=True), "shared_negatives"),
    (dict(hs=0, negative=0), "softmax=True"),
])
def test_bad_parameter_combinations(params, match):
    with pytest.raises(ValueError, match=match):
        Word2Vec(**params)


def test_large_vocabulary_warns(monkeypatch):
    sentences = [["a", "b", "c", "d", "e", "f"]] * 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Word2Vec(sentences, vector_size=4, min_count=1, workers=1, epochs=1, **SOFTMAX)
    monkeypatch.setattr(driver, "SOFTMAX_SLOW_VOCABULARY", 5)
    with pytest.warns(RuntimeWarning, match=r"6 words.*slower"):
        Word2Vec(sentences, vector_size=4, min_count=1, workers=1, epochs=1, **SOFTMAX)


# ------------------------------------------------------------------ context vectors


@pytest.mark.parametrize("params,matrix", [
    (dict(hs=0, negative=3), "syn1neg"),
    (dict(hs=1, negative=3), "syn1neg"),
    (SOFTMAX, "syn1softmax"),
])
def test_context_vectors_are_the_output_layer(params, matrix):
    sentences = [["cat", "say", "meow"], ["dog", "say", "woof"]] * 30
    model = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, epochs=2, **params)
    contexts = model.context_vectors
    assert contexts.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(contexts.vectors, getattr(model, matrix))
    assert contexts.get_vecattr("say", "count") == 60
    summed = model.word_context_vectors()
    np.testing.assert_allclose(summed.vectors, model.wv.vectors + getattr(model, matrix))
    assert summed.index_to_key == model.wv.index_to_key


def test_hierarchical_softmax_has_no_context_vectors():
    model = Word2Vec([["a", "b", "c"]] * 10, vector_size=8, min_count=1, workers=1, epochs=1, hs=1, negative=0)
    with pytest.raises(ValueError, match="Huffman tree"):
        model.context_vectors
    with pytest.raises(ValueError, match="Huffman tree"):
        model.word_context_vectors()


def test_context_vectors_need_a_vocabulary():
    with pytest.raises(RuntimeError, match="build_vocab"):
        Word2Vec(vector_size=8).context_vectors


@pytest.mark.parametrize("params", [dict(softmax=True, negative=0), dict(negative=5)])
def test_context_vectors_round_trip_through_save_and_load(params, tmp_path):
    sentences = [["cat", "say", "meow"], ["dog", "say", "woof"]] * 30
    model = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, epochs=2, **params)
    model.save(tmp_path / "model.w2v")
    loaded = Word2Vec.load(tmp_path / "model.w2v")
    assert loaded.softmax == model.softmax
    np.testing.assert_array_equal(loaded.context_vectors.vectors, model.context_vectors.vectors)
    assert loaded.context_vectors.index_to_key == model.context_vectors.index_to_key
    loaded.train(sentences, total_examples=len(sentences), epochs=1)  # and training goes on
