"""Hooks into training: subclass ``Callback`` and pass instances as ``callbacks=``.

Every hook is called from the thread that called ``train()`` (never from a worker thread),
so a callback may safely read or save the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from w2v.word2vec import Word2Vec


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
