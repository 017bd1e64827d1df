"""Word vectors and queries on them: ``KeyedVectors``.

A ``KeyedVectors`` is a matrix (one row per key) plus the key <-> row mapping and optional
per-key attributes such as ``count``. It knows nothing about training, so it is what a
service loads (``KeyedVectors.load(path, mmap="r")``) and queries.

Queries follow gensim 4: cosine similarity, with each row scaled by its inverse norm. The
norms are computed once, under a lock, and kept in one immutable tuple, so any number of
threads may query at once; every query allocates its own scratch, and the heavy part is a
NumPy matrix product, which runs in BLAS without the GIL.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Union

import numpy as np

from w2v.io import native as persistence, word2vec_format as formats
from w2v.vectors import evaluation

logger = logging.getLogger(__name__)

Key = Union[str, int]
KeyOrVector = Union[str, int, np.ndarray]
WeightedQuery = Union[KeyOrVector, tuple]
PathLike = Union[str, "os.PathLike[str]"]

_KEY_TYPES = (str, int, np.integer)

#: Upper bound on the elements of one block of scores in batched queries (128 MiB of
#: float32): a block of queries is one matrix product, bigger batches take several.
BLOCK_ELEMENTS = 1 << 25
#: Rows of scores ranked at a time in batched queries.
TOPK_ROWS = 16


def _ensure_list(value: Any) -> list:
    """gensim's convention: one key or one vector stands for a list of one."""
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
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


