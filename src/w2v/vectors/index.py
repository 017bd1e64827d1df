"""Approximate nearest neighbours over ``KeyedVectors``: ``AnnIndex``, an HNSW graph in faiss.

An exact ``most_similar`` reads every row (0.9 GFLOP per query at 3M x 300); an HNSW graph
reaches the nearest rows by visiting a few thousand. ``AnnIndex`` builds one with faiss
(``faiss-cpu``, the ``ann`` extra: ``pip install "w2v[ann]"``), chosen by measurement over
hnswlib and pynndescent: wheels for every platform w2v has, maintained, the GIL released
during search, and an index file that several processes can memory-map (the serving guide
has the figures).

Files: ``index.save("vectors.ann")`` writes two files::

    vectors.ann        faiss's own index file (``faiss.read_index`` reads it)
    vectors.ann.json   w2v's metadata: format version, parameters, the size and SHA-256 of
                       vectors.ann, and what it indexes: number of rows, vector size, dtype
                       and a SHA-256 fingerprint of the keys and every vector

``AnnIndex.load(path, kv)`` checks the index file against its SHA-256 before faiss reads it
(a damaged file is an error naming it, never a crash), and the fingerprint against ``kv`` (an
index of other vectors would answer with wrong neighbours): both take a read of the file and
of the vectors, about a second per GB. Nothing is pickled.

Queries are read-only and thread-safe: faiss searches without the GIL, and each query passes
its own search parameters, so threads share nothing mutable.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from w2v._version import __version__
from w2v.io import FormatError
from w2v.io.files import atomic_write

if TYPE_CHECKING:
    from w2v.vectors.keyedvectors import KeyedVectors

PathLike = Union[str, "os.PathLike[str]"]

FORMAT_NAME = "w2v-ann-index"
FORMAT_VERSION = 1
#: The libraries ``AnnIndex.build(backend=...)`` knows; ``None`` is the first.
BACKENDS = ("faiss",)
#: HNSW parameters: links per node, candidates kept while building, and while searching.
DEFAULT_PARAMS = {"M": 32, "ef_construction": 100, "ef_search": 128}
#: Bytes of unit-length float32 rows handed to faiss at a time while building.
ADD_BLOCK_BYTES = 1 << 26
#: Bytes read or hashed at a time.
HASH_BLOCK_BYTES = 1 << 22


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as error:
        raise ImportError(f'w2v.index.AnnIndex needs faiss: pip install "w2v[ann]" ({error})') from error
    return faiss


def metadata_path(path: PathLike) -> str:
    """Where the metadata of the index file ``path`` is: ``path`` + ``.json``.

    Examples
    --------
    >>> metadata_path("vectors.ann")
    'vectors.ann.json'
    """
    return os.fspath(path) + ".json"


def _live_row_blocks(kv: "KeyedVectors", block_bytes: int, itemsize: int) -> Iterator[tuple[int, np.ndarray]]:
    """(start, rows) of ``kv``'s live rows, in blocks of ``block_bytes`` at ``itemsize`` bytes a value."""
    step = max(1, block_bytes // (itemsize * kv.vector_size))
    for start in range(0, len(kv), step):
        yield start, kv.vectors[start:min(start + step, len(kv))]


def vectors_fingerprint(kv: "KeyedVectors") -> str:
    """SHA-256 of what an index answers for: the number, size and type of the vectors,
    the keys in row order and every vector's bytes.

    Examples
    --------
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b"], np.eye(2))
    >>> same = KeyedVectors(2)
    >>> same.add_vectors(["a", "b"], np.eye(2))
    >>> vectors_fingerprint(kv) == vectors_fingerprint(same)
    True
    >>> same["b"] = [0.0, 2.0]
    >>> vectors_fingerprint(kv) == vectors_fingerprint(same)
    False
    """
    digest = hashlib.sha256(json.dumps([len(kv), kv.vector_size, kv.vectors.dtype.str]).encode("ascii"))
    digest.update("\n".join(kv.index_to_key).encode("utf-8", "surrogatepass"))
    for _, block in _live_row_blocks(kv, HASH_BLOCK_BYTES, kv.vectors.itemsize):
        digest.update(np.ascontiguousarray(block).reshape(-1).view(np.uint8))
    return digest.hexdigest()


def _file_digest(path: str) -> tuple[int, str]:
    """(size, SHA-256) of a file, read a block at a time."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK_BYTES):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _library_params(backend: str | None, params: dict[str, Any]) -> dict[str, int]:
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; AnnIndex knows {', '.join(BACKENDS)} (None: faiss)")
    unknown = sorted(set(params) - set(DEFAULT_PARAMS))
    if unknown:
        raise TypeError(f"unknown parameter(s) {', '.join(unknown)}; AnnIndex.build takes "
                        f"{', '.join(DEFAULT_PARAMS)}")
    merged = {**DEFAULT_PARAMS, **params}
    for name, value in merged.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return {name: int(value) for name, value in merged.items()}


class AnnIndex:
    """Approximate nearest neighbours of a ``KeyedVectors``'s rows by cosine similarity.

    Make one with ``AnnIndex.build(kv)`` or ``AnnIndex.load(path, kv)``, then pass it as
    ``indexer=`` to ``kv.most_similar``, ``most_similar_batch`` or ``similar_by_vector``
    (or ``w2v similar --index FILE``). It answers for that ``kv`` object only, as long as its
    vectors are not changed.

    Attributes
    ----------
    params : dict
        The HNSW parameters it was built with (``M``, ``ef_construction``, ``ef_search``).
    ef_search : int
        Candidates kept while searching: higher finds more of the true neighbours, slower.
        May be changed at any time (each query reads it once).
    fingerprint : str
        SHA-256 of the keys and vectors it indexes (``vectors_fingerprint``).

    Examples
    --------
    >>> import os, tempfile
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(3)
    >>> kv.add_vectors(["cat", "dog", "car", "bus"],
    ...                np.array([[1.0, 0.1, 0], [0.9, 0.2, 0], [0, 0.1, 1.0], [0, 0.3, 0.9]]))
    >>> index = AnnIndex.build(kv)
    >>> kv.most_similar("cat", topn=1, indexer=index)[0][0]
    'dog'
    >>> path = os.path.join(tempfile.mkdtemp(), "vectors.ann")
    >>> index.save(path)
    >>> loaded = AnnIndex.load(path, kv)
    >>> [[key for key, _ in found] for found in kv.most_similar_batch(["car", "dog"], topn=1, indexer=loaded)]
    [['bus'], ['cat']]
    """

    backend = "faiss"

    def __init__(self, kv: "KeyedVectors", index: Any, params: dict[str, int], fingerprint: str):
        # Private: build() and load() make an AnnIndex.
        self._kv, self._vectors, self._count = kv, kv.vectors, len(kv)
        self._index = index
        self._faiss = _faiss()
        self.params = dict(params)
        self.ef_search = params["ef_search"]
        self.fingerprint = fingerprint

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, kv: "KeyedVectors", backend: str | None = None, **library_params: int) -> "AnnIndex":
        """Index every row of ``kv`` (on all cores; ``OMP_NUM_THREADS`` limits them).

        Parameters
        ----------
        kv : KeyedVectors
        backend : {None, "faiss"}
            The library (``None``: faiss, the one w2v chose by measurement).
        **library_params
            HNSW parameters: ``M`` (links per node, default 32), ``ef_construction``
            (default 100) and ``ef_search`` (default 128). Larger values find more of the
            true neighbours; ``M`` also grows the index by 8 bytes per row per link.

        Raises
        ------
        ImportError
            Without faiss (``pip install "w2v[ann]"``).
        ValueError
            For an empty ``kv``, a vector with NaN or infinity, or a bad parameter.

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
        >>> AnnIndex.build(kv, M=8, ef_search=16)
        AnnIndex<faiss HNSW, 3 vectors of size 2, M=8, ef_construction=100, ef_search=16>
        """
        params = _library_params(backend, library_params)
        faiss = _faiss()
        if not len(kv):
            raise ValueError(f"cannot index {kv}: it has no vectors")
        index = faiss.IndexHNSWFlat(kv.vector_size, params["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params["ef_construction"]
        inverse = kv._inverse_norms()
        for start, rows in _live_row_blocks(kv, ADD_BLOCK_BYTES, np.dtype(np.float32).itemsize):
            block = rows.astype(np.float32)
            block *= inverse[start:start + len(block), np.newaxis]  # inner product of unit rows = cosine
            finite = np.isfinite(block).all(axis=1)
            if not finite.all():
                key = kv.index_to_key[start + int(np.argmin(finite))]
                raise ValueError(f"the vector of {key!r} holds NaN or infinity: no index can rank it")
            index.add(block)
        return cls(kv, index, params, vectors_fingerprint(kv))

    # ------------------------------------------------------------------ queries

    def serves(self, kv: "KeyedVectors") -> bool:
        """Whether this index answers for ``kv``: the object it was built or loaded for,
        with the same vector matrix and number of keys.

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.eye(2))
        >>> index = AnnIndex.build(kv)
        >>> index.serves(kv), index.serves(KeyedVectors(2))
        (True, False)
        >>> kv.add_vector("c", [1.0, 1.0])
        2
        >>> index.serves(kv)
        False
        """
        return kv is self._kv and kv.vectors is self._vectors and len(kv) == self._count

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` rows nearest to each query by cosine, best first, as (rows, similarities).

        Parameters
        ----------
        queries : array, shape (vector_size,) or (m, vector_size)
        k : int

        Returns
        -------
        rows : int64 array, shape (m, k)
            -1 where fewer than ``k`` rows were found.
        similarities : float32 array, shape (m, k)

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]))
        >>> rows, similarities = AnnIndex.build(kv).search(np.array([0.0, 2.0]), 2)
        >>> rows, similarities.round(3)
        (array([[2, 1]]), array([[1. , 0.8]], dtype=float32))
        """
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if queries.ndim != 2 or queries.shape[1] != self._index.d:
            raise ValueError(f"queries must have shape (m, {self._index.d}), got {queries.shape}")
        norms = np.linalg.norm(queries, axis=1, keepdims=True)
        unit = np.ascontiguousarray(np.divide(queries, norms, out=np.zeros_like(queries), where=norms > 0))
        k = int(k)
        params = self._faiss.SearchParametersHNSW(efSearch=max(int(self.ef_search), k))
        similarities, rows = self._index.search(unit, k, params=params)
        return rows, similarities

    def most_similar(self, vector: np.ndarray, num_neighbors: int) -> list[tuple[str, float]]:
        """gensim's indexer protocol: the ``num_neighbors`` keys nearest to ``vector``.

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> AnnIndex.build(kv).most_similar(np.array([0.0, 1.0]), 1)
        [('b', 1.0)]
        """
        rows, similarities = self.search(vector, num_neighbors)
        keys = self._kv.index_to_key
        return [(keys[row], score) for row, score in zip(rows[0].tolist(), similarities[0].tolist()) if row >= 0]

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value}" for name, value in {**self.params, "ef_search": self.ef_search}.items())
        return f"AnnIndex<faiss HNSW, {self._count} vectors of size {self._index.d}, {settings}>"

    # ------------------------------------------------------------------ files

    def save(self, path: PathLike) -> None:
        """Write faiss's index file ``path`` and w2v's metadata ``path + ".json"``, each atomically.

        Examples
        --------
        See the class example.
        """
        path = os.fspath(path)
        digest, size = hashlib.sha256(), 0

        with atomic_write(path, compress=False) as out:
            def write(chunk: bytes) -> int:
                nonlocal size
                digest.update(chunk)
                size += len(chunk)
                return out.write(chunk)
            self._faiss.write_index(self._index, self._faiss.PyCallbackIOWriter(write))
        metadata = {
            "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "w2v_version": __version__,
            "backend": self.backend, "faiss_version": getattr(self._faiss, "__version__", "unknown"),
            "index": "HNSWFlat, inner product of unit vectors", "params": self.params,
            "index_file": {"name": os.path.basename(path), "size": size, "sha256": digest.hexdigest()},
            "vectors": {"count": self._count, "vector_size": int(self._index.d),
                        "dtype": self._vectors.dtype.str, "fingerprint": self.fingerprint},
        }
        with atomic_write(metadata_path(path), compress=False) as out:
            out.write(json.dumps(metadata, indent=1, sort_keys=True).encode("utf-8"))

    @classmethod
    def load(cls, path: PathLike, kv: "KeyedVectors") -> "AnnIndex":
        """Load an index saved by ``save``, for the ``KeyedVectors`` it was built from.

        faiss maps the index file into memory (on POSIX), so processes that load the same
        file share one copy of it, as with ``KeyedVectors.load(path, mmap="r")``.

        Raises
        ------
        FormatError
            If the metadata is missing or damaged, the index file damaged (its size or
            SHA-256 differ from the metadata's), or either was made for other vectors than
            ``kv``; the message names the file.
        ImportError
            Without faiss (``pip install "w2v[ann]"``).

        Examples
        --------
        See the class example.
        """
        path = os.fspath(path)
        metadata = _read_metadata(path)
        indexed = metadata["vectors"]
        if (len(kv), kv.vector_size, kv.vectors.dtype.str) != (indexed["count"], indexed["vector_size"],
                                                               indexed["dtype"]):
            raise FormatError(f"{path} indexes {indexed['count']} vectors of size {indexed['vector_size']} "
                              f"({np.dtype(indexed['dtype']).name}), not the {len(kv)} of size {kv.vector_size} "
                              f"({kv.vectors.dtype.name}) of {kv}: it was built for other vectors; build one "
                              "for these with AnnIndex.build(kv)")
        _check_index_file(path, metadata["index_file"])
        faiss = _faiss()
        flags = getattr(faiss, "IO_FLAG_MMAP_IFC", 0) if os.name == "posix" else 0
        try:
            index = faiss.read_index(path, flags)
        except RuntimeError as error:
            raise FormatError(f"{path}: faiss {getattr(faiss, '__version__', '')} cannot read it: {error}") from None
        if (not isinstance(index, faiss.IndexHNSWFlat) or index.metric_type != faiss.METRIC_INNER_PRODUCT
                or (index.ntotal, index.d) != (indexed["count"], indexed["vector_size"])):
            raise FormatError(f"{path} holds a faiss {type(index).__name__} of {index.ntotal} vectors of size "
                              f"{index.d}, not the inner-product HNSWFlat index its metadata describes")
        if vectors_fingerprint(kv) != indexed["fingerprint"]:
            raise FormatError(f"{path} was built for other vectors than those of {kv} (same shape, different keys "
                              "or values): its neighbours would be wrong; build one for these with "
                              "AnnIndex.build(kv)")
        return cls(kv, index, metadata["params"], indexed["fingerprint"])


