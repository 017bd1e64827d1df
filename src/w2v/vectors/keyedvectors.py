"""Word vectors and queries on them: ``KeyedVectors``.

A ``KeyedVectors`` is a matrix (one row per key) plus the key <-> row mapping and optional
per-key attributes such as ``count``. It knows nothing about training, so it is what a
service loads (``KeyedVectors.load(path, mmap="r")``) and queries.

The norms are computed once, under a lock, and kept in one immutable tuple, so any number of
threads may query at once. The queries themselves are ``w2v.vectors.queries``'s
``SimilarityQueries``, which ``KeyedVectors`` inherits.

The vectors may be stored as float16 (``save(path, dtype="float16")``, or
``KeyedVectors(size, dtype=np.float16)``): half the file and the memory, while norms and
queries compute in float32 (``rows.float_row_blocks``).

Why it is longer than 600 lines: it is gensim's ``KeyedVectors`` storage surface (keys,
attributes, building, norms, files, conversion to and from gensim) in one class, and each
public method carries its documentation and doctest; the work behind the file methods is in
``w2v.io`` and ``w2v.gensim_compat``, the queries in ``w2v.vectors.queries``.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Union

import numpy as np

from w2v.io import FormatError, native as persistence, word2vec_format as formats
from w2v.vectors import evaluation
from w2v.vectors.queries import Key, SimilarityQueries
from w2v.vectors.rows import KEY_TYPES, compute_dtype, float_row_blocks

logger = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]


def storable(values: np.ndarray | Sequence, dtype: np.dtype) -> np.ndarray:
    """``values`` as an array of ``dtype``, refusing finite values that type cannot hold.

    Casting 1e5 to float16 gives inf: a vector that silently became infinite would answer
    every query with NaN, so it is an error instead.

    Examples
    --------
    >>> storable([[1.5, -2.0]], np.dtype(np.float16))
    array([[ 1.5, -2. ]], dtype=float16)
    >>> storable([[1e5, 0.0]], np.dtype(np.float16))
    Traceback (most recent call last):
    ...
    ValueError: a value of the vectors (1e+05) is beyond the range of float16 (±65504)
    """
    dtype = np.dtype(dtype)
    original = np.asarray(values)
    with np.errstate(over="ignore", invalid="ignore"):  # NumPy warns of the overflow it makes: checked below
        converted = original.astype(dtype, copy=False)
    if dtype.kind == "f" and original.dtype != dtype and converted.size and not np.isfinite(converted).all():
        overflow = np.isinf(converted) & np.isfinite(original)
        if overflow.any():
            raise ValueError(f"a value of the vectors ({original[overflow].flat[0]:.4g}) is beyond the range of "
                             f"{dtype.name} (±{np.finfo(dtype).max:.5g})")
    return converted


class KeyedVectors(SimilarityQueries):
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
    vectors_lockf : numpy.ndarray
        Learning-rate factor of each vector when a ``Word2Vec`` trains it (gensim 4's lock
        factors): ``[1.0]``, one factor for every key, by default; set one float32 factor
        per key (``np.ones(len(kv), dtype=np.float32)``) and 0.0 freezes a key's vector.
        Adding keys extends a per-key array with 1.0.

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
        self.vectors_lockf = np.ones(1, dtype=np.float32)
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
                raise FormatError(f"the stored key list is damaged: {len(keys)} keys ({len(key_to_index)} "
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
            return np.multiply(self.vectors[index], self._inverse_norms()[index],
                               dtype=compute_dtype(self.vectors.dtype))
        return self.vectors[index]

    word_vec = get_vector

    def __getitem__(self, key_or_keys: Key | Iterable[Key]) -> np.ndarray:
        if isinstance(key_or_keys, KEY_TYPES):
            return self.get_vector(key_or_keys)
        return self.vectors[[self.get_index(key) for key in key_or_keys]]

    def __setitem__(self, keys: Key | Sequence[Key], weights: np.ndarray) -> None:
        if isinstance(keys, KEY_TYPES):
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
        keys : sequence of str, or one key
        weights : array-like, shape (len(keys), vector_size), or one vector for one key
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
        >>> kv.add_vectors("d", [2, 2])  # one key and its vector, as gensim allows
        >>> kv["d"]
        array([2., 2.], dtype=float32)
        """
        if isinstance(keys, KEY_TYPES):
            keys, weights = [keys], np.reshape(weights, (1, -1))
            extras = {attr: np.reshape(value, (1,)) for attr, value in (extras or {}).items()}
        keys = list(keys)
        weights = storable(weights, self.vectors.dtype)
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
        if len(self.vectors_lockf) == start > 1:  # one factor per key: new keys learn fully
            self.vectors_lockf = np.concatenate([self.vectors_lockf, np.ones(end - start, dtype=np.float32)])
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

    def vectors_for_all(self, keys: Iterable[Key], allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> "KeyedVectors":
        """A new ``KeyedVectors`` holding the vectors of those ``keys`` that are present.

        Keys keep their first-seen order, duplicates and unknown keys are left out (as
        gensim's, whose ``allow_inference`` only matters for FastText's subword vectors:
        these vectors infer nothing). Without ``copy_vecattrs`` the ``count`` attribute gets
        gensim's stand-in counts, descending from the number of keys.

        Parameters
        ----------
        keys : iterable of str
        allow_inference : bool
            Accepted for gensim compatibility.
        copy_vecattrs : bool
            Copy the per-key attributes (``count``...) too.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.eye(3, 2), extras={"count": [3, 2, 1]})
        >>> subset = kv.vectors_for_all(["c", "zzz", "a", "c"], copy_vecattrs=True)
        >>> subset.index_to_key, subset.get_vecattr("c", "count")
        (['c', 'a'], 1)
        """
        wanted = [key for key in dict.fromkeys(keys) if self.has_index_for(key)]
        rows = [self.get_index(key) for key in wanted]
        # Without the attributes, gensim's stand-in counts (descending), as for a loaded C-format file.
        extras = {attr: values[rows] for attr, values in self.expandos.items()} if copy_vecattrs else \
            {"count": np.arange(len(rows), 0, -1, dtype=np.int64)}
        subset = type(self)(self.vector_size, dtype=self.vectors.dtype)
        subset.add_vectors(wanted, self.vectors[rows], extras=extras)
        return subset

    def resize_vectors(self, seed: int = 0) -> None:
        """Give every key in ``index_to_key`` a row, as gensim's ``resize_vectors``.

        For keys appended to ``index_to_key``/``key_to_index`` by hand: the matrix grows (or
        shrinks) to one row per key, new rows drawn uniformly from [-1/d, 1/d) with ``seed``
        (as gensim's), new attributes 0 and new lock factors 1.0.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a"], [[1.0, 0.0]])
        >>> kv.index_to_key.append("b"); kv.key_to_index["b"] = 1
        >>> kv.resize_vectors()
        >>> kv.vectors.shape, bool(abs(kv["b"]).max() <= 0.5)
        ((2, 2), True)
        """
        count = len(self.index_to_key)
        old = min(len(self.vectors), count)
        vectors = np.empty((count, self.vector_size), dtype=self.vectors.dtype)
        vectors[:old] = self.vectors[:old]
        fresh = np.random.default_rng(seed).random((count - old, self.vector_size))
        vectors[old:] = (fresh * 2 - 1) / self.vector_size
        self.vectors = vectors
        for attr, values in self.expandos.items():
            self.expandos[attr] = np.concatenate([values[:count], np.zeros(max(count - len(values), 0), values.dtype)])
        if len(self.vectors_lockf) > 1:
            self.vectors_lockf = np.concatenate([self.vectors_lockf[:count],
                                                 np.ones(max(count - len(self.vectors_lockf), 0), np.float32)])
        self.norms = None

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
        if len(self.vectors_lockf) == len(order) > 1:
            self.vectors_lockf = self.vectors_lockf[order]
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
                vectors = self.vectors
                norms = np.empty(len(self), dtype=compute_dtype(vectors.dtype))
                for start, block in float_row_blocks(vectors, len(self)):
                    # no n x d temporary
                    np.sqrt(np.einsum("ij,ij->i", block, block), out=norms[start:start + len(block)])
                self._norm_cache = (vectors, norms, self._inverse(norms))

    def _inverse_norms(self) -> np.ndarray:
        """1 / norm of every row (0 for a zero vector), computed once."""
        cache = self._norm_cache
        if cache is None or cache[0] is not self.vectors or len(cache[1]) != len(self):
            self.fill_norms()
            cache = self._norm_cache
        return cache[2]

    def init_sims(self, replace: bool = False) -> None:
        """Deprecated (as in gensim 4): compute the norms; ``replace=True`` normalises in place.

        Queries compute the norms themselves; use ``fill_norms()``, or
        ``unit_normalize_all()`` to replace the vectors by unit vectors.

        Examples
        --------
        >>> import warnings
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a"], [[3.0, 4.0]])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", DeprecationWarning)
        ...     kv.init_sims(replace=True)
        >>> kv["a"]
        array([0.6, 0.8], dtype=float32)
        """
        warnings.warn("init_sims() is deprecated, as in gensim 4: use fill_norms(), or unit_normalize_all() "
                      "for replace=True", DeprecationWarning, stacklevel=2)
        self.fill_norms()
        if replace:
            self.unit_normalize_all()

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
        """Replace every vector by its unit-length version (irreversible), in the same type.

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a"], [[3.0, 4.0]])
        >>> kv.unit_normalize_all()
        >>> kv["a"]
        array([0.6, 0.8], dtype=float32)
        """
        self.vectors = self.get_normed_vectors().astype(self.vectors.dtype, copy=False)
        self.fill_norms(force=True)

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

    def save(self, path: PathLike, dtype: np.dtype | type | str | None = None) -> None:
        """Save to one file in w2v's native format (no pickle; see ``w2v.io.native``).

        The write is atomic: a crash mid-save leaves any previous file intact.

        Parameters
        ----------
        path : str or os.PathLike
        dtype : {None, "float16", "float32", "float64"}
            Store the vectors in this type (default: as they are). ``"float16"`` halves
            the file, and the memory of a model loaded from it; ``load`` returns float16
            vectors, which queries read in float32.

        Raises
        ------
        ValueError
            If ``dtype`` is not a float type, or a vector has a value it cannot hold
            (beyond ±65504 for float16).

        Examples
        --------
        >>> import os, tempfile
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], [[0.5, 1.0], [0.25, -2.0]])
        >>> path = os.path.join(tempfile.mkdtemp(), "half.kv")
        >>> kv.save(path, dtype="float16")
        >>> KeyedVectors.load(path, mmap="r").vectors.dtype
        dtype('float16')
        """
        vectors = None
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise ValueError(f"dtype must be float16, float32 or float64, got {dtype}")
            vectors = storable(self._live_vectors(), dtype)
        persistence.save_keyed_vectors(self, path, vectors=vectors)

    @classmethod
    def load(cls, path: PathLike, mmap: str | None = None, verify: bool | None = None) -> "KeyedVectors":
        """Load vectors saved by ``save`` (or by ``Word2Vec.save``: its ``wv``).

        Parameters
        ----------
        path : str or os.PathLike
        mmap : {None, "r", "c"}
            ``"r"`` maps the arrays read-only straight from the file, so loading takes
            milliseconds and every process mapping the file shares one copy in memory;
            ``"c"`` maps them copy-on-write (writable, changes stay private).
        verify : bool, optional
            Check every array against the checksum (CRC-32) written with it, and raise
            ``FormatError`` if one differs. Default: yes when reading into memory (about a
            third more time), no with ``mmap`` (it would read every page at load);
            ``verify=True`` with ``mmap`` checks at load time too.

        Raises
        ------
        FormatError
            The file is not a w2v file, is damaged or truncated, or is from a newer w2v.

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
        return persistence.load_keyed_vectors(path, mmap=mmap, cls=cls, verify=verify)

    def save_word2vec_format(self, fname: PathLike, fvocab: PathLike | None = None, binary: bool = False,
                             total_vec: int | None = None, write_header: bool = True, prefix: str = "",
                             append: bool = False, sort_attr: str = "count") -> None:
        """Save in the C word2vec tool's text or binary format (``.gz``/``.bz2`` compress), with
        gensim's parameters (``append``, ``write_header``, ``prefix``, ``sort_attr``...).

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
                             write_header=write_header, prefix=prefix, append=append, sort_attr=sort_attr)

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

    def intersect_word2vec_format(self, fname: PathLike, lockf: float = 0.0, binary: bool = False,
                                  encoding: str = "utf8", unicode_errors: str = "strict") -> int:
        """Start from pretrained vectors: the keys of this object found in a C-format file take
        the file's vectors, and the lock factor ``lockf`` (0.0, the default, freezes them
        during later training; 1.0 lets them train on). No key is added.

        See ``w2v.io.word2vec_format.intersect_word2vec_format``.

        Returns
        -------
        int
            How many keys took a vector from the file.

        Examples
        --------
        See ``w2v.io.word2vec_format.intersect_word2vec_format``.
        """
        return formats.intersect_word2vec_format(self, fname, lockf=lockf, binary=binary, encoding=encoding,
                                                 unicode_errors=unicode_errors)

    @classmethod
    def from_gensim(cls, kv: Any) -> "KeyedVectors":
        """A copy of a gensim 4 ``KeyedVectors``: keys, vectors, numeric attributes, lock factors.

        For vectors saved with gensim's pickle: load them with gensim (only files you trust:
        unpickling runs code) and pass the object here; w2v never unpickles.

        Examples
        --------
        >>> from gensim.models import KeyedVectors as GensimKeyedVectors  # doctest: +SKIP
        >>> theirs = GensimKeyedVectors(2)  # doctest: +SKIP
        >>> theirs.add_vectors(["a"], [[1.0, 2.0]])  # doctest: +SKIP
        >>> KeyedVectors.from_gensim(theirs)["a"]  # doctest: +SKIP
        array([1., 2.], dtype=float32)
        """
        from w2v.gensim_compat import keyed_vectors_from_gensim
        return keyed_vectors_from_gensim(cls, kv)

    def to_gensim(self) -> Any:
        """A gensim 4 ``KeyedVectors`` copied from this one (needs gensim).

        Examples
        --------
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a"], [[1.0, 2.0]])
        >>> kv.to_gensim()["a"]  # doctest: +SKIP
        array([1., 2.], dtype=float32)
        """
        from w2v.gensim_compat import keyed_vectors_to_gensim
        return keyed_vectors_to_gensim(self)

    def __str__(self) -> str:
        return f"{type(self).__name__}<vector_size={self.vector_size}, {len(self)} keys>"

    __repr__ = __str__
