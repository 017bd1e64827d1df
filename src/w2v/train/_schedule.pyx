# cython: language_level=3
"""``LearningRateSchedule``: the Python face of the one learning-rate schedule (``_schedule.pxd``)."""

import math


cdef class LearningRateSchedule:
    """Linear decay from ``start_alpha`` to ``end_alpha`` over all epochs of one ``train()``.

    The rate at a point of training is :meth:`alpha`; the corpus-file threads compute the
    same function in C (``scheduled_alpha``), so both corpus paths follow one schedule.

    Parameters
    ----------
    start_alpha, end_alpha : float
        The rates at the start of the first epoch and at the end of the last (finite, >= 0).
    epochs : int
        Epochs of the ``train()`` call (>= 1).

    Examples
    --------
    >>> schedule = LearningRateSchedule(0.025, 0.0001, epochs=5)
    >>> schedule.alpha(0, 0.0), round(schedule.alpha(4, 1.0), 6), schedule.epochs
    (0.025, 0.0001, 5)
    """

    def __init__(self, double start_alpha, double end_alpha, int epochs):
        if not (math.isfinite(start_alpha) and math.isfinite(end_alpha)) or start_alpha < 0 or end_alpha < 0:
            raise ValueError(f"learning rates must be finite and >= 0, got {start_alpha!r} and {end_alpha!r}")
        if epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {epochs}")
        self.schedule.start_alpha = start_alpha
        self.schedule.end_alpha = end_alpha
        self.schedule.epochs = epochs

    @property
    def start_alpha(self):
        return self.schedule.start_alpha

    @property
    def end_alpha(self):
        return self.schedule.end_alpha

    @property
    def epochs(self):
        return self.schedule.epochs

    cpdef double alpha(self, int epoch, double epoch_progress):
        """The learning rate at ``epoch_progress`` (0..1, clipped) through ``epoch`` (from 0)."""
        return scheduled_alpha(&self.schedule, epoch, epoch_progress)

    def __repr__(self):
        return (f"LearningRateSchedule(start_alpha={self.start_alpha!r}, end_alpha={self.end_alpha!r}, "
                f"epochs={self.epochs})")
