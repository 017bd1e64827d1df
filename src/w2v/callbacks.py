"""Hooks into training: subclass ``Callback`` and pass instances as ``callbacks=``.

Every hook is called from the thread that called ``train()`` (never from a worker thread),
so a callback may safely read or save the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from w2v.model import Word2Vec


class Callback:
    """Base class for training callbacks; override the hooks you need.

    The model's ``epoch`` attribute holds the number of the epoch being trained (from 0),
    and after each epoch ``get_latest_training_loss()`` gives that epoch's loss when the
    model computes the loss.

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> from w2v.callbacks import Callback
    >>> class EpochLogger(Callback):
    ...     def __init__(self):
    ...         self.losses = []
    ...     def on_epoch_end(self, model):
    ...         self.losses.append(model.get_latest_training_loss())
    >>> logger = EpochLogger()
    >>> sentences = [["cat", "sat", "on", "the", "mat"]] * 50
    >>> model = Word2Vec(sentences, min_count=1, sample=0, epochs=3, compute_loss=True,
    ...                  callbacks=[logger], workers=1)
    >>> len(logger.losses), all(loss > 0 for loss in logger.losses)
    (3, True)
    """

    def on_train_begin(self, model: Word2Vec) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, model: Word2Vec) -> None:
        """Called once after the last epoch."""

    def on_epoch_begin(self, model: Word2Vec) -> None:
        """Called before each epoch."""

    def on_epoch_end(self, model: Word2Vec) -> None:
        """Called after each epoch, once all of its batches are trained."""


class TrainingMonitor(Callback):
    """Record each epoch's loss, speed and learning rate, for ``w2v.vectors.plot.plot_training``.

    After each epoch one record (a dict) is appended to ``records``, taken from the model's
    latest epoch tallies: ``epoch`` (from 1), ``loss`` (``None`` unless the model computes
    the loss), ``words_per_second`` (raw words per wall-clock second), ``effective_words``,
    ``seconds``, ``elapsed`` (seconds since training began) and ``alpha``, the scheduled
    learning rate at the epoch's end, computed from the model's ``alpha``, ``min_alpha``
    and ``epochs`` (so it assumes ``train()`` was not given other values for them).

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> monitor = TrainingMonitor()
    >>> sentences = [["cat", "sat", "on", "the", "mat"]] * 50
    >>> model = Word2Vec(sentences, min_count=1, sample=0, epochs=3, compute_loss=True,
    ...                  callbacks=[monitor], workers=1)
    >>> [record["epoch"] for record in monitor.records], monitor.records[-1]["alpha"]
    ([1, 2, 3], 0.0001)
    >>> sorted(monitor.columns())
    ['alpha', 'effective_words', 'elapsed', 'epoch', 'loss', 'seconds', 'words_per_second']
    """

    def __init__(self) -> None:
        self.records: list[dict[str, float | int | None]] = []
        self._elapsed = 0.0
        self._epochs_done = 0  # in the current train() call

    def on_train_begin(self, model: Word2Vec) -> None:
        self._epochs_done = 0

    def on_epoch_end(self, model: Word2Vec) -> None:
        stats = model.epoch_stats[-1]
        self._epochs_done += 1
        self._elapsed += stats.seconds
        progress = min(self._epochs_done / max(int(model.epochs), 1), 1.0)
        # The schedule's own end point exactly, not start - (start - end) rounded.
        alpha = model.min_alpha if progress == 1.0 else model.alpha - (model.alpha - model.min_alpha) * progress
        self.records.append({
            "epoch": len(self.records) + 1,
            "loss": float(stats.loss) if getattr(model, "compute_loss", False) else None,
            "words_per_second": float(stats.words_per_second),
            "effective_words": int(stats.effective_words),
            "seconds": float(stats.seconds),
            "elapsed": self._elapsed,
            "alpha": float(alpha),
        })

    def columns(self) -> dict[str, list]:
        """The records as columns: name -> list of values, one per epoch."""
        names = self.records[0].keys() if self.records else ()
        return {name: [record[name] for record in self.records] for name in names}
