"""The arrays the kernels read, made from the final counts: subsampling thresholds, the noise
distribution's alias table and the Huffman tree."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from w2v.vocab import _vocab

if TYPE_CHECKING:
    from w2v.config import TrainingConfig


@dataclass(frozen=True)
class TrainingTables:
    """The per-word tables one ``train()`` call reads, made from the vocabulary's counts.

    Attributes
    ----------
    keep_threshold : numpy.ndarray or None
        uint32 subsampling thresholds (``keep_thresholds``); None when ``sample == 0``.
    alias_accept, alias_other : numpy.ndarray or None
        The noise distribution (``noise_alias_table``), when negative sampling is trained.
    hs_points, hs_codes, hs_offsets : numpy.ndarray or None
        The Huffman tree (``huffman_tree``), when hierarchical softmax is trained.
    """

    keep_threshold: np.ndarray | None = None
    alias_accept: np.ndarray | None = None
    alias_other: np.ndarray | None = None
    hs_points: np.ndarray | None = None
    hs_codes: np.ndarray | None = None
    hs_offsets: np.ndarray | None = None


def training_tables(counts: np.ndarray, config: TrainingConfig) -> TrainingTables:
    """The tables ``config``'s objective needs, for words with these ``counts``.

    Examples
    --------
    >>> from w2v.config import TrainingConfig
    >>> tables = training_tables(np.array([10, 5, 1]), TrainingConfig(hs=1, negative=0))
    >>> tables.alias_accept is None, np.diff(tables.hs_offsets).tolist()
    (True, [1, 2, 2])
    """
    layers = config.output_layers
    alias = noise_alias_table(counts, config.ns_exponent) if "syn1neg" in layers else (None, None)
    tree = huffman_tree(counts) if "syn1" in layers else (None, None, None)
    return TrainingTables(keep_thresholds(counts, config.sample), *alias, *tree)


def keep_thresholds(counts: np.ndarray, sample: float) -> np.ndarray | None:
    """Per-word subsampling thresholds (the C tool's formula), or None when ``sample == 0``.

    A token of a word with count c is kept with probability
    p = (sqrt(c / (t N)) + 1) (t N) / c, capped at 1, where N is the number of retained
    words and t = ``sample`` (a ``sample`` >= 1 is read as an absolute count, as in gensim).
    The kernel keeps a token when a 32-bit random number is <= floor(p * 2**32), capped.

    Examples
    --------
    >>> thresholds = keep_thresholds(np.array([100000, 10]), 1e-3)
    >>> bool(thresholds[1] == 2**32 - 1), bool(thresholds[0] < 2**32 - 1)
    (True, True)
    """
    if not sample:
        return None
    counts = np.asarray(counts, dtype=np.float64)
    retained = counts.sum()
    threshold_count = sample * retained if sample < 1.0 else sample * (3 + math.sqrt(5)) / 2
    with np.errstate(divide="ignore"):
        probability = (np.sqrt(counts / threshold_count) + 1) * (threshold_count / counts)
    probability = np.minimum(np.nan_to_num(probability, nan=1.0, posinf=1.0), 1.0)
    return np.minimum(np.floor(probability * 2.0**32), 2.0**32 - 1).astype(np.uint32)


def expected_kept_words(counts: np.ndarray, thresholds: np.ndarray | None) -> int:
    """How many words survive subsampling per pass, on average.

    Examples
    --------
    >>> expected_kept_words(np.array([10, 20]), None)
    30
    """
    if thresholds is None:
        return int(np.sum(counts))
    return int(np.sum(counts * ((thresholds.astype(np.float64) + 1) / 2.0**32)))


def noise_alias_table(counts: np.ndarray, ns_exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """Alias table of the noise distribution, proportional to ``count ** ns_exponent``.

    Examples
    --------
    >>> accept, other = noise_alias_table(np.array([8, 1]), 1.0)
    >>> accept.dtype.name, other.dtype.name
    ('uint32', 'int32')
    """
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    total = weights.sum()
    if not np.isfinite(total) or total <= 0:
        raise ValueError(f"ns_exponent={ns_exponent} gives no usable noise distribution")
    return _vocab.alias_table(np.ascontiguousarray(weights / total))


def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Huffman tree over ``counts`` for hierarchical softmax: (points, codes, offsets).

    Word w's path from the root is ``points[offsets[w]:offsets[w + 1]]`` (rows of syn1) with
    branch bits ``codes[...]``; frequent words get short codes.

    Examples
    --------
    >>> points, codes, offsets = huffman_tree(np.array([10, 5, 1, 1]))
    >>> np.diff(offsets).tolist()
    [1, 2, 3, 3]
    """
    return _vocab.huffman_tree(np.ascontiguousarray(counts, dtype=np.int64))
