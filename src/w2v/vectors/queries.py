"""Similarity queries on word vectors: the ``SimilarityQueries`` half of ``KeyedVectors``.

Queries follow gensim 4: cosine similarity, with each row scaled by its inverse norm (kept by
``KeyedVectors``). Every query allocates its own scratch, and the heavy part is a NumPy matrix
product, which runs in BLAS without the GIL, so any number of threads may query at once.

Vectors stored as float16 (``kv.save(path, dtype="float16")``) are never multiplied in
float16: ``float_row_blocks`` hands every query (and the norms) the rows a block at a time
converted to float32, so the sums are float32 sums of the stored values, and no float32 copy
of the matrix is kept. An approximate index (``w2v.index.AnnIndex``, or any object with
gensim's ``most_similar(vector, num_neighbors)``) may answer ``most_similar`` instead of a
scan of every row.

``SimilarityQueries`` is a mixin: it holds no state, and reads the vectors, keys and norms
through ``KeyedVectors``'s own attributes (``vectors``, ``vector_size``, ``index_to_key``,
``get_index``, ``get_vector``, ``has_index_for``, ``_inverse_norms``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, Union

import numpy as np

from w2v.vectors.index import neighbours_from_indexer
from w2v.vectors.rows import (BLOCK_ELEMENTS, KEY_TYPES, TOPK_ROWS, _ensure_list, _unit, compute_dtype,
                              float_row_blocks, top_k)

Key = Union[str, int]
KeyOrVector = Union[str, int, np.ndarray]
WeightedQuery = Union[KeyOrVector, tuple]

logger = logging.getLogger(__name__)

class SimilarityQueries:
    """Cosine-similarity queries over the rows of a ``KeyedVectors`` (see the module notes).

    Examples
    --------
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0]]))
    >>> isinstance(kv, SimilarityQueries), kv.most_similar("a", topn=1)[0][0]
    (True, 'b')
    """

    def similarity(self, w1: Key, w2: Key) -> float:
        """Cosine similarity of two keys (exactly 1.0 for a key with itself, unless its vector is 0).

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [1.0, 1.0]]))
        >>> round(kv.similarity("a", "b"), 4), kv.similarity("b", "b")
        (0.7071, 1.0)
        """
        row = self.get_index(w1)
        if row == self.get_index(w2) and self._inverse_norms()[row] > 0:
            return 1.0  # the float32 dot product of a unit vector with itself is 1 +- 1e-7
        return float(np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)))

    def distance(self, w1: Key, w2: Key) -> float:
        """Cosine distance, ``1 - similarity(w1, w2)``.

        Examples
        --------
        >>> from w2v import KeyedVectors
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
        >>> from w2v import KeyedVectors
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
        >>> from w2v import KeyedVectors
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
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> kv.distances("a")
        array([0., 1.], dtype=float32)
        >>> kv.distances(np.array([0.0, 2.0]), ["a"])
        array([1.])
        """
        if isinstance(word_or_vector, KEY_TYPES):
            query = self.get_vector(word_or_vector, norm=True)
        else:
            query = _unit(self._query_vector(word_or_vector))
        if len(other_words):
            rows = [self.get_index(key) for key in other_words]
            return 1 - (self._float_rows(rows) @ query) * self._inverse_norms()[rows]
        return 1 - self._scores(query, len(self))

    def closer_than(self, key1: Key, key2: Key) -> list[str]:
        """Every key closer to ``key1`` than ``key2`` is (``key1`` left out).

        Examples
        --------
        >>> from w2v import KeyedVectors
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
        >>> from w2v import KeyedVectors
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
        >>> from w2v import KeyedVectors
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
        >>> from w2v import KeyedVectors
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
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["cat", "dog", "car"], np.array([[1.0, 0.1], [1.0, 0.0], [0.0, 1.0]]))
        >>> kv.doesnt_match(["cat", "dog", "car"])
        'car'
        """
        return self.rank_by_centrality(words)[-1][1]

    def relative_cosine_similarity(self, wa: Key, wb: Key, topn: int = 10) -> float:
        """Relative cosine similarity of ``wb`` to ``wa`` (Leeuwenberg et al. 2016), as gensim:
        ``similarity(wa, wb)`` divided by the sum of the similarities of ``wa``'s ``topn``
        nearest neighbours. Above ``1 / topn``, ``wb`` is likely a synonym of ``wa``.

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
        >>> kv.relative_cosine_similarity("a", "b", topn=2)
        1.0
        """
        neighbours = self.most_similar(positive=[wa], topn=topn)
        if not neighbours:
            raise ValueError("relative_cosine_similarity needs topn >= 1 and a key with neighbours")
        return self.similarity(wa, wb) / sum(similarity for _, similarity in neighbours)

    def wmdistance(self, document1: Sequence[str], document2: Sequence[str], norm: bool = True) -> float:
        """Word Mover's Distance between two documents (Kusner et al. 2015), as gensim's.

        Needs POT (``pip install "w2v[wmd]"``); see ``w2v.vectors.wmd.wmdistance``.

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["cat", "dog", "car"], np.array([[1.0, 0.1], [1.0, 0.0], [0.0, 1.0]]))
        >>> kv.wmdistance(["cat"], ["cat"])  # doctest: +SKIP
        0.0
        """
        from w2v.vectors.wmd import wmdistance
        return wmdistance(self, document1, document2, norm)

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
        >>> from w2v import KeyedVectors
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
        return mean.astype(compute_dtype(self.vectors.dtype))

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
            if isinstance(item, (*KEY_TYPES, np.ndarray)):
                keys.append(item)
            else:
                keys.append(item[0])
                weights[i] = item[1]
        return keys, weights

    def _query_rows(self, keys: Iterable[Any]) -> set[int]:
        """Rows of the keys among ``keys`` (vectors have none): results leave them out."""
        return {self.get_index(key) for key in keys
                if isinstance(key, KEY_TYPES) and self.has_index_for(key)}

    def _limit(self, restrict_vocab: int | None) -> int:
        return len(self) if not restrict_vocab else min(int(restrict_vocab), len(self))

    def _float_rows(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """A copy of some rows, in the type queries compute in."""
        return np.asarray(self.vectors[rows], dtype=compute_dtype(self.vectors.dtype))

    def _products(self, left: np.ndarray, limit: int, start: int = 0) -> np.ndarray:
        """``left @ vectors[start:limit].T`` (``left`` one vector or a matrix of them), in float.

        A block of rows at a time (``float_row_blocks``): float16 vectors are never
        multiplied in float16, and one matrix product for float32 ones.
        """
        dtype = compute_dtype(self.vectors.dtype)
        left = np.asarray(left, dtype=dtype)
        products = np.empty(left.shape[:-1] + (limit - start,), dtype=dtype)
        for offset, block in float_row_blocks(self.vectors, limit, start):
            np.matmul(left, block.T, out=products[..., offset:offset + len(block)])
        return products

    def _scores(self, query: np.ndarray, limit: int, start: int = 0) -> np.ndarray:
        """Cosine of ``query`` (unit length) with each of the rows ``start`` to ``limit``."""
        scores = self._products(query, limit, start)
        scores *= self._inverse_norms()[start:limit]
        return scores

    def _ranked(self, scores: np.ndarray, topn: int, exclude: set[int], start: int = 0) -> list[tuple[str, float]]:
        best = top_k(scores, topn + len(exclude)) + start
        result = [(self.index_to_key[i], float(scores[i - start])) for i in best.tolist() if i not in exclude]
        return result[:topn]

    def _clip(self, restrict_vocab: int | None, clip_start: int, clip_end: int | None) -> tuple[int, int]:
        """The rows a query searches: ``restrict_vocab`` first ones, else gensim's clip range."""
        if restrict_vocab:
            return 0, self._limit(restrict_vocab)
        end = len(self) if clip_end is None else min(max(int(clip_end), 0), len(self))
        return min(max(int(clip_start), 0), end), end

    def most_similar(self, positive: WeightedQuery | Sequence[WeightedQuery] | None = None,
                     negative: WeightedQuery | Sequence[WeightedQuery] | None = None,
                     topn: int | None = 10, restrict_vocab: int | None = None,
                     indexer: Any = None, clip_start: int = 0,
                     clip_end: int | None = None) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` keys closest to the mean of ``positive`` minus ``negative`` (3CosAdd).

        Parameters
        ----------
        positive, negative : key, vector, or list of keys / vectors / (key, weight) pairs
            The query: unit-normalised key vectors (a vector given directly is used as it
            is) are averaged with weight +1 (positive) or -1 (negative), or the weight given
            in a pair, then normalised.
        topn : int or None
            Number of results; ``None`` returns the similarity of every key, as an array
            (an exact scan, even with an ``indexer``).
        restrict_vocab : int, optional
            Only search the first ``restrict_vocab`` rows (the most frequent keys when the
            vocabulary is sorted). Not with an ``indexer``.
        indexer : object, optional
            An approximate nearest-neighbour index that answers instead of a scan of every
            row: a :class:`w2v.index.AnnIndex` built or loaded for these vectors, or any
            object with gensim's ``most_similar(vector, num_neighbors)``. Unlike gensim, the
            query keys are left out of the result here too.
        clip_start, clip_end : int, optional
            Only search the rows from ``clip_start`` up to ``clip_end`` (gensim's keywords;
            ``restrict_vocab``, if given, overrides them). With ``topn=None`` the array holds
            the similarities of those rows.

        Returns
        -------
        list of (str, float)
            Keys and cosine similarities, best first; the query keys are left out.

        Raises
        ------
        ValueError
            If ``indexer`` is an ``AnnIndex`` of other vectors, or with ``restrict_vocab``.

        Examples
        --------
        >>> from w2v import KeyedVectors
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
        if indexer is not None and topn is not None:
            excluded = [self._query_rows(keys)]
            return neighbours_from_indexer(self, indexer, query[np.newaxis, :], int(topn), excluded, restrict_vocab)[0]
        start, end = self._clip(restrict_vocab, clip_start, clip_end)
        scores = self._scores(query, end, start)
        if topn is None:
            return scores
        return self._ranked(scores, int(topn), self._query_rows(keys), start)

    def similar_by_key(self, key: Key, topn: int | None = 10, restrict_vocab: int | None = None,
                       indexer: Any = None) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` keys most similar to ``key`` (``most_similar(positive=[key])``).

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0]]))
        >>> kv.similar_by_word("a", topn=1)[0][0]
        'b'
        """
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab, indexer=indexer)

    similar_by_word = similar_by_key

    def similar_by_vector(self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None,
                          indexer: Any = None) -> list[tuple[str, float]] | np.ndarray:
        """The ``topn`` keys most similar to ``vector`` (no key is left out).

        ``indexer`` is an approximate index, as in ``most_similar``.

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> kv.similar_by_vector(np.array([0.1, 1.0]), topn=1)[0][0]
        'b'
        """
        return self.most_similar(positive=[np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab,
                                 indexer=indexer)

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
        >>> from w2v import KeyedVectors
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
        terms = np.array([self.get_vector(item, norm=True) if isinstance(item, KEY_TYPES)
                          else _unit(np.asarray(item, dtype=np.float64)) for item in positive + negative])
        limit = self._limit(restrict_vocab)
        # One product for every term: (terms x d) @ (d x limit), each row a cosine.
        shifted = (1 + self._products(terms, limit) * self._inverse_norms()[:limit]) / 2
        scores = shifted[:len(positive)].prod(axis=0) / (shifted[len(positive):].prod(axis=0) + 1e-6)
        if topn is None:
            return scores
        return self._ranked(scores, int(topn), self._query_rows(positive + negative))

    def most_similar_batch(self, queries: Sequence[KeyOrVector] | np.ndarray, topn: int = 10,
                           restrict_vocab: int | None = None,
                           indexer: Any = None) -> list[list[tuple[str, float]]]:
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
        indexer : object, optional
            An approximate index, as in ``most_similar``; a :class:`w2v.index.AnnIndex`
            answers the whole batch in one call.

        Returns
        -------
        list of list of (str, float)
            One result list per query, in order.

        Examples
        --------
        >>> from w2v import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b", "c"], np.array([[1.0, 0.0], [0.9, 0.2], [0.0, 1.0]]))
        >>> [[key for key, _ in result] for result in kv.most_similar_batch(["a", "c"], topn=1)]
        [['b'], ['b']]
        """
        queries = list(queries) if not isinstance(queries, np.ndarray) else list(np.atleast_2d(queries))
        if not queries or topn < 1:
            return [[] for _ in queries]
        matrix = np.empty((len(queries), self.vector_size), dtype=compute_dtype(self.vectors.dtype))
        own_rows = np.full(len(queries), -1, dtype=np.intp)
        for i, query in enumerate(queries):
            if isinstance(query, KEY_TYPES):
                own_rows[i] = self.get_index(query)
                matrix[i] = self.get_vector(query, norm=True)
            else:
                matrix[i] = _unit(self._query_vector(query))
        if indexer is not None:
            excluded = [{row} if row >= 0 else set() for row in own_rows.tolist()]
            return neighbours_from_indexer(self, indexer, matrix, topn, excluded, restrict_vocab)
        limit = self._limit(restrict_vocab)
        inverse = self._inverse_norms()[:limit]
        block = max(1, BLOCK_ELEMENTS // max(limit, 1))
        results = []
        for start in range(0, len(queries), block):
            scores = self._products(matrix[start:start + block], limit)
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
