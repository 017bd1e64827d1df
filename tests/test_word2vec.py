"""Word2Vec's behaviour: reproducibility, loss, long sentences, callbacks and bad input."""

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from planted import grouped_corpus
from w2v import Callback, Word2Vec
from w2v.vocab import _vocab


@pytest.fixture(scope="module")
def sentences():
    return grouped_corpus(n_sentences=600)[0]


# ------------------------------------------------------------------ reproducibility

REPRO_SCRIPT = textwrap.dedent("""
    import hashlib, sys
    sys.path.insert(0, {tests!r})
    from planted import grouped_corpus
    from w2v import Word2Vec
    sentences = grouped_corpus(n_sentences=300)[0]
    for sg in (0, 1):
        model = Word2Vec(sentences, vector_size=16, min_count=1, workers=1, seed=42, sg=sg,
                         hs=1, negative=3, epochs=2)
        digest = hashlib.sha256(model.wv.vectors.tobytes() + model.syn1neg.tobytes()
                                + model.syn1.tobytes()).hexdigest()
        print(sg, digest)
""")


def test_workers_1_is_bitwise_reproducible_across_processes():
    script = REPRO_SCRIPT.format(tests=os.path.dirname(__file__))
    outputs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        outputs.append(subprocess.run([sys.executable, "-c", script], env=env, check=True,
                                      capture_output=True, text=True).stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].split()) == 4


def test_different_seeds_give_different_vectors(sentences):
    a = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, seed=1, epochs=1)
    b = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, seed=2, epochs=1)
    assert not np.array_equal(a.wv.vectors, b.wv.vectors)


# ------------------------------------------------------------------ loss

class LossRecorder(Callback):
    def __init__(self):
        self.losses = []

    def on_epoch_end(self, model):
        self.losses.append(model.get_latest_training_loss())


@pytest.mark.parametrize("sg,hs,negative", [(1, 0, 5), (0, 0, 5), (1, 1, 0), (0, 1, 0)])
def test_loss_is_positive_finite_and_falls(sentences, sg, hs, negative):
    recorder = LossRecorder()
    Word2Vec(sentences, vector_size=16, min_count=1, workers=2, epochs=6, sg=sg, hs=hs,
             negative=negative, compute_loss=True, callbacks=[recorder], alpha=0.05)
    losses = np.array(recorder.losses)
    assert len(losses) == 6
    assert np.all(np.isfinite(losses)) and np.all(losses > 0)
    assert losses[-1] < 0.9 * losses[0]


def test_loss_does_not_depend_on_worker_count():
    # Large enough that the random streams of the threads do not matter (~40k kept words).
    sentences = grouped_corpus(n_sentences=4000)[0]
    losses = {}
    for workers in (1, 2):
        model = Word2Vec(sentences, sample=0, vector_size=16, min_count=1, workers=workers, epochs=2,
                         sg=1, compute_loss=True, batch_words=500)
        losses[workers] = model.get_latest_training_loss()
    assert losses[2] == pytest.approx(losses[1], rel=0.05)


def test_loss_is_zero_without_compute_loss(sentences):
    model = Word2Vec(sentences, vector_size=8, min_count=1, epochs=1)
    assert model.get_latest_training_loss() == 0.0


def test_loss_does_not_saturate():
    """gensim's float32 loss stops growing near 2**24; ours is a float64 sum of every term."""
    sentences = grouped_corpus(n_sentences=50000, sentence_length=20)[0]
    model = Word2Vec(sentences, vector_size=8, min_count=1, workers=2, epochs=1, sg=1,
                     negative=15, compute_loss=True, sample=0, shrink_windows=False, window=5)
    pairs = 50000 * sum(min(i + 5, 19) - max(i - 5, 0) for i in range(20))
    loss = model.get_latest_training_loss()
    assert loss > 2**24
    # Each pair has 1 + 15 output terms (minus rare noise draws of the true word); a term's
    # loss starts near log(2) and falls as the model learns.
    assert 0.05 < loss / (16 * pairs) < 0.7


# ------------------------------------------------------------------ long sentences, counts

def test_long_sentences_are_trained_whole():
    rng = np.random.default_rng(0)
    early = [f"early{i}" for i in rng.integers(0, 50, 20000)]
    late = [f"late{i}" for i in rng.integers(0, 50, 15000)]
    sentence = early + late  # 35000 tokens; gensim would drop everything after 10000
    model = Word2Vec(vector_size=8, min_count=1, sample=0, workers=2, batch_words=1000)
    model.build_vocab([sentence])
    initial = model.wv.vectors.copy()
    effective, raw = model.train([sentence], total_examples=1, epochs=2)
    assert (effective, raw) == (70000, 70000)
    late_rows = [model.wv.key_to_index[word] for word in set(late)]
    moved = np.abs(model.wv.vectors[late_rows] - initial[late_rows]).max(axis=1)
    assert np.all(moved > 1e-3), "words at the end of a long sentence were not trained"


