"""The compiled kernels against the NumPy reference of the same update (tests/reference.py)."""

import numpy as np
import pytest

import dataclasses

from w2v import _core, vocab
from w2v.config import TrainingConfig
from w2v.vocab.tables import training_tables
from w2v.weights import output_matrix
from reference import LCG, ReferenceModel

COUNTS = np.array([40, 25, 18, 12, 9, 7, 5, 4, 3, 2, 2, 1], dtype=np.int64)
SIZE = 8


def kernel_model(syn0, outputs, sample=0.0, compute_loss=True, tables=None, **params):
    """The kernels' binding of a model over COUNTS with these Word2Vec parameters."""
    config = TrainingConfig(vector_size=syn0.shape[1], sample=sample, **params)
    tables = training_tables(COUNTS, config) if tables is None else tables
    return _core.TrainingModel(config, syn0, outputs, tables, compute_loss=compute_loss)


def make_weights(seed, scale=0.5):
    rng = np.random.default_rng(seed)
    vocab_size = len(COUNTS)
    syn0 = rng.uniform(-scale, scale, (vocab_size, SIZE)).astype(np.float32)
    syn1 = rng.uniform(-scale, scale, (vocab_size - 1, SIZE)).astype(np.float32)
    syn1neg = rng.uniform(-scale, scale, (vocab_size, SIZE)).astype(np.float32)
    return syn0, syn1, syn1neg


def run_both(sg, hs, negative, cbow_mean=1, sample=0.05, shrink_windows=1, sentences=None,
             alpha=(0.5, 0.1), seed=12345, scale=0.5, shared_negatives=0, softmax=0, weights=None,
             sigmoid_table=None):
    """Train the same batch with the kernel and with the reference; return both results.

    With ``softmax`` the third weight matrix is the full softmax's output layer (syn1softmax)."""
    if sentences is None:
        rng = np.random.default_rng(7)
        sentences = [rng.integers(0, len(COUNTS), size=n).astype(np.int32) for n in (30, 1, 17)]
    keep = vocab.keep_thresholds(COUNTS, sample)
    alias = vocab.noise_alias_table(COUNTS, 0.75)
    huffman = vocab.huffman_tree(COUNTS)
    settings = dict(sg=sg, hs=hs, negative=negative, cbow_mean=cbow_mean, window=3,
                    shrink_windows=shrink_windows)

    # The kernel trains output matrices laid out as Word2Vec makes them (rows padded to whole
    # cache lines, so SIZE=8 rows are 16 floats apart); the reference trains plain arrays.
    syn0, syn1, syn1neg = make_weights(0, scale) if weights is None else (w.copy() for w in weights)
    kernel_weights = (syn0, output_matrix(*syn1.shape, values=syn1), output_matrix(*syn1neg.shape, values=syn1neg))
    assert kernel_weights[2].strides[0] == 16 * 4
    outputs = {"syn1softmax": kernel_weights[2]} if softmax else {"syn1": kernel_weights[1], "syn1neg": kernel_weights[2]}
    model = kernel_model(kernel_weights[0], outputs, sample, shared_negatives=bool(shared_negatives),
                         softmax=bool(softmax), **settings)
    worker = _core.Worker(model, seed)
    tokens = np.concatenate(sentences).astype(np.int32)
    ends = np.cumsum([len(s) for s in sentences]).astype(np.int64)
    effective, loss = worker.train_batch(tokens, ends, alpha[0], alpha[1])

    ref_weights = make_weights(0, scale) if weights is None else tuple(w.copy() for w in weights)
    ref_syn1neg = None if softmax else ref_weights[2]
    reference = ReferenceModel(ref_weights[0], ref_weights[1], ref_syn1neg,
                               syn1softmax=ref_weights[2] if softmax else None,
                               keep_threshold=keep, alias=alias, huffman=huffman,
                               sigmoid_table=_core.sigmoid_table() if sigmoid_table is None else sigmoid_table,
                               noise_rng=LCG(_core.noise_seed(seed)),
                               shared_negatives=bool(shared_negatives), **settings)
    rng = LCG(seed)
    ref_effective, start = 0, 0
    total = int(ends[-1])
    span = np.float32(alpha[1]) - np.float32(alpha[0])
    for sentence, end in zip(sentences, ends):
        a0 = np.float32(alpha[0]) + span * np.float32(start) / np.float32(total)
        a1 = np.float32(alpha[0]) + span * np.float32(end) / np.float32(total)
        ref_effective += reference.train_sentence(sentence, a0, a1, rng)
        start = int(end)
    run_both.out_of_range = reference.out_of_range
    return (kernel_weights, effective, loss, worker.rng_state), (ref_weights, ref_effective, reference.loss, rng.state)