class KeyedVectors:
    """Vectors looked up by key, with similarity queries, evaluation and persistence.

    Parameters
    ----------
    vector_size : int
        Dimensionality of the vectors.
    count : int
        Rows to preallocate: ``add_vector`` fills them in place before growing the matrix.
    dtype : numpy dtype
        Element type of ``vectors``.

    Attributes
    ----------
    vectors : numpy.ndarray
        ``(len(self), vector_size)`` matrix, row i is the vector of ``index_to_key[i]``
        (it may hold more, preallocated rows).
    index_to_key : list of str
    key_to_index : dict of str to int
    expandos : dict of str to numpy.ndarray
        Per-key attributes, one array each (``get_vecattr``/``set_vecattr``).

    Examples
    --------
    >>> import numpy as np
    >>> kv = KeyedVectors(3)
    >>> kv.add_vectors(["cat", "dog", "car"], np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 0, 1]]))
    >>> [(key, round(score, 3)) for key, score in kv.most_similar("cat", topn=1)]
    [('dog', 0.994)]
    >>> kv["car"]
    array([0., 0., 1.], dtype=float32)
    >>> "cat" in kv, len(kv)
    (True, 3)
    """

    def __init__(self, vector_size: int, count: int = 0, dtype: np.dtype | type = np.float32):
        if int(vector_size) < 1:
            raise ValueError(f"vector_size must be >= 1, got {vector_size}")
        self.vector_size = int(vector_size)
        self._keys_lock = threading.Lock()
        # Keys loaded from a file as one newline-separated text: the list and the dict are
        # built from it on first use, so that load(mmap="r") takes milliseconds.
        self._pending_keys: tuple[bytes, int] | None = None
        self._index_to_key: list[str] = []
        self._key_to_index: dict[str, int] = {}
        self.vectors = np.zeros((int(count), self.vector_size), dtype=dtype)
        self.expandos: dict[str, np.ndarray] = {}
        self._norm_lock = threading.Lock()
        # (vectors the norms belong to, norms, inverse norms with 0 for zero vectors): one
        # tuple, replaced whole, so a reader never sees norms of one matrix with another.
        self._norm_cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ copying

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_norm_lock"], state["_keys_lock"]  # locks cannot be copied; copy.deepcopy(kv) must work
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._norm_lock = threading.Lock()
        self._keys_lock = threading.Lock()

    # ------------------------------------------------------------------ keys

    def _set_key_text(self, text: bytes, count: int) -> None:
        """Take the keys as one newline-separated UTF-8 text, to be split on first use."""
        self._pending_keys = (text, count)

    def _materialise_keys(self) -> None:
        with self._keys_lock:
            if self._pending_keys is None:
                return
            text, count = self._pending_keys
            # Invalid UTF-8 (bytes of a corpus file kept by surrogateescape) comes back as it went in.
            keys = text.decode("utf-8", "surrogateescape").split("\n") if count else []
            key_to_index = dict(zip(keys, range(len(keys))))
            if len(keys) != count or len(key_to_index) != count:
                raise ValueError(f"the stored key list is damaged: {len(keys)} keys ({len(key_to_index)} "
                                 f"distinct) where {count} were saved")
            self._index_to_key, self._key_to_index = keys, key_to_index
            self._pending_keys = None

    @property
    def index_to_key(self) -> list[str]:
        """The keys, in row order.

        Examples
        --------
        >>> kv = KeyedVectors(1)
        >>> kv.add_vectors(["a", "b"], [[1.0], [2.0]])
        >>> kv.index_to_key, kv.key_to_index
        (['a', 'b'], {'a': 0, 'b': 1})
        """
        if self._pending_keys is not None:
            self._materialise_keys()
        return self._index_to_key

    @index_to_key.setter
    def index_to_key(self, keys: list[str]) -> None:
        self._materialise_keys()
        self._index_to_key = keys

    @property
    def key_to_index(self) -> dict[str, int]:
        """Key -> row (see ``index_to_key``)."""
        if self._pending_keys is not None:
            self._materialise_keys()
        return self._key_to_index

    @key_to_index.setter
    def key_to_index(self, mapping: dict[str, int]) -> None:
        self._materialise_keys()
        self._key_to_index = mapping

    # ------------------------------------------------------------------ lookup

    def __len__(self) -> int:
        pending = self._pending_keys
        return pending[1] if pending is not None else len(self._index_to_key)

    def __contains__(self, key: Key) -> bool:
        return self.has_index_for(key)

    def has_index_for(self, key: Key) -> bool:
        """Whether ``key`` has a row.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vector("a", [1.0, 0.0])
        0
        >>> kv.has_index_for("a"), kv.has_index_for("b")
        (True, False)
        """
        return self.get_index(key, -1) >= 0

    def get_index(self, key: Key, default: int | None = None) -> int:
        """Row of ``key``; an int that is not a key is taken as a row number.

        Raises
        ------
        KeyError
            If ``key`` is unknown and no ``default`` is given.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.eye(2))
        >>> kv.get_index("b"), kv.get_index(0), kv.get_index("zzz", -1)
        (1, 0, -1)
        """
        index = self.key_to_index.get(key, -1) if isinstance(key, (str, int, np.integer)) else -1
        if index >= 0:
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
            return self.vectors[index] * self._inverse_norms()[index]
        return self.vectors[index]

    word_vec = get_vector

    def __getitem__(self, key_or_keys: Key | Iterable[Key]) -> np.ndarray:
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        return self.vectors[[self.get_index(key) for key in key_or_keys]]

    def __setitem__(self, keys: Key | Sequence[Key], weights: np.ndarray) -> None:
        if isinstance(keys, _KEY_TYPES):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def _live_vectors(self) -> np.ndarray:
        """The rows that belong to a key (a view: preallocated rows are left out)."""
        return self.vectors[:len(self)]

    # ------------------------------------------------------------------ attributes

    def set_vecattr(self, key: Key, attr: str, value: Any) -> None:
        """Set a per-key attribute, e.g. ``set_vecattr("cat", "count", 42)``.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.eye(2))
        >>> kv.set_vecattr("b", "count", 7)
        >>> kv.get_vecattr("b", "count"), kv.get_vecattr("a", "count")
        (7, 0)
        """
        index = self.get_index(key)
        if attr not in self.expandos:
            self.expandos[attr] = np.zeros(len(self.index_to_key), dtype=np.asarray(value).dtype)
        self.expandos[attr][index] = value

    def get_vecattr(self, key: Key, attr: str) -> Any:
        """A per-key attribute, e.g. ``get_vecattr("cat", "count")``, as a Python scalar.

        Examples
        --------
        >>> kv = KeyedVectors(1)
        >>> kv.add_vectors(["a"], [[1.0]], extras={"count": [12]})
        >>> kv.get_vecattr("a", "count")
        12
        """
        return self.expandos[attr][self.get_index(key)].item()

    # ------------------------------------------------------------------ building

    def add_vectors(self, keys: Sequence[Key], weights: np.ndarray | Sequence, extras: dict | None = None,
                    replace: bool = False) -> None:
        """Append ``keys`` with their vectors; keys already present keep (or get) their vector.

        Parameters
        ----------
        keys : sequence of str
        weights : array-like, shape (len(keys), vector_size)
        extras : dict of str to array-like, optional
            Per-key attributes, one value per key, e.g. ``{"count": counts}``.
        replace : bool
            Overwrite the vectors (and extras) of keys already present.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], [[1, 0], [0, 1]], extras={"count": [5, 3]})
        >>> kv.add_vectors(["b", "c"], [[9, 9], [1, 1]])
        >>> kv.index_to_key, kv["b"], kv.get_vecattr("c", "count")
        (['a', 'b', 'c'], array([0., 1.], dtype=float32), 0)
        """
        keys = list(keys)
        weights = np.asarray(weights, dtype=self.vectors.dtype)
        if weights.ndim == 1 and len(keys) == 1:
            weights = weights.reshape(1, -1)
        if weights.shape != (len(keys), self.vector_size):
            raise ValueError(f"weights must have shape ({len(keys)}, {self.vector_size}), got {weights.shape}")
        known = np.fromiter((key in self.key_to_index for key in keys), dtype=bool, count=len(keys))
        new_keys = [key for key, is_known in zip(keys, known) if not is_known]
        if len(set(new_keys)) != len(new_keys):
            raise ValueError("keys to add contain duplicates")
        start, end = len(self.index_to_key), len(self.index_to_key) + len(new_keys)
        if end > len(self.vectors):
            grown = np.empty((end, self.vector_size), dtype=self.vectors.dtype)
            grown[:start] = self.vectors[:start]
            self.vectors = grown
        self.vectors[start:end] = weights[~known]
        if replace and known.any():
            self.vectors[[self.key_to_index[key] for key in np.asarray(keys, dtype=object)[known]]] = weights[known]
        self.key_to_index.update(zip(new_keys, range(start, end)))
        self.index_to_key.extend(new_keys)
        self._add_extras(keys, known, start, end, extras or {}, replace)
        self.norms = None

    def _add_extras(self, keys: list, known: np.ndarray, start: int, end: int, extras: dict, replace: bool) -> None:
        for attr, values in self.expandos.items():
            grown = np.zeros(end, dtype=values.dtype)
            grown[:start] = values[:start]
            self.expandos[attr] = grown
        for attr, values in extras.items():
            values = np.asarray(values)
            if attr not in self.expandos:
                self.expandos[attr] = np.zeros(end, dtype=values.dtype)
            self.expandos[attr][start:end] = values[~known]
            if replace and known.any():
                rows = [self.key_to_index[key] for key, is_known in zip(keys, known) if is_known]
                self.expandos[attr][rows] = values[known]

    def add_vector(self, key: Key, vector: np.ndarray | Sequence[float]) -> int:
        """Add one key (or overwrite its vector) and return its row.

        Preallocated rows (``KeyedVectors(size, count)``) are filled in place, so adding
        keys one by one into a preallocated instance does not copy the matrix each time.

        Examples
        --------
        >>> kv = KeyedVectors(2, count=2)
        >>> kv.add_vector("x", [1.0, 2.0]), kv.add_vector("y", [3.0, 4.0]), kv.vectors.shape
        (0, 1, (2, 2))
        """
        self.add_vectors([key], np.asarray(vector).reshape(1, -1), replace=True)
        return self.key_to_index[key]

    def sort_by_descending_frequency(self) -> None:
        """Reorder the rows so the most frequent keys (attribute ``count``) come first.

        Ties keep their current order.

        Examples
        --------
        >>> kv = KeyedVectors(1)
        >>> kv.add_vectors(["rare", "common"], [[1.0], [2.0]], extras={"count": [1, 9]})
        >>> kv.sort_by_descending_frequency()
        >>> kv.index_to_key, kv["common"]
        (['common', 'rare'], array([2.], dtype=float32))
        """
        if not len(self):
            return
        if "count" not in self.expandos:
            raise ValueError("sort_by_descending_frequency needs the attribute 'count' (set_vecattr)")
        order = np.argsort(-self.expandos["count"][:len(self)], kind="stable")
        self.index_to_key = [self.index_to_key[i] for i in order]
        self.key_to_index = {key: i for i, key in enumerate(self.index_to_key)}
        self.vectors = self._live_vectors()[order]
        for attr, values in self.expandos.items():
            self.expandos[attr] = values[:len(order)][order]
        self.norms = None

    # ------------------------------------------------------------------ norms

    @property
    def norms(self) -> np.ndarray | None:
        """The L2 norm of every vector, or None until ``fill_norms`` (or a query) runs.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a"], [[3.0, 4.0]])
        >>> kv.norms is None, kv.similarity("a", "a"), kv.norms
        (True, 1.0, array([5.], dtype=float32))
        """
        cache = self._norm_cache
        return cache[1] if cache is not None and cache[0] is self.vectors else None

    @norms.setter
    def norms(self, value: np.ndarray | None) -> None:
        # Code that changes the vectors in place sets ``norms = None`` (as with gensim).
        if value is None:
            self._norm_cache = None
        else:
            norms = np.asarray(value)
            self._norm_cache = (self.vectors, norms, self._inverse(norms))

    @staticmethod
    def _inverse(norms: np.ndarray) -> np.ndarray:
        inverse = np.zeros_like(norms)
        np.divide(1.0, norms, out=inverse, where=norms > 0)
        return inverse

    def fill_norms(self, force: bool = False) -> None:
        """Compute (or recompute with ``force``) the L2 norm of every vector.

        Thread-safe: concurrent callers compute the norms once.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], [[3.0, 4.0], [0.0, 2.0]])
        >>> kv.fill_norms()
        >>> kv.norms
        array([5., 2.], dtype=float32)
        """
        with self._norm_lock:
            cache = self._norm_cache
            if force or cache is None or cache[0] is not self.vectors or len(cache[1]) != len(self):
                live = self._live_vectors()
                norms = np.sqrt(np.einsum("ij,ij->i", live, live))  # no n x d temporary
                self._norm_cache = (self.vectors, norms, self._inverse(norms))

    def _inverse_norms(self) -> np.ndarray:
        """1 / norm of every row (0 for a zero vector), computed once."""
        cache = self._norm_cache
        if cache is None or cache[0] is not self.vectors or len(cache[1]) != len(self):
            self.fill_norms()
            cache = self._norm_cache
        return cache[2]

    def get_normed_vectors(self) -> np.ndarray:
        """All vectors scaled to unit length (a zero vector stays zero), as a new matrix.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a"], [[3.0, 4.0]])
        >>> kv.get_normed_vectors()
        array([[0.6, 0.8]], dtype=float32)
        """
        return self._live_vectors() * self._inverse_norms()[:, np.newaxis]

    def unit_normalize_all(self) -> None:
        """Replace every vector by its unit-length version (irreversible).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a"], [[3.0, 4.0]])
        >>> kv.unit_normalize_all()
        >>> kv["a"]
        array([0.6, 0.8], dtype=float32)
        """
        self.vectors = self.get_normed_vectors()
        self.fill_norms(force=True)

    # ------------------------------------------------------------------ pair queries

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two keys.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [1.0, 1.0]]))
        >>> round(kv.similarity("a", "b"), 4)
        0.7071
        """
        return float(np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)))

    def distance(self, w1: Key, w2: Key) -> float:
        """Cosine distance, ``1 - similarity(w1, w2)``.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> kv.distance("a", "b")
        1.0
        """
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[Key], ws2: Sequence[Key]) -> float:
        """Cosine similarity of the means of two sets of keys (raw vectors, as gensim).

        Raises
        ------
        ZeroDivisionError
            If either set is empty (gensim's exception, kept for compatibility).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        >>> round(kv.n_similarity(["a", "b"], ["c"]), 4)
        1.0
        """
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("n_similarity needs two non-empty lists of keys")
        mean1 = self.get_mean_vector(ws1, pre_normalize=False, ignore_missing=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False, ignore_missing=False)
        return float(np.dot(_unit(mean1), _unit(mean2)))

    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """Cosine similarity of one vector with each row of a matrix.

        Examples
        --------
        >>> KeyedVectors.cosine_similarities(np.array([1.0, 0.0]), np.array([[2.0, 0.0], [0.0, 3.0]]))
        array([1., 0.])
        """
        vector_1 = np.asarray(vector_1)
        vectors_all = np.asarray(vectors_all)
        norms = np.linalg.norm(vectors_all, axis=1) * np.linalg.norm(vector_1)
        return (vectors_all @ vector_1) / norms

    def distances(self, word_or_vector: KeyOrVector, other_words: Sequence[Key] = ()) -> np.ndarray:
        """Cosine distances from a key or vector to ``other_words`` (default: every key).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> kv.distances("a")
        array([0., 1.], dtype=float32)
        >>> kv.distances(np.array([0.0, 2.0]), ["a"])
        array([1.])
        """
        if isinstance(word_or_vector, _KEY_TYPES):
            query = self.get_vector(word_or_vector, norm=True)
        else:
            query = _unit(self._query_vector(word_or_vector))
        if len(other_words):
            rows = [self.get_index(key) for key in other_words]
            return 1 - (self.vectors[rows] @ query) * self._inverse_norms()[rows]
        return 1 - (self._live_vectors() @ query) * self._inverse_norms()

    def closer_than(self, key1: Key, key2: Key) -> list[str]:
        """Every key closer to ``key1`` than ``key2`` is (``key1`` left out).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]]))
        >>> kv.closer_than("a", "c")
        ['b']
        """
        distances = self.distances(key1)
        first, second = self.get_index(key1), self.get_index(key2)
        closer = np.flatnonzero(distances < distances[second])
        return [self.index_to_key[i] for i in closer if i != first]

    words_closer_than = closer_than

    def rank(self, key1: Key, key2: Key) -> int:
        """Rank of ``key2`` among the neighbours of ``key1`` (1 = nearest).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]]))
        >>> kv.rank("a", "b"), kv.rank("a", "c")
        (1, 2)
        """
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1: Key, keys_list: Sequence[Key]) -> Key:
        """The key of ``keys_list`` most similar to ``key1``.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]]))
        >>> kv.most_similar_to_given("a", ["c", "b"])
        'b'
        """
        return keys_list[int(np.argmax([self.similarity(key1, key) for key in keys_list]))]

    def rank_by_centrality(self, words: Sequence[str], use_norm: bool = True) -> list[tuple[float, str]]:
        """``(similarity to the centroid, word)`` for the known ``words``, most central first.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["cat", "dog", "car"], np.array([[1.0, 0.1], [1.0, 0.0], [0.0, 1.0]]))
        >>> [word for _, word in kv.rank_by_centrality(["cat", "dog", "car"])]
        ['cat', 'dog', 'car']
        """
        used = [word for word in words if word in self]
        if len(used) != len(words):
            logger.warning("vectors for words %s are not present in the model, ignoring these words",
                           sorted(set(words) - set(used)))
        if not used:
            raise ValueError("cannot select a word from an empty list")
        vectors = np.vstack([self.get_vector(word, norm=use_norm) for word in used])
        scores = vectors @ _unit(vectors.mean(axis=0))
        return sorted(zip(scores.tolist(), used), reverse=True)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the centroid of ``words`` (unknown words are ignored).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["cat", "dog", "car"], np.array([[1.0, 0.1], [1.0, 0.0], [0.0, 1.0]]))
        >>> kv.doesnt_match(["cat", "dog", "car"])
        'car'
        """
        return self.rank_by_centrality(words)[-1][1]

    # ------------------------------------------------------------------ neighbour queries

    def get_mean_vector(self, keys: Sequence[KeyOrVector], weights: Sequence[float] | np.ndarray | None = None,
                        pre_normalize: bool = True, post_normalize: bool = False,
                        ignore_missing: bool = True) -> np.ndarray:
        """Weighted mean of the vectors of ``keys`` (a vector may stand in for a key).

        As in gensim, key vectors are unit-normalised first when ``pre_normalize``, a
        vector given directly is used as it is, and the sum is divided by the total
        absolute weight.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[2.0, 0.0], [0.0, 4.0]]))
        >>> kv.get_mean_vector(["a", "b"])
        array([0.5, 0.5], dtype=float32)
        >>> kv.get_mean_vector(["a", "zzz"], post_normalize=True)
        array([1., 0.], dtype=float32)
        """
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, dtype=np.float64)
        if len(weights) != len(keys):
            raise ValueError("keys and weights array must have same number of elements")
        mean = np.zeros(self.vector_size, dtype=np.float64)
        total = 0.0
        for key, weight in zip(keys, weights):
            if isinstance(key, np.ndarray):
                vector = self._query_vector(key)
            elif self.has_index_for(key):
                vector = self.get_vector(key, norm=pre_normalize)
            elif not ignore_missing:
                raise KeyError(f"Key {key!r} not present in vocabulary")
            else:
                continue
            mean += weight * vector
            total += abs(weight)
        if total > 0:
            mean /= total
        if post_normalize:
            mean = _unit(mean)
        return mean.astype(self.vectors.dtype)

    def _query_vector(self, vector: Any) -> np.ndarray:
        """A vector given in a query, as float64, checked to have this model's size."""
        array = np.asarray(vector, dtype=np.float64)
        if array.shape != (self.vector_size,):
            raise ValueError(f"a query vector must have shape ({self.vector_size},), got {array.shape}")
        return array

    def _weighted_terms(self, positive: Any, negative: Any) -> tuple[list, np.ndarray]:
        """gensim's query convention: keys/vectors, or (key, weight) pairs; negatives weigh -1."""
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        items = positive + negative
        weights = np.concatenate([np.ones(len(positive)), -np.ones(len(negative))])
        keys = []
        for i, item in enumerate(items):
            if isinstance(item, (*_KEY_TYPES, np.ndarray)):
                keys.append(item)
            else:
                keys.append(item[0])
                weights[i] = item[1]
        return keys, weights

    def _query_rows(self, keys: Iterable[Any]) -> set[int]:
        """Rows of the keys among ``keys`` (vectors have none): results leave them out."""
        return {self.get_index(key) for key in keys
                if isinstance(key, _KEY_TYPES) and self.has_index_for(key)}

    def _limit(self, restrict_vocab: int | None) -> int:
        return len(self) if not restrict_vocab else min(int(restrict_vocab), len(self))

    def _scores(self, query: np.ndarray, limit: int) -> np.ndarray:
        """Cosine of ``query`` (unit length) with each of the first ``limit`` rows."""
        return (self.vectors[:limit] @ query.astype(self.vectors.dtype)) * self._inverse_norms()[:limit]

    def _ranked(self, scores: np.ndarray, topn: int, exclude: set[int]) -> list[tuple[str, float]]:
        best = top_k(scores, topn + len(exclude))
        result = [(self.index_to_key[i], float(scores[i])) for i in best.tolist() if i not in exclude]
        return result[:topn]

    def most_similar(self, positive: WeightedQuery | Sequence[WeightedQuery] | None = None,
                     negative: WeightedQuery | Sequence[WeightedQuery] | None = None,
                     topn: int | None = 10, restrict_vocab: int | None = None,
                     indexer: Any = None) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` keys closest to the mean of ``positive`` minus ``negative`` (3CosAdd).

        Parameters
        ----------
        positive, negative : key, vector, or list of keys / vectors / (key, weight) pairs
            The query: unit-normalised key vectors (a vector given directly is used as it
            is) are averaged with weight +1 (positive) or -1 (negative), or the weight given
            in a pair, then normalised.
        topn : int or None
            Number of results; ``None`` returns the similarity of every key, as an array.
        restrict_vocab : int, optional
            Only search the first ``restrict_vocab`` rows (the most frequent keys when the
            vocabulary is sorted).
        indexer : object, optional
            An approximate nearest-neighbour index with ``most_similar(vector, topn)``.

        Returns
        -------
        list of (str, float)
            Keys and cosine similarities, best first; the query keys are left out.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["man", "woman", "king", "queen"],
        ...                np.array([[1.0, 0.0], [1.0, 1.0], [3.0, 0.2], [3.0, 2.9]]))
        >>> kv.most_similar(positive=["woman", "king"], negative=["man"], topn=1)[0][0]
        'queen'
        >>> [key for key, _ in kv.most_similar("man")]
        ['king', 'queen', 'woman']
        """
        if isinstance(topn, (int, np.integer)) and topn < 1:
            return []
        keys, weights = self._weighted_terms(positive, negative)
        query = self.get_mean_vector(keys, weights, pre_normalize=True, post_normalize=True, ignore_missing=False)
        if indexer is not None and isinstance(topn, (int, np.integer)):
            return indexer.most_similar(query, topn)
        scores = self._scores(query, self._limit(restrict_vocab))
        if topn is None:
            return scores
        return self._ranked(scores, int(topn), self._query_rows(keys))

    def similar_by_key(self, key: Key, topn: int | None = 10,
                       restrict_vocab: int | None = None) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` keys most similar to ``key`` (``most_similar(positive=[key])``).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0]]))
        >>> kv.similar_by_word("a", topn=1)[0][0]
        'b'
        """
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_word = similar_by_key

    def similar_by_vector(self, vector: np.ndarray, topn: int | None = 10,
                          restrict_vocab: int | None = None) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` keys most similar to ``vector`` (no key is left out).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> kv.similar_by_vector(np.array([0.1, 1.0]), topn=1)[0][0]
        'b'
        """
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive: KeyOrVector | Sequence[KeyOrVector] | None = None,
                            negative: KeyOrVector | Sequence[KeyOrVector] | None = None,
                            topn: int | None = 10,
                            restrict_vocab: int | None = None) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` keys by the multiplicative objective 3CosMul (Levy & Goldberg 2014).

        score(x) = prod over positives of (1 + cos(x, p)) / 2, divided by
        (prod over negatives of (1 + cos(x, n)) / 2) + 1e-6. Unlike gensim, a vector given
        directly is normalised too, so every term really is a cosine, and
        ``restrict_vocab`` is honoured (gensim ignores it here).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["man", "woman", "king", "queen"],
        ...                np.array([[1.0, 0.0], [1.0, 1.0], [3.0, 0.2], [3.0, 2.9]]))
        >>> kv.most_similar_cosmul(positive=["woman", "king"], negative=["man"], topn=1)[0][0]
        'queen'
        """
        if isinstance(topn, (int, np.integer)) and topn < 1:
            return []
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        terms = np.array([self.get_vector(item, norm=True) if isinstance(item, _KEY_TYPES)
                          else _unit(np.asarray(item, dtype=np.float64)) for item in positive + negative],
                         dtype=self.vectors.dtype)
        limit = self._limit(restrict_vocab)
        # One product for every term: (limit x d) @ (d x terms), each column a cosine.
        shifted = (1 + (self.vectors[:limit] @ terms.T) * self._inverse_norms()[:limit, np.newaxis]) / 2
        scores = shifted[:, :len(positive)].prod(axis=1) / (shifted[:, len(positive):].prod(axis=1) + 1e-6)
        if topn is None:
            return scores
        return self._ranked(scores, int(topn), self._query_rows(positive + negative))

    def most_similar_batch(self, queries: Sequence[KeyOrVector] | np.ndarray, topn: int = 10,
                           restrict_vocab: int | None = None) -> list[list[tuple[str, float]]]:
        """``most_similar`` for many queries at once, in one matrix product.

        Each query (a key, or a vector) gives the same result as ``most_similar(query)``,
        but all the similarities come from a single BLAS matrix product (split in blocks
        of at most ``BLOCK_ELEMENTS`` scores for huge batches), which is much faster than
        a Python loop of queries and runs without the GIL.

        Parameters
        ----------
        queries : sequence of keys or vectors, or a 2-D array (one vector per row)
        topn : int
        restrict_vocab : int, optional

        Returns
        -------
        list of list of (str, float)
            One result list per query, in order.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0]]))
        >>> [[key for key, _ in result] for result in kv.most_similar_batch(["a", "c"], topn=1)]
        [['b'], ['b']]
        """
        queries = list(queries) if not isinstance(queries, np.ndarray) else list(np.atleast_2d(queries))
        if not queries or topn < 1:
            return [[] for _ in queries]
        matrix = np.empty((len(queries), self.vector_size), dtype=self.vectors.dtype)
        own_rows = np.full(len(queries), -1, dtype=np.intp)
        for i, query in enumerate(queries):
            if isinstance(query, _KEY_TYPES):
                own_rows[i] = self.get_index(query)
                matrix[i] = self.get_vector(query, norm=True)
            else:
                matrix[i] = _unit(self._query_vector(query))
        limit = self._limit(restrict_vocab)
        inverse = self._inverse_norms()[:limit]
        block = max(1, BLOCK_ELEMENTS // max(limit, 1))
        results = []
        for start in range(0, len(queries), block):
            scores = matrix[start:start + block] @ self.vectors[:limit].T
            scores *= inverse
            rows = np.arange(len(scores))
            own = own_rows[start:start + block]
            inside = (own >= 0) & (own < limit)
            scores[rows[inside], own[inside]] = -np.inf  # a key is not its own neighbour
            results.extend(self._batch_results(scores, topn))
        return results

    def _batch_results(self, scores: np.ndarray, topn: int) -> Iterable[list[tuple[str, float]]]:
        # Select a few rows at a time: argpartition's index array for all rows at once
        # would be twice the size of the scores (int64), a big allocation for nothing.
        for start in range(0, len(scores), TOPK_ROWS):
            part = scores[start:start + TOPK_ROWS]
            best = top_k(part, topn)
            best_scores = np.take_along_axis(part, best, axis=1)
            for indices, values in zip(best.tolist(), best_scores.tolist()):
                yield [(self.index_to_key[i], value) for i, value in zip(indices, values) if value != -np.inf]

    # ------------------------------------------------------------------ evaluation

    def evaluate_word_analogies(self, analogies: PathLike, restrict_vocab: int = 300000,
                                case_insensitive: bool = True, dummy4unknown: bool = False,
                                similarity_function: str = "most_similar") -> tuple[float, list[dict]]:
        """Accuracy on an analogy test set such as ``questions-words.txt``.

        See :func:`w2v.vectors.evaluation.evaluate_word_analogies` for the parameters, the file
        format, the result and an example.
        """
        return evaluation.evaluate_word_analogies(self, analogies, restrict_vocab, case_insensitive, dummy4unknown,
                                       similarity_function)

    def evaluate_word_pairs(self, pairs: PathLike, delimiter: str = "\t", encoding: str = "utf8",
                            restrict_vocab: int = 300000, case_insensitive: bool = True,
                            dummy4unknown: bool = False) -> tuple[tuple[float, float], tuple[float, float], float]:
        """Correlation with human similarity judgements such as ``wordsim353.tsv``.

        See :func:`w2v.vectors.evaluation.evaluate_word_pairs` for the parameters, the file format,
        the result and an example.
        """
        return evaluation.evaluate_word_pairs(self, pairs, delimiter, encoding, restrict_vocab, case_insensitive,
                                   dummy4unknown)

    # ------------------------------------------------------------------ persistence

    def save(self, path: PathLike) -> None:
        """Save to one file in w2v's native format (no pickle; see ``w2v.io.native``).

        The write is atomic: a crash mid-save leaves any previous file intact.

        Examples
        --------
        See ``load``.
        """
        persistence.save_keyed_vectors(self, path)

    @classmethod
    def load(cls, path: PathLike, mmap: str | None = None) -> "KeyedVectors":
        """Load vectors saved by ``save`` (or by ``Word2Vec.save``: its ``wv``).

        Parameters
        ----------
        path : str or os.PathLike
        mmap : {None, "r", "c"}
            ``"r"`` maps the arrays read-only straight from the file, so loading takes
            milliseconds and every process mapping the file shares one copy in memory;
            ``"c"`` maps them copy-on-write (writable, changes stay private).

        Examples
        --------
        >>> import os, tempfile
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> path = os.path.join(tempfile.mkdtemp(), "vectors.w2v")
        >>> kv.save(path)
        >>> loaded = KeyedVectors.load(path, mmap="r")
        >>> loaded.index_to_key, loaded["b"]
        (['a', 'b'], array([0., 1.], dtype=float32))
        """
        return persistence.load_keyed_vectors(path, mmap=mmap, cls=cls)

    def save_word2vec_format(self, fname: PathLike, fvocab: PathLike | None = None, binary: bool = False,
                             total_vec: int | None = None, write_header: bool = True, prefix: str = "",
                             sort_attr: str = "count") -> None:
        """Save in the C word2vec tool's text or binary format (``.gz``/``.bz2`` compress).

        See :func:`w2v.io.word2vec_format.save_word2vec_format`.

        Examples
        --------
        >>> import os, tempfile
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a"], [[0.5, -1.0]])
        >>> path = os.path.join(tempfile.mkdtemp(), "vectors.bin.gz")
        >>> kv.save_word2vec_format(path, binary=True)
        >>> KeyedVectors.load_word2vec_format(path, binary=True)["a"]
        array([ 0.5, -1. ], dtype=float32)
        """
        formats.save_word2vec_format(self, fname, fvocab=fvocab, binary=binary, total_vec=total_vec,
                             write_header=write_header, prefix=prefix, sort_attr=sort_attr)

    @classmethod
    def load_word2vec_format(cls, fname: PathLike, fvocab: PathLike | None = None, binary: bool = False,
                             encoding: str = "utf8", unicode_errors: str = "strict", limit: int | None = None,
                             datatype: type = np.float32, no_header: bool = False) -> "KeyedVectors":
        """Load a file in the C word2vec tool's text or binary format.

        See :func:`w2v.io.word2vec_format.load_word2vec_format`.

        Examples
        --------
        See ``save_word2vec_format``.
        """
        return formats.load_word2vec_format(fname, fvocab=fvocab, binary=binary, encoding=encoding,
                                    unicode_errors=unicode_errors, limit=limit, datatype=datatype,
                                    no_header=no_header, cls=cls)

    def __str__(self) -> str:
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    __repr__ = __str__
