"""Word vectors and queries on them: ``KeyedVectors``.

A ``KeyedVectors`` is a matrix (one row per key) plus the key <-> row mapping and optional
per-key attributes such as ``count``. It knows nothing about training, so it is what a
service loads and queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Union

import numpy as np

Key = str
KeyOrVector = Union[Key, np.ndarray]


class KeyedVectors:
    """Vectors looked up by key, with similarity queries.

    Parameters
    ----------
    vector_size : int
        Dimensionality of the vectors.
    count : int
        Rows to preallocate (filled later with ``add_vectors``).
    dtype : numpy dtype
        Element type of ``vectors``.

    Attributes
    ----------
    vectors : numpy.ndarray
        ``(len(self), vector_size)`` matrix, row i is the vector of ``index_to_key[i]``.
    index_to_key : list of str
    key_to_index : dict of str to int

    Examples
    --------
    >>> import numpy as np
    >>> kv = KeyedVectors(3)
    >>> kv.add_vectors(["cat", "dog", "car"], np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 0, 1]]))
    >>> [(key, round(score, 3)) for key, score in kv.most_similar("cat", topn=1)]
    [('dog', 0.994)]
    >>> kv["car"]
    array([0., 0., 1.], dtype=float32)
    """

    def __init__(self, vector_size: int, count: int = 0, dtype: np.dtype | type = np.float32):
        if int(vector_size) < 1:
            raise ValueError(f"vector_size must be >= 1, got {vector_size}")
        self.vector_size = int(vector_size)
        self.index_to_key: list[Key] = []
        self.key_to_index: dict[Key, int] = {}
        self.vectors = np.zeros((count, self.vector_size), dtype=dtype)
        self.norms: np.ndarray | None = None
        self.expandos: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ lookup

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: Key) -> bool:
        return key in self.key_to_index

    def has_index_for(self, key: Key) -> bool:
        """Whether ``key`` has a row (same as ``key in self``)."""
        return key in self.key_to_index

    def get_index(self, key: Key | int, default: int | None = None) -> int:
        """Row of ``key``; an int is taken as a row number.

        Raises
        ------
        KeyError
            If ``key`` is unknown and no ``default`` is given.
        """
        index = self.key_to_index.get(key) if isinstance(key, str) else None
        if index is not None:
            return index
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self.index_to_key):
            return int(key)
        if default is not None:
            return default
        raise KeyError(f"Key {key!r} not present in vocabulary")

    def get_vector(self, key: Key, norm: bool = False) -> np.ndarray:
        """The vector of ``key``, unit-normalised when ``norm``.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vector("a", np.array([3.0, 4.0]))
        0
        >>> kv.get_vector("a", norm=True)
        array([0.6, 0.8], dtype=float32)
        """
        index = self.get_index(key)
        if norm:
            self.fill_norms()
            return self.vectors[index] / self.norms[index]
        return self.vectors[index]

    def __getitem__(self, key_or_keys: Key | Iterable[Key]) -> np.ndarray:
        if isinstance(key_or_keys, (str, int, np.integer)):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(key) for key in key_or_keys])

    # ------------------------------------------------------------------ attributes

    def set_vecattr(self, key: Key, attr: str, value) -> None:
        """Set a per-key attribute, e.g. ``set_vecattr("cat", "count", 42)``."""
        index = self.get_index(key)
        if attr not in self.expandos:
            self.expandos[attr] = np.zeros(len(self.index_to_key), dtype=type(value) if not isinstance(value, int) else np.int64)
        self.expandos[attr][index] = value

    def get_vecattr(self, key: Key, attr: str):
        """A per-key attribute, e.g. ``get_vecattr("cat", "count")``."""
        return self.expandos[attr][self.get_index(key)].item()

    # ------------------------------------------------------------------ building

    def add_vectors(self, keys: Sequence[Key], weights: np.ndarray, extras: dict | None = None,
                    replace: bool = False) -> None:
        """Append ``keys`` with their vectors; existing keys are kept (or replaced)."""
        weights = np.asarray(weights, dtype=self.vectors.dtype).reshape(len(keys), self.vector_size)
        known = np.array([key in self.key_to_index for key in keys], dtype=bool)
        if replace and known.any():
            rows = [self.key_to_index[key] for key, is_known in zip(keys, known) if is_known]
            self.vectors[rows] = weights[known]
        new_keys = [key for key, is_known in zip(keys, known) if not is_known]
        start = len(self.index_to_key)
        for offset, key in enumerate(new_keys):
            if key in self.key_to_index:
                raise ValueError(f"duplicate key {key!r}")
            self.key_to_index[key] = start + offset
        self.index_to_key.extend(new_keys)
        self.vectors = np.vstack([self.vectors[:start], weights[~known]])
        for attr, values in self.expandos.items():
            self.expandos[attr] = np.concatenate([values[:start], np.zeros(len(new_keys), dtype=values.dtype)])
        for attr, values in (extras or {}).items():
            for key, value in zip(keys, values):
                self.set_vecattr(key, attr, value)
        self.norms = None

    def add_vector(self, key: Key, vector: np.ndarray) -> int:
        """Add one key (or overwrite its vector) and return its row."""
        self.add_vectors([key], np.asarray(vector).reshape(1, -1), replace=True)
        return self.key_to_index[key]

    # ------------------------------------------------------------------ similarity

    def fill_norms(self, force: bool = False) -> None:
        """Compute (or recompute with ``force``) the L2 norm of every vector."""
        if self.norms is None or force or len(self.norms) != len(self.vectors):
            self.norms = np.linalg.norm(self.vectors, axis=1)

    def get_normed_vectors(self) -> np.ndarray:
        """All vectors scaled to unit length (a zero vector stays zero)."""
        self.fill_norms()
        norms = np.where(self.norms > 0, self.norms, 1.0)
        return self.vectors / norms[:, np.newaxis]

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two keys.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [1.0, 1.0]]))
        >>> round(kv.similarity("a", "b"), 4)
        0.7071
        """
        a = self.get_vector(w1, norm=True)
        b = self.get_vector(w2, norm=True)
        return float(np.dot(a, b))

    def _mean_query(self, positive: Sequence[KeyOrVector], negative: Sequence[KeyOrVector]):
        """Unit mean of the weighted, normalised query vectors, and the keys to exclude."""
        terms, exclude = [], set()
        for items, weight in ((positive, 1.0), (negative, -1.0)):
            for item in items:
                if isinstance(item, str):
                    terms.append(weight * self.get_vector(item, norm=True))
                    exclude.add(self.key_to_index[item])
                else:
                    vector = np.asarray(item, dtype=np.float64)
                    terms.append(weight * vector / (np.linalg.norm(vector) or 1.0))
        if not terms:
            raise ValueError("cannot compute similarity with no input")
        mean = np.mean(terms, axis=0)
        return mean / (np.linalg.norm(mean) or 1.0), exclude

    def most_similar(self, positive: KeyOrVector | Sequence[KeyOrVector] = (),
                     negative: KeyOrVector | Sequence[KeyOrVector] = (), topn: int | None = 10,
                     restrict_vocab: int | None = None) -> list[tuple[Key, float]] | np.ndarray:
        """The ``topn`` keys closest (cosine) to the mean of ``positive`` minus ``negative``.

        Query keys are left out of the results. With ``topn=None`` all similarities are
        returned as an array.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0]]))
        >>> [key for key, _ in kv.most_similar("a")]
        ['b', 'c']
        """
        if isinstance(positive, (str, np.ndarray)):
            positive = [positive]
        if isinstance(negative, (str, np.ndarray)):
            negative = [negative]
        query, exclude = self._mean_query(positive, negative)
        limit = len(self.vectors) if restrict_vocab is None else min(restrict_vocab, len(self.vectors))
        normed = self.get_normed_vectors()[:limit]
        scores = normed @ query.astype(normed.dtype)
        if topn is None:
            return scores
        order = np.argsort(-scores, kind="stable")
        result = []
        for index in order:
            if int(index) not in exclude:
                result.append((self.index_to_key[index], float(scores[index])))
                if len(result) == topn:
                    break
        return result

    def __str__(self) -> str:
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    __repr__ = __str__
