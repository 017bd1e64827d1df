"""Word Mover's Distance (Kusner et al. 2015): the cheapest way to move one document's words
onto the other's, each word a point (its vector), a document a normalised bag of words.

The transport problem is solved by POT (Python Optimal Transport, ``pip install "w2v[wmd]"``),
the library gensim uses; nothing else in w2v needs it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial.distance import cdist

if TYPE_CHECKING:
    from w2v.vectors.keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)


def _earth_movers_distance():
    try:
        from ot import emd2
    except ImportError:
        raise ImportError('wmdistance needs POT (Python Optimal Transport): pip install "w2v[wmd]" '
                          "(or pip install POT)") from None
    return emd2


def _bag_of_words(document: list[str], words: list[str]) -> np.ndarray:
    """Each of ``words``' share of the tokens of ``document``."""
    counts = Counter(document)
    return np.array([counts[word] for word in words], dtype=np.float64) / len(document)


def wmdistance(kv: KeyedVectors, document1: Sequence[str], document2: Sequence[str], norm: bool = True) -> float:
    """Word Mover's Distance between two lists of tokens, as gensim's ``wmdistance``.

    Tokens missing from ``kv`` are left out. The cost of moving a word onto another is the
    Euclidean distance of their vectors (unit vectors with ``norm``, as gensim by default).

    Returns
    -------
    float
        0.0 for documents made of the same single word; ``inf`` (with a warning, as gensim)
        when a document has no known word.

    Examples
    --------
    >>> from w2v import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["cat", "dog", "car"], np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]]))
    >>> round(wmdistance(kv, ["cat", "cat"], ["dog"]), 4)  # doctest: +SKIP
    0.6325
    """
    emd2 = _earth_movers_distance()
    if isinstance(document1, str) or isinstance(document2, str):
        raise TypeError("wmdistance takes two lists of tokens, not strings: split them first")
    known1 = [token for token in document1 if token in kv]
    known2 = [token for token in document2 if token in kv]
    if len(known1) < len(document1) or len(known2) < len(document2):
        logger.info("Removed %d and %d OOV words from document 1 and 2 (respectively).",
                    len(document1) - len(known1), len(document2) - len(known2))
    if not known1 or not known2:
        logger.warning("At least one of the documents had no words that were in the vocabulary.")
        return float("inf")
    words = list(dict.fromkeys(known1 + known2))
    if len(words) == 1:
        return 0.0
    vectors = np.array([kv.get_vector(word, norm=norm) for word in words], dtype=np.float64)
    costs = cdist(vectors, vectors)
    return float(emd2(_bag_of_words(known1, words), _bag_of_words(known2, words), costs))