def _read_metadata(path: str) -> dict:
    """The checked metadata of the index file ``path``."""
    meta_path = metadata_path(path)
    try:
        with open(meta_path, "rb") as handle:
            metadata = json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        raise FormatError(f"{meta_path} is missing: an AnnIndex is saved as two files, {path} (faiss's index) "
                          f"and {meta_path} (w2v's metadata), and loads from both") from None
    except ValueError as error:
        raise FormatError(f"{meta_path}: damaged metadata ({error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise FormatError(f"{meta_path} is not the metadata of a w2v AnnIndex")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise FormatError(f"{meta_path} was written by a newer w2v ({metadata.get('w2v_version')}, metadata "
                          f"version {version!r}); this w2v ({__version__}) reads versions up to {FORMAT_VERSION}")
    try:
        _library_params(metadata["backend"], metadata["params"])
        indexed, index_file = metadata["vectors"], metadata["index_file"]
        if not (isinstance(indexed["count"], int) and isinstance(indexed["vector_size"], int)
                and isinstance(index_file["size"], int)):
            raise TypeError("counts and sizes must be integers")
        for text in (indexed["dtype"], indexed["fingerprint"], index_file["sha256"]):
            if not isinstance(text, str):
                raise TypeError(f"{text!r} is not a string")
        np.dtype(indexed["dtype"])
    except (KeyError, TypeError, ValueError) as error:
        raise FormatError(f"{meta_path}: damaged metadata ({type(error).__name__}: {error})") from None
    return metadata


def _check_index_file(path: str, expected: dict) -> None:
    """Refuse an index file whose size or SHA-256 differ from its metadata's, before faiss reads it."""
    try:
        size, digest = _file_digest(path)
    except FileNotFoundError:
        raise FormatError(f"{path} is missing (its metadata {metadata_path(path)} is there)") from None
    if size != expected["size"]:
        raise FormatError(f"{path} is {size} bytes, its metadata says {expected['size']}: the file is truncated "
                          "or was replaced after it was saved")
    if digest != expected["sha256"]:
        raise FormatError(f"{path} is damaged: its SHA-256 differs from the one saved in {metadata_path(path)}")


def neighbours_from_indexer(kv: "KeyedVectors", indexer: Any, queries: np.ndarray, topn: int,
                            excluded: Sequence[set[int]],
                            restrict_vocab: int | None = None) -> list[list[tuple[str, float]]]:
    """The ``topn`` neighbours of each (unit) row of ``queries`` from an approximate index.

    An ``AnnIndex`` answers the whole batch in one call; any other indexer through gensim's
    protocol, ``indexer.most_similar(vector, num_neighbors)`` giving ``(key, similarity)``
    pairs. Either way, the rows in ``excluded`` (the query keys) are asked for on top and
    left out, as in an exact search. An index searches every row it was built on, so a
    ``restrict_vocab`` is an error rather than ignored.

    Examples
    --------
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
    >>> class Exact:  # gensim's protocol
    ...     def most_similar(self, vector, num_neighbors):
    ...         return kv.similar_by_vector(vector, topn=num_neighbors)
    >>> neighbours_from_indexer(kv, Exact(), np.array([[1.0, 0.0]]), 1, [{0}])
    [[('b', 0.99...)]]
    """
    if restrict_vocab:
        raise ValueError("restrict_vocab cannot be combined with an indexer: the index searches every row "
                         "it was built on (build it on the rows you want searched)")
    extra = max(map(len, excluded), default=0)
    if isinstance(indexer, AnnIndex):
        if not indexer.serves(kv):
            raise ValueError(f"{indexer!r} was built for other vectors than {kv}, or they changed since (keys "
                             "added, vectors replaced): build one for these with AnnIndex.build(kv)")
        rows, similarities = indexer.search(queries, topn + extra)
        keys = kv.index_to_key
        return [[(keys[row], score) for row, score in zip(found, scores) if row >= 0 and row not in skip][:topn]
                for found, scores, skip in zip(rows.tolist(), similarities.tolist(), excluded)]
    results = []
    for query, skip in zip(queries, excluded):
        skipped = {kv.index_to_key[row] for row in skip}
        found = indexer.most_similar(query, topn + len(skip))
        results.append([(key, float(score)) for key, score in found if key not in skipped][:topn])
    return results
