"""Rows as queries read them, and ranking: the arithmetic under ``SimilarityQueries``.

``compute_dtype`` is the type every query computes in (float32, or float64 for float64
vectors); ``float_row_blocks`` hands out the stored rows in that type, a block at a time,
so float16 or integer vectors are never multiplied in their own type; ``top_k`` ranks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

KEY_TYPES = (str, int, np.integer)

#: Upper bound on the elements of one block of scores in batched queries (128 MiB of
#: float32): a block of queries is one matrix product, bigger batches take several.
BLOCK_ELEMENTS = 1 << 25
#: Rows of scores ranked at a time in batched queries.
TOPK_ROWS = 16
#: Bytes of one block of rows converted to float32 for a query when the vectors are stored in
#: a narrower type (float16): small enough to stay in cache between conversion and product.
CONVERT_BLOCK_BYTES = 1 << 22


def compute_dtype(stored: np.dtype) -> np.dtype:
    """The type queries compute in: float32 for float16 and float32 vectors, float64 for
    any other (float64, and integer vectors, whose values float32 would round).

    Integer vectors are never scored in their own type: cast to it, a unit-length query
    is all zeros, and every score 0.

    Examples
    --------
    >>> compute_dtype(np.dtype(np.float16)), compute_dtype(np.dtype(np.float64))
    (dtype('float32'), dtype('float64'))
    >>> compute_dtype(np.dtype(np.int32))
    dtype('float64')
    """
    stored = np.dtype(stored)
    return np.dtype(np.float32) if stored.kind == "f" and stored.itemsize <= 4 else np.dtype(np.float64)


def float_row_blocks(vectors: np.ndarray, stop: int, first: int = 0) -> Iterator[tuple[int, np.ndarray]]:
    """``(offset, rows)`` blocks covering ``vectors[first:stop]``, each in ``compute_dtype``
    (``offset`` counts from ``first``).

    Vectors already in that type come as one block, the rows themselves (no copy). Others
    (float16) are converted a block of ``CONVERT_BLOCK_BYTES`` at a time into one reused
    buffer: use each block before asking for the next.

    Examples
    --------
    >>> halves = np.arange(6, dtype=np.float16).reshape(3, 2)
    >>> [(start, block.dtype.name, block.shape) for start, block in float_row_blocks(halves, 3)]
    [(0, 'float32', (3, 2))]
    """
    rows = vectors[first:stop]
    dtype = compute_dtype(rows.dtype)
    if rows.dtype == dtype:
        yield 0, rows
        return
    step = max(1, CONVERT_BLOCK_BYTES // max(1, dtype.itemsize * rows.shape[1]))
    buffer = np.empty((min(step, len(rows)), rows.shape[1]), dtype=dtype)
    for start in range(0, len(rows), step):
        block = buffer[:min(step, len(rows) - start)]
        np.copyto(block, rows[start:start + len(block)], casting="unsafe")
        yield start, block


def _ensure_list(value: Any) -> list:
    """gensim's convention: one key or one vector stands for a list of one."""
    if value is None:
        return []
    if isinstance(value, KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return list(value)
    return list(value)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest entries of each row of ``scores``, best first.

    Uses a partial sort (``argpartition``), so it costs O(n) per row, not O(n log n).

    Examples
    --------
    >>> top_k(np.array([0.1, 0.9, 0.5, 0.7]), 2)
    array([1, 3])
    >>> top_k(np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]]), 2)
    array([[0, 2],
           [1, 2]])
    >>> top_k(np.array([0.1, np.nan, 0.5]), 2)
    array([2, 0])
    """
    n = scores.shape[-1]
    k = min(int(k), n)
    if k <= 0:
        return np.empty(scores.shape[:-1] + (0,), dtype=np.intp)
    if np.isnan(scores).any():
        # NumPy orders NaN above every number: a NaN vector (e.g. loaded from a text file)
        # would take the best places. It ranks last instead, as in gensim.
        scores = np.where(np.isnan(scores), -np.inf, scores)
    if k < n:
        candidates = np.argpartition(scores, n - k, axis=-1)[..., n - k:]  # no negated copy
    else:
        candidates = np.broadcast_to(np.arange(n), scores.shape).copy()
    order = np.argsort(-np.take_along_axis(scores, candidates, axis=-1), axis=-1, kind="stable")
    return np.take_along_axis(candidates, order, axis=-1)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector
