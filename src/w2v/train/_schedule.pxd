# cython: language_level=3
"""The learning-rate schedule, written once in C (``cimport`` it; Python uses ``_schedule.pyx``).

Every path that trains reads its learning rate from ``scheduled_alpha``: the Python driver
(progress reports, the rates of each batch of an iterable corpus) through
``LearningRateSchedule.alpha`` and the corpus-file threads directly, without the GIL.
"""


cdef struct Schedule:
    double start_alpha
    double end_alpha
    int epochs


cdef inline double scheduled_alpha(const Schedule *schedule, int epoch, double epoch_progress) noexcept nogil:
    """Linear decay from start_alpha to end_alpha over all epochs of one ``train()`` call.

    ``epoch_progress`` (0..1, clipped) is how far through ``epoch`` training is.
    """
    cdef double clipped = 0.0 if not epoch_progress > 0.0 else (1.0 if epoch_progress > 1.0 else epoch_progress)
    cdef double progress = (epoch + clipped) / schedule.epochs
    return schedule.start_alpha - (schedule.start_alpha - schedule.end_alpha) * progress


cdef class LearningRateSchedule:
    cdef Schedule schedule
    cpdef double alpha(self, int epoch, double epoch_progress)
