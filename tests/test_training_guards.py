"""What train() refuses before it touches the weights, and what it guarantees when things
fail: bad rates and counts, concurrent calls, threads that cannot start."""

import threading

import numpy as np
import pytest

from w2v import Callback, Word2Vec

SENTENCES = [["alpha", "beta", "gamma", "delta", "beta"]] * 40


@pytest.fixture
def model():
    return Word2Vec(SENTENCES, vector_size=8, min_count=1, workers=2, epochs=1, seed=5)


@pytest.mark.parametrize("arguments,match", [
    (dict(start_alpha=float("nan")), "start_alpha"),
    (dict(start_alpha=1e6), "start_alpha must be a finite number >= 0.0 and <= 1.0"),
    (dict(end_alpha=-1), "end_alpha"),
    (dict(end_alpha=float("inf")), "end_alpha"),
    (dict(total_examples=-5), "total_examples must be an integer >= 1"),
    (dict(total_examples=2.5), "total_examples"),
    (dict(total_examples=None, total_words=-3), "total_words"),
    (dict(queue_factor=-5), "queue_factor"),
    (dict(queue_factor=0), "queue_factor"),
    (dict(epochs=0), "epochs"),
    (dict(report_delay=float("nan")), "report_delay"),
])
def test_bad_train_arguments_are_refused_before_any_weight_changes(model, arguments, match):
    before = {name: matrix.copy() for name, matrix in model.weight_matrices().items()}
    call = {"total_examples": len(SENTENCES), "epochs": 1, **arguments}
    with pytest.raises(ValueError, match=match):
        model.train(SENTENCES, **call)
    for name, matrix in model.weight_matrices().items():
        np.testing.assert_array_equal(matrix, before[name], err_msg=name)
    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)  # the model still trains


class Gate(Callback):
    """Holds training at the start of its first epoch until released."""

    def __init__(self):
        self.entered, self.release = threading.Event(), threading.Event()
        self.inner_error = None

    def on_epoch_begin(self, model):
        self.entered.set()
        assert self.release.wait(30)


def test_a_second_call_while_training_runs_is_refused(model, tmp_path):
    gate = Gate()
    result = {}

    def train():
        result["words"] = model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1, callbacks=[gate])

    thread = threading.Thread(target=train)
    thread.start()
    assert gate.entered.wait(30)
    try:
        with pytest.raises(RuntimeError, match="another thread is running train"):
            model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1)
        with pytest.raises(RuntimeError, match="another thread is running train"):
            model.build_vocab([["new", "words"]] * 5, update=True)
        with pytest.raises(RuntimeError, match="another thread is running train"):
            model.build_vocab_from_freq({"x": 9}, update=True)
        with pytest.raises(RuntimeError, match="another thread is running train"):
            model.save(tmp_path / "racing.w2v")
    finally:
        gate.release.set()
        thread.join(30)
    assert result["words"][1] == 5 * len(SENTENCES)  # the first call trained its whole epoch
    assert not (tmp_path / "racing.w2v").exists()
    model.build_vocab([["new", "words"]] * 5, update=True)  # free again afterwards
    assert "new" in model.wv


def test_a_callback_may_save_but_not_rebuild_the_vocabulary(model, tmp_path):
    outcomes = []

    class Checkpoint(Callback):
        def on_epoch_end(self, model):
            model.save(tmp_path / "checkpoint.w2v")
            try:
                model.build_vocab([["other"]] * 5, update=True)
            except RuntimeError as error:
                outcomes.append(str(error))

    model.train(SENTENCES, total_examples=len(SENTENCES), epochs=1, callbacks=[Checkpoint()])
    assert Word2Vec.load(tmp_path / "checkpoint.w2v").wv.index_to_key == model.wv.index_to_key
    assert outcomes and "while this thread runs train()" in outcomes[0]
    assert "other" not in model.wv


@pytest.mark.parametrize("corpus_file", [False, True])
def test_a_thread_that_cannot_start_leaves_no_thread_behind(model, monkeypatch, tmp_path, corpus_file):
    """The system refuses a thread (its limit): the thread already started is stopped and
    joined, and the error reaches the caller; none stays blocked on the queue for ever."""
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in SENTENCES) * 3000)  # several ranges: the first thread is busy
    model.workers = 4
    real_start = threading.Thread.start
    started = []

    def failing_start(thread):
        if len(started) == 1:
            raise RuntimeError("can't start new thread")
        started.append(thread)
        real_start(thread)

    before = threading.active_count()
    monkeypatch.setattr(threading.Thread, "start", failing_start)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        if corpus_file:
            model.train(corpus_file=path, total_words=3000 * 5 * len(SENTENCES), epochs=1)
        else:
            model.train(SENTENCES * 200, total_examples=200 * len(SENTENCES), epochs=1)
    assert len(started) == 1 and not started[0].is_alive()
    assert threading.active_count() == before
