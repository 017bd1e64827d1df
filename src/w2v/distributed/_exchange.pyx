# cython: language_level=3
"""The arithmetic of one exchange of changes (``w2v.distributed.sync``), in two fused passes.

An exchange reads the rows it covers, sends their changes and adds back the others'. Written
with NumPy that is seven operations, each a pass over the rows with a temporary (eleven
reads and five writes of every float); here it is two loops without the GIL (six reads,
four writes), so the exchange thread, which runs beside the training threads on the same
cores, takes less of their memory bandwidth and time.

Examples
--------
>>> import numpy as np
>>> live = np.array([3.0, 5.0], np.float32); snapshot = np.array([1.0, 1.0], np.float32)
>>> own = np.empty(2, np.float32); total = np.empty(2, np.float32)
>>> take_changes(live, snapshot, own, total)
>>> own.tolist(), total.tolist()
([2.0, 4.0], [2.0, 4.0])
>>> total += [10.0, 20.0]  # what an allreduce adds: the other processes' changes
>>> add_changes(live, snapshot, own, total, True)
25.0
>>> live.tolist(), snapshot.tolist()
([13.0, 25.0], [13.0, 25.0])
"""

from libc.math cimport fabs, isnan


cdef Py_ssize_t _same_length(str name, const float[::1] a, const float[::1] b, const float[::1] c,
                             const float[::1] d) except -1:
    """The common length of the four arrays of ``name``; a ValueError if they differ."""
    cdef Py_ssize_t n = a.shape[0]
    if b.shape[0] != n or c.shape[0] != n or d.shape[0] != n:
        raise ValueError(f"{name}: the four arrays must have the same length")
    return n


def take_changes(const float[::1] live, const float[::1] snapshot, float[::1] own,
                 float[::1] total) -> None:
    """``own = total = live - snapshot``: this process's changes since the last exchange,
    kept (``own``) and to be summed in place over the processes (``total``)."""
    cdef Py_ssize_t i, n = _same_length("take_changes", live, snapshot, own, total)
    cdef float change
    with nogil:
        for i in range(n):
            change = live[i] - snapshot[i]
            own[i] = change
            total[i] = change


def add_changes(float[::1] live, float[::1] snapshot, const float[::1] own, const float[::1] total,
                bint training) -> float:
    """Apply the summed changes ``total`` (``own`` is this process's part of them).

    ``snapshot += total``; then ``live += total - own`` while training threads update
    ``live`` (their updates made meanwhile stay), or ``live = snapshot`` when they have
    stopped (every process then holds the same bits). Returns the largest magnitude in the
    new snapshot, or NaN if it holds one: the divergence check, the same on every process.
    """
    cdef Py_ssize_t i, n = _same_length("add_changes", live, snapshot, own, total)
    cdef float value, largest = 0.0
    cdef bint saw_nan = False
    with nogil:
        for i in range(n):  # the compiler hoists the test of `training` out of the loop
            value = snapshot[i] + total[i]
            snapshot[i] = value
            live[i] = live[i] + (total[i] - own[i]) if training else value
            largest = max(largest, fabs(value))
            saw_nan |= isnan(value)
    return float("nan") if saw_nan else largest
