"""The one training configuration: validation, the objective it derives, and the pieces the
kernels share with it (the objective table, the row-major BLAS wrappers, the schedule)."""

import itertools
import time

import numpy as np
import pytest

from w2v import Word2Vec, _core
from w2v.config import MAX_WORKERS, OUTPUT_LAYERS, Objective, TrainingConfig
from w2v.train import _corpusfile
from w2v.train._schedule import LearningRateSchedule


@pytest.mark.parametrize("params,objective,layers", [
    (dict(), Objective.NEGATIVE, ("syn1neg",)),
    (dict(hs=1, negative=0), Objective.HS, ("syn1",)),
    (dict(hs=1, negative=3), Objective.BOTH, ("syn1", "syn1neg")),
    (dict(hs=0, negative=0, softmax=True), Objective.SOFTMAX, ("syn1softmax",)),
    (dict(sg=1, shared_negatives=True), Objective.SHARED_NEGATIVES, ("syn1neg",)),
    (dict(sg=1, hs=1, shared_negatives=True), Objective.SHARED_NEGATIVES_HS, ("syn1", "syn1neg")),
])
def test_parameters_select_one_objective_and_its_layers(params, objective, layers):
    config = TrainingConfig(**params)
    assert config.objective is objective and config.output_layers == layers
    model = Word2Vec([["a", "b", "c"]] * 5, min_count=1, vector_size=4, workers=1, epochs=1, **params)
    assert tuple(layer for layer in OUTPUT_LAYERS if getattr(model, layer) is not None) == tuple(sorted(
        layers, key=OUTPUT_LAYERS.index))


def test_every_objective_has_kernels():
    assert set(_core.OBJECTIVE_CODES) == {objective.value for objective in Objective}


def test_output_rows():
    assert TrainingConfig.output_rows("syn1", 10) == 9 and TrainingConfig.output_rows("syn1", 1) == 1
    assert TrainingConfig.output_rows("syn1neg", 10) == TrainingConfig.output_rows("syn1softmax", 10) == 10
    with pytest.raises(ValueError, match="unknown output layer"):
        TrainingConfig.output_rows("syn2", 10)


@pytest.mark.parametrize("params,match", [
    (dict(workers=MAX_WORKERS + 1), "workers must be an integer between 1 and 1024"),
    (dict(workers=10 ** 7), "workers"),
    (dict(workers=0), "workers"),
    (dict(workers=2.0), "workers"),
    (dict(vector_size=True), "vector_size"),
    (dict(window=0), "window"),
    (dict(alpha=float("nan")), "alpha"),
    (dict(alpha=1e6), "alpha must be a finite number > 0.0 and <= 1.0"),
    (dict(min_alpha=-1), "min_alpha"),
    (dict(sample=-1e-3), "sample"),
    (dict(sample="often"), "sample must be a number"),
    (dict(ns_exponent=float("inf")), "ns_exponent"),
    (dict(seed=-1), "seed"),
    (dict(sg=2), "sg must be 0 or 1"),
    (dict(hs=0.5), "hs must be 0 or 1"),
    (dict(max_final_vocab=0), "max_final_vocab"),
])
def test_bad_parameters_are_refused_with_their_name(params, match):
    with pytest.raises(ValueError, match=match):
        TrainingConfig(**params)


def test_a_huge_worker_count_is_refused_before_anything_is_allocated():
    started = time.perf_counter()
    with pytest.raises(ValueError, match="workers"):
        Word2Vec([["a", "b"]] * 5, min_count=1, workers=10 ** 6)
    assert time.perf_counter() - started < 1


def test_the_config_is_frozen_and_replace_validates():
    config = TrainingConfig()
    with pytest.raises(AttributeError):
        config.window = 3
    assert config.replace(window=3).window == 3 and config.window == 5
    with pytest.raises(ValueError, match="window"):
        config.replace(window=-3)


def test_model_parameters_are_read_and_assigned_through_the_config():
    model = Word2Vec(vector_size=8, window=3)
    assert model.window == model.config.window == 3
    model.alpha = 0.05
    assert model.config.alpha == 0.05
    with pytest.raises(ValueError, match="alpha"):
        model.alpha = float("nan")
    assert model.alpha == 0.05  # a refused value leaves the config as it was
    with pytest.raises(AttributeError, match="no attribute 'windw'"):
        model.windw


def test_an_objective_switched_on_after_build_vocab_is_a_clear_error():
    sentences = [["a", "b", "c"]] * 5
    model = Word2Vec(vector_size=8, min_count=1, workers=1, hs=0, negative=5)
    model.build_vocab(sentences)
    model.hs = 1
    with pytest.raises(ValueError, match="no syn1 matrix"):
        model.train(sentences, total_examples=5, epochs=1)


# ------------------------------------------------------------------ shared C pieces

@pytest.mark.parametrize("transpose_a,transpose_b", list(itertools.product([False, True], repeat=2)))
def test_rowmajor_gemm_matches_numpy(transpose_a, transpose_b):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 5) if not transpose_a else (5, 3)).astype(np.float32)
    b = rng.normal(size=(5, 4) if not transpose_b else (4, 5)).astype(np.float32)
    expected = (a.T if transpose_a else a) @ (b.T if transpose_b else b)
    np.testing.assert_allclose(_core.rowmajor_gemm(a, b, transpose_a, transpose_b), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="inner"):
        _core.rowmajor_gemm(a, a, transpose_a, transpose_a)


@pytest.mark.parametrize("transpose", [False, True])
def test_rowmajor_gemv_and_ger_match_numpy(transpose):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 6)).astype(np.float32)
    x = rng.normal(size=4 if transpose else 6).astype(np.float32)
    np.testing.assert_allclose(_core.rowmajor_gemv(a, x, transpose), (a.T if transpose else a) @ x, rtol=1e-5)
    u, v = rng.normal(size=4), rng.normal(size=6)
    np.testing.assert_allclose(_core.rowmajor_ger(a, u, v, 0.5), a + 0.5 * np.outer(u, v), rtol=1e-5)


def test_one_learning_rate_schedule_for_the_driver_and_both_corpus_paths():
    """The Python driver and the iterable path call LearningRateSchedule.alpha; the corpus-file
    threads compute the same C function without the GIL. All three agree, bit for bit, with
    the formula: linear decay over all epochs."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        start, end = sorted(rng.uniform(0, 0.1, 2))[::-1]
        epochs = int(rng.integers(1, 20))
        epoch = int(rng.integers(0, epochs))
        total = int(rng.integers(1, 10 ** 9))
        before, words = sorted(int(w) for w in rng.integers(0, total + 1, 2))
        schedule = LearningRateSchedule(start, end, epochs)
        expected = [start - (start - end) * ((epoch + min(done / total, 1.0)) / epochs) for done in (before, words)]
        assert [schedule.alpha(epoch, done / total) for done in (before, words)] == expected
        file_alphas = _corpusfile.sentence_alphas(schedule, epoch, before, words - before, total)
        assert list(file_alphas) == [float(np.float32(alpha)) for alpha in expected]
    assert LearningRateSchedule(0.025, 0.0001, 2).alpha(1, 7.0) == pytest.approx(0.0001)  # clipped


@pytest.mark.parametrize("bad", [(float("nan"), 0.0, 1), (0.025, -1.0, 1), (0.025, 0.0, 0)])
def test_the_schedule_refuses_bad_rates(bad):
    with pytest.raises(ValueError):
        LearningRateSchedule(*bad)