MODES = [
    pytest.param(1, 0, 4, id="sg-neg"),
    pytest.param(1, 1, 0, id="sg-hs"),
    pytest.param(1, 1, 3, id="sg-hs+neg"),
    pytest.param(0, 0, 4, id="cbow-neg"),
    pytest.param(0, 1, 0, id="cbow-hs"),
    pytest.param(0, 1, 3, id="cbow-hs+neg"),
]


@pytest.mark.parametrize("sg,hs,negative", MODES)
def test_kernel_matches_reference(sg, hs, negative):
    (weights, effective, loss, rng_state), (ref_weights, ref_effective, ref_loss, ref_rng) = run_both(sg, hs, negative)
    assert rng_state == ref_rng, "the kernel drew a different number of random numbers"
    assert effective == ref_effective
    for name, got, expected in zip(("syn0", "syn1", "syn1neg"), weights, ref_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=2e-6, err_msg=name)
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    # The update really moved the weights (so the comparison is not trivially true).
    assert not np.allclose(weights[0], make_weights(0)[0])


def test_matrices_with_other_layouts_are_rejected():
    syn0, syn1, syn1neg = make_weights(0)
    settings = dict(sg=1, hs=1, negative=3, window=3)
    with pytest.raises(ValueError, match=r"syn1neg has a row stride of 16 floats, expected 8"):
        kernel_model(syn0, {"syn1": syn1, "syn1neg": output_matrix(*syn1neg.shape)}, **settings)
    with pytest.raises(ValueError, match="syn0 has a row stride of 16 floats, expected 8"):
        kernel_model(output_matrix(*syn0.shape), {"syn1": syn1, "syn1neg": syn1neg}, **settings)
    with pytest.raises(ValueError, match="contiguous rows"):
        kernel_model(syn0, {"syn1": syn1, "syn1neg": np.asfortranarray(syn1neg)}, **settings)


