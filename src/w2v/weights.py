"""The model's weight matrices: how they are allocated, laid out and grown.

Input vectors (``wv.vectors``) are a plain C-contiguous float32 matrix; every output matrix
(``syn1neg``, ``syn1``, ``syn1softmax``) is made by :func:`output_matrix`, rows padded to
whole cache lines. Which output matrices a model has, and how many rows each, is the
``TrainingConfig``'s to say; this module only builds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from w2v.config import TrainingConfig

#: Output matrices keep each row on whole cache lines of this many bytes.
CACHE_LINE_BYTES = 64


def output_matrix(rows: int, size: int, values: np.ndarray | None = None) -> np.ndarray:
    """A float32 (rows, size) output matrix whose every row starts on its own cache line.

    The output rows of frequent words (the centre and noise words of negative sampling, the
    inner nodes near the Huffman root) are written by every thread many times a second. With
    ``size * 4`` bytes not a multiple of 64, neighbouring rows share cache lines and every
    update drags the neighbour's line between cores too (false sharing); padding
    100-dimensional rows made 2-worker skip-gram about 10 % faster and hierarchical softmax
    about 20 % on 2 cores (dev corpus slice). So the rows are padded to whole cache lines
    and the returned matrix is a view of the first ``size`` columns: it behaves like any
    (rows, size) array, but is not C-contiguous.

    Parameters
    ----------
    rows, size : int
        Shape of the matrix.
    values : numpy.ndarray, optional
        Initial contents (anything of shape (rows, size)); zeros if not given.

    Examples
    --------
    >>> m = output_matrix(3, 100)
    >>> m.shape, m.strides, m.ctypes.data % 64, float(abs(m).sum())
    ((3, 100), (448, 4), 0, 0.0)
    """
    floats_per_line = CACHE_LINE_BYTES // 4
    stride = -(-size // floats_per_line) * floats_per_line
    buffer = np.zeros(rows * stride + floats_per_line, dtype=np.float32)
    start = (-buffer.ctypes.data % CACHE_LINE_BYTES) // 4
    matrix = buffer[start:start + rows * stride].reshape(rows, stride)[:, :size]
    if values is not None:
        matrix[...] = values
    return matrix


def new_outputs(config: TrainingConfig, vocab_size: int) -> dict[str, np.ndarray]:
    """Zeroed output matrices for the layers ``config`` trains, by name.

    Examples
    --------
    >>> from w2v.config import TrainingConfig
    >>> outputs = new_outputs(TrainingConfig(hs=1, negative=5, vector_size=8), vocab_size=4)
    >>> {name: matrix.shape for name, matrix in outputs.items()}
    {'syn1': (3, 8), 'syn1neg': (4, 8)}
    """
    return {layer: output_matrix(config.output_rows(layer, vocab_size), config.vector_size)
            for layer in config.output_layers}


def grown_output(layer: str, matrix: np.ndarray, config: TrainingConfig, vocab_size: int) -> np.ndarray:
    """``matrix`` (the output layer ``layer``) grown to ``vocab_size`` words, new rows zero.

    ``syn1``'s rows are the Huffman tree's inner nodes: they keep their rows while the tree
    is rebuilt over the new counts.

    Examples
    --------
    >>> from w2v.config import TrainingConfig
    >>> grown = grown_output("syn1neg", np.ones((2, 3), np.float32), TrainingConfig(vector_size=3), 3)
    >>> grown.tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    """
    rows = config.output_rows(layer, vocab_size)
    grown = output_matrix(rows, config.vector_size)
    kept = min(rows, len(matrix))
    grown[:kept] = matrix[:kept]
    return grown


def padded_rows(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` with its row padding: a C-contiguous (rows, stride) view of the same memory.

    The padding of an output matrix (see :func:`output_matrix`) is zeros that training never
    touches; seen with it, a block of whole rows is one contiguous buffer, which is what
    collective operations (an MPI allreduce) want. A C-contiguous matrix is returned as it is.

    Examples
    --------
    >>> m = output_matrix(3, 100)
    >>> padded_rows(m).shape, padded_rows(m).flags.c_contiguous, padded_rows(m)[:, :100].base is not None
    ((3, 112), True, True)
    """
    if matrix.flags.c_contiguous or len(matrix) == 0:
        return matrix
    stride = matrix.strides[0] // matrix.itemsize
    if matrix.strides[1] != matrix.itemsize or stride < matrix.shape[1]:
        raise ValueError(f"not a row-padded matrix (strides {matrix.strides})")
    return np.lib.stride_tricks.as_strided(matrix, shape=(matrix.shape[0], stride), strides=(matrix.strides[0], matrix.itemsize))