def test_train_counts_words_and_respects_subsampling(sentences):
    model = Word2Vec(vector_size=8, min_count=1, sample=1e-2, workers=2)
    model.build_vocab(sentences)
    effective, raw = model.train(sentences, total_examples=model.corpus_count, epochs=3)
    assert raw == 3 * model.corpus_total_words
    assert 0 < effective < raw


def test_out_of_vocabulary_tokens_are_skipped_but_counted(sentences):
    model = Word2Vec(vector_size=8, min_count=1, sample=0, workers=1)
    model.build_vocab(sentences)
    noisy = [sentence + ["never-seen"] for sentence in sentences]
    effective, raw = model.train(noisy, total_examples=len(noisy), epochs=1)
    assert raw == model.corpus_total_words + len(noisy)
    assert effective == model.corpus_total_words


def test_initial_vectors_depend_on_word_and_seed_only():
    a = _vocab.initial_vectors(["x", "y"], 6, 9)
    b = _vocab.initial_vectors(["y", "x", "z"], 6, 9)
    np.testing.assert_array_equal(a[0], b[1])


def test_initial_vectors_are_uniform_in_gensims_range():
    # gensim 4's [-1/d, 1/d), not the C tool's half-width range (see _vocab.initial_vectors).
    values = _vocab.initial_vectors([f"w{i}" for i in range(200)], 10, 3).ravel() * 10
    assert values.min() >= -1.0 and values.max() < 1.0
    assert values.min() < -0.95 and values.max() > 0.95
    assert abs(values.mean()) < 0.05 and abs(values.std() - 1 / np.sqrt(3)) < 0.02


# ------------------------------------------------------------------ callbacks and threads

def test_callbacks_run_in_order_on_the_calling_thread(sentences):
    events = []

    class Recorder(Callback):
        def _record(self, name, model):
            events.append((name, model.epoch, threading.current_thread() is threading.main_thread()))

        def on_train_begin(self, model):
            self._record("train_begin", model)

        def on_epoch_begin(self, model):
            self._record("epoch_begin", model)

        def on_epoch_end(self, model):
            self._record("epoch_end", model)

        def on_train_end(self, model):
            self._record("train_end", model)

    Word2Vec(sentences, vector_size=8, min_count=1, epochs=2, workers=2, callbacks=[Recorder()])
    assert [name for name, _, _ in events] == [
        "train_begin", "epoch_begin", "epoch_end", "epoch_begin", "epoch_end", "train_end"]
    assert [epoch for name, epoch, _ in events if name == "epoch_end"] == [0, 1]
    assert all(main for _, _, main in events)


def test_corpus_errors_reach_the_caller_without_hanging(sentences):
    class Broken:
        def __iter__(self):
            yield from sentences[:10]
            raise RuntimeError("disk on fire")

    model = Word2Vec(vector_size=8, min_count=1, workers=2)
    model.build_vocab(sentences)
    with pytest.raises(RuntimeError, match="disk on fire"):
        model.train(Broken(), total_examples=len(sentences), epochs=1)


def test_interrupt_stops_the_threads_and_leaves_a_usable_model(sentences):
    class Interrupted:
        def __iter__(self):
            yield from sentences[:300]
            raise KeyboardInterrupt

    model = Word2Vec(vector_size=8, min_count=1, workers=2, batch_words=50)
    model.build_vocab(sentences)
    before = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        model.train(Interrupted(), total_examples=len(sentences), epochs=1)
    assert threading.active_count() == before
    model.train(sentences, total_examples=len(sentences), epochs=1)
    assert np.all(np.isfinite(model.wv.vectors))


def test_progress_bar_shows_epochs_and_speed(sentences, capsys):
    pytest.importorskip("tqdm")
    model = Word2Vec(vector_size=8, min_count=1, workers=1)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=2, progress_bar=True, report_delay=0)
    err = capsys.readouterr().err
    assert "2.00/2 epochs" in err and "words/s" in err


def test_progress_bar_without_tqdm_falls_back_to_logging(sentences, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes "import tqdm" fail
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    model = Word2Vec(vector_size=8, min_count=1, workers=1)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=1, progress_bar=True)
    assert any("needs tqdm" in record.getMessage() for record in caplog.records)


def test_progress_is_logged(sentences, caplog):
    caplog.set_level("INFO", logger="w2v")
    Word2Vec(sentences, vector_size=8, min_count=1, epochs=1, workers=1)
    assert any("EPOCH 1" in record.getMessage() and "words/s" in record.getMessage()
               for record in caplog.records)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("corpus,error,match", [
    ([], ValueError, "empty"),
    ([[]], ValueError, "empty"),
    ("the quick brown fox", TypeError, "single string"),
    (["the", "quick", "brown"], TypeError, "flat list"),
    ([[1, 2, 3]], TypeError, "tokens must be str"),
    ([["a", "b"], "c d"], TypeError, "not a list of tokens"),
])
def test_bad_corpora_get_clear_errors(corpus, error, match):
    with pytest.raises(error, match=match):
        Word2Vec(corpus, min_count=1)


def test_no_word_reaching_min_count():
    with pytest.raises(ValueError, match="min_count=5"):
        Word2Vec([["a", "b", "a"]], min_count=5)


def test_one_shot_generator_is_rejected(sentences):
    with pytest.raises(TypeError, match="one-shot iterator"):
        Word2Vec(s for s in sentences)
    model = Word2Vec(vector_size=8, min_count=1)
    model.build_vocab(sentences)
    with pytest.raises(TypeError, match="one-shot iterator"):
        model.train(iter(sentences), total_examples=len(sentences), epochs=2)
    # One pass over a generator is fine.
    model.train((s for s in sentences), total_examples=len(sentences), epochs=1)


@pytest.mark.parametrize("params,match", [
    (dict(vector_size=0), "vector_size"),
    (dict(vector_size=-3), "vector_size"),
    (dict(window=0), "window"),
    (dict(epochs=0), "epochs"),
    (dict(workers=0), "workers"),
    (dict(batch_words=0), "batch_words"),
    (dict(min_count=-1), "min_count"),
    (dict(sg=2), "sg"),
    (dict(hs=-1), "hs"),
    (dict(negative=-1), "negative"),
    (dict(hs=0, negative=0), "no output layer"),
    (dict(sample=-0.1), "sample"),
    (dict(alpha=0), "alpha"),
    (dict(vector_size=2.5), "vector_size"),
    (dict(max_vocab_size=0), "max_vocab_size"),
    (dict(sg=0, shared_negatives=True), "shared_negatives"),
    (dict(sg=1, hs=1, negative=0, shared_negatives=True), "shared_negatives"),
])
def test_bad_parameters_are_rejected(params, match):
    with pytest.raises(ValueError, match=match):
        Word2Vec(**params)


def test_a_vocabulary_pruned_to_nothing_is_a_clear_error():
    with pytest.raises(ValueError, match="max_vocab_size=1 pruned every word"):
        Word2Vec([["a", "b"], ["c", "d"]], max_vocab_size=1, min_count=1)


def test_unknown_words_raise_key_error_naming_the_word(sentences):
    model = Word2Vec(sentences, vector_size=8, min_count=1, epochs=1)
    with pytest.raises(KeyError, match="nonexistent"):
        model.wv["nonexistent"]
    with pytest.raises(KeyError, match="nonexistent"):
        model.wv[["g0w0", "nonexistent"]]
    assert "nonexistent" not in model.wv
    assert model.wv[["g0w0", "g0w1"]].shape == (2, 8)


def test_train_needs_vocabulary_epochs_and_length(sentences):
    model = Word2Vec(vector_size=8, min_count=1)
    with pytest.raises(RuntimeError, match="build_vocab"):
        model.train(sentences, total_examples=10, epochs=1)
    model.build_vocab(sentences)
    with pytest.raises(ValueError, match="epochs"):
        model.train(sentences, total_examples=10)
    with pytest.raises(ValueError, match="total_examples"):
        model.train(sentences, epochs=1)


def test_corpus_file_errors(tmp_path, sentences):
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        Word2Vec(corpus_file=tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="not both"):
        Word2Vec(sentences, corpus_file=tmp_path / "missing.txt")


def test_corpus_file_trains_like_the_iterable(tmp_path, sentences):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n")
    model = Word2Vec(corpus_file=str(path), vector_size=8, min_count=1, epochs=2, workers=2)
    assert model.corpus_count == len(sentences)
    assert model.corpus_total_words == sum(len(s) for s in sentences)
    assert len(model.wv) == len({w for s in sentences for w in s})


@pytest.mark.parametrize("bad_weight", [np.nan, 5e4])
def test_diverged_training_is_an_error_not_garbage(bad_weight):
    sentences = [["a", "b", "c", "d", "e"]] * 50
    model = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, epochs=1, sample=0)
    model.wv.vectors[2, 3] = bad_weight  # as an unstable update would leave it
    with pytest.raises(FloatingPointError, match="diverged in epoch 1.*alpha"):
        model.train(sentences, total_examples=50, epochs=1)


@pytest.mark.parametrize("alpha", [1e7, float("nan"), float("inf"), -0.1, 0.0])
def test_a_learning_rate_that_could_only_destroy_the_weights_is_refused(alpha):
    with pytest.raises(ValueError, match="alpha must be a finite number > 0.0 and <= 1.0"):
        Word2Vec(vector_size=8, alpha=alpha)


def test_two_word_vocabulary_trains_hs_and_negative_sampling_together():
    """syn1 then has a single row, whose (meaningless) stride must not clash with syn1neg's."""
    model = Word2Vec([["a", "b", "a", "b"]] * 10, min_count=1, hs=1, negative=2, vector_size=8,
                     workers=1, epochs=1)
    assert model.syn1.shape == (1, 8) and model.syn1neg.strides[0] == 16 * 4
    assert np.isfinite(model.wv.vectors).all()