@pytest.mark.parametrize("sg", [1, 0])
def test_out_of_range_scores_match_reference(sg):
    """Large weights push |f| past 6: both output layers skip those updates (as gensim).

    A kernel that clamped instead (the C tool's negative sampling) would move the weights
    differently on the more than 20 out-of-range terms and fail the comparison.
    """
    (weights, _, loss, _), (ref_weights, _, ref_loss, _) = run_both(sg, 1, 3, scale=2.0 if sg else 4.0, alpha=(0.05, 0.01))
    assert run_both.out_of_range > 20, "the test did not reach the out-of-range scores"
    for got, expected in zip(weights, ref_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert loss == pytest.approx(ref_loss, rel=1e-4)


@pytest.mark.parametrize("hs", [0, 1])
@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_shared_negatives_kernel_matches_reference(hs, scale):
    """The batched (HogBatch) update: three matrix products per window, as the reference."""
    (weights, effective, loss, rng_state), (ref_weights, ref_effective, ref_loss, ref_rng) = run_both(
        1, hs, 4, shared_negatives=1, scale=scale, alpha=(0.05, 0.01))
    assert rng_state == ref_rng and effective == ref_effective
    for name, got, expected in zip(("syn0", "syn1", "syn1neg"), weights, ref_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=name)
    assert loss == pytest.approx(ref_loss, rel=1e-4)


def test_shared_negatives_differ_from_the_exact_update():
    """Sharing noise words per window is a different algorithm: the results must differ."""
    (shared, *_), _ = run_both(1, 0, 4, shared_negatives=1)
    (exact, *_), _ = run_both(1, 0, 4, shared_negatives=0)
    assert not np.allclose(shared[0], exact[0])


def test_shared_negatives_needs_skipgram_with_negatives():
    syn0, syn1, syn1neg = make_weights(0)
    for sg, negative in ((0, 2), (1, 0)):
        with pytest.raises(ValueError, match="shared_negatives"):
            kernel_model(syn0, {"syn1": syn1, "syn1neg": syn1neg}, sg=sg, hs=1, negative=negative,
                         shared_negatives=True)


def test_cbow_sum_matches_reference():
    (weights, *_), (ref_weights, *_) = run_both(0, 1, 3, cbow_mean=0)
    for got, expected in zip(weights, ref_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=2e-6)


def test_full_windows_and_no_subsampling_match_reference():
    (weights, effective, _, rng_state), (ref_weights, ref_effective, _, ref_rng) = run_both(
        1, 0, 4, sample=0, shrink_windows=0)
    assert effective == ref_effective == 48
    assert rng_state == ref_rng
    for got, expected in zip(weights, ref_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=2e-6)


def test_learning_rate_is_applied():
    """With alpha = 0 nothing moves; the kernel must not update with a stale rate."""
    (weights, *_), _ = run_both(1, 1, 3, alpha=(0.0, 0.0))
    for got, original in zip(weights, make_weights(0)):
        np.testing.assert_array_equal(got, original)


def exact_sigmoid_table():
    """sigmoid at the table's 1001 points (-6 to 6), computed here rather than taken from the kernel."""
    x = (np.arange(1001) / 1000 * 2 - 1) * 6
    return (1 / (1 + np.exp(-x))).astype(np.float32)


def test_sigmoid_table():
    np.testing.assert_allclose(_core.sigmoid_table(), exact_sigmoid_table(), rtol=1e-6)


@pytest.mark.parametrize("sg", [1, 0])
def test_score_just_below_max_exp_reads_the_table(sg):
    """In float32, f + 6 rounds to 12 for the largest f below 6: the lookup lands on the table's
    spare last entry (it used to read past the table, and blew training up now and then)."""
    just_below = np.nextafter(np.float32(6), np.float32(0))
    assert int((just_below + np.float32(6)) * np.float32(1000 / 12)) == 1000
    syn0 = np.zeros((len(COUNTS), SIZE), np.float32)
    syn1neg = np.zeros((len(COUNTS), SIZE), np.float32)
    syn0[:, 0], syn1neg[:, 0] = just_below, 1.0  # every first score is exactly just_below
    (weights, _, loss, _), (ref_weights, _, ref_loss, _) = run_both(
        sg, 0, 2, sample=0, sentences=[np.array([0, 1, 2, 3], np.int32)], weights=(syn0, syn0[:-1], syn1neg),
        sigmoid_table=exact_sigmoid_table())
    for got, expected in zip(weights, ref_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert np.isfinite(loss) and loss == pytest.approx(ref_loss, rel=1e-5)


def test_bad_batches_are_rejected():
    syn0, _, syn1neg = make_weights(0)
    model = kernel_model(syn0, {"syn1neg": syn1neg}, sg=1, negative=2, window=2)
    worker = _core.Worker(model, 1)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        worker.train_batch(np.array([0, 99], dtype=np.int32), np.array([2], dtype=np.int64), 0.1, 0.1)
    with pytest.raises(ValueError, match="sentence_ends"):
        worker.train_batch(np.array([0, 1], dtype=np.int32), np.array([3], dtype=np.int64), 0.1, 0.1)
    with pytest.raises(ValueError):
        worker.train_batch(np.array([0, 1], dtype=np.int64), np.array([2], dtype=np.int64), 0.1, 0.1)
    with pytest.raises(ValueError, match="shape"):
        kernel_model(syn0, {"syn1neg": syn1neg[:3]}, sg=1, negative=2, window=2)


def test_missing_or_inconsistent_tables_are_rejected():
    syn0, syn1, syn1neg = make_weights(0)
    # A mode switched on after the model was built has no output matrix: an error, not a NULL write.
    with pytest.raises(ValueError, match="no syn1neg matrix"):
        kernel_model(syn0, {"syn1": syn1}, hs=0, negative=2)
    with pytest.raises(ValueError, match="no syn1 matrix"):
        kernel_model(syn0, {"syn1neg": syn1neg}, hs=1, negative=0)
    tables = training_tables(COUNTS, TrainingConfig(hs=1, negative=2))
    bad_offsets = tables.hs_offsets.copy()
    bad_offsets[1], bad_offsets[2] = bad_offsets[2], bad_offsets[1]  # a path that "ends" before it starts
    with pytest.raises(ValueError, match="hs_offsets"):
        kernel_model(syn0, {"syn1": syn1}, hs=1, negative=0, tables=dataclasses.replace(tables, hs_offsets=bad_offsets))
    with pytest.raises(ValueError, match="alias table"):
        kernel_model(syn0, {"syn1neg": syn1neg}, tables=dataclasses.replace(tables, alias_accept=None))
    with pytest.raises(ValueError, match="Huffman tree"):
        kernel_model(syn0, {"syn1": syn1}, hs=1, negative=0, tables=dataclasses.replace(tables, hs_points=None))
    with pytest.raises(TypeError):
        _core.Worker(None, 1)
    with pytest.raises(TypeError):
        _core.TrainingModel(None, syn0)


def test_threaded_batches_are_checked_against_the_vocabulary():
    from w2v.train import _batchqueue
    syn0, _, syn1neg = make_weights(0)
    model = kernel_model(syn0, {"syn1neg": syn1neg}, sg=1, negative=2, window=2)
    before = syn0.copy()
    for tokens, ends, message in [([0, len(COUNTS)], [2], "outside the vocabulary"),
                                  ([0, -1], [2], "outside the vocabulary"),
                                  ([0, 1], [5], "sentence_ends")]:
        queue = _batchqueue.BatchQueue(2)
        queue.put(np.array(tokens, dtype=np.int32), np.array(ends, dtype=np.int64), 2, 1, 0.1, 0.1)
        queue.close()
        with pytest.raises(ValueError, match=message):
            _batchqueue.drain(_core.Worker(model, 1), queue)
        # The queue is aborted: a producer stops instead of waiting for a worker that left.
        assert not queue.put(np.zeros(1, dtype=np.int32), np.ones(1, dtype=np.int64), 1, 1, 0.1, 0.1)
    np.testing.assert_array_equal(syn0, before)  # nothing of a bad batch was trained
