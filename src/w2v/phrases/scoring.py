"""Phrase scores: the C tool's word2phrase score, gensim's original score and NPMI.

Every scorer takes gensim's six keyword parameters; the built-in ones also run in C
(``w2v.phrases._phrases``), any other function is called once per candidate.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np

from w2v.phrases import _phrases

NEGATIVE_INFINITY = float("-inf")

Scorer = Callable[..., float]

#: The parameters every scoring function takes (by keyword), as in gensim.
SCORER_PARAMETERS = ("worda_count", "wordb_count", "bigram_count", "len_vocab", "min_count",
                     "corpus_word_count")


def word2phrase_scorer(worda_count: int, wordb_count: int, bigram_count: int, len_vocab: int,
                       min_count: int, corpus_word_count: int) -> float:
    """The C tool's score: ``(bigram_count - min_count) / (worda_count * wordb_count) * N``.

    ``N`` is ``corpus_word_count``, the number of training words; ``len_vocab`` is unused.
    This is ``scoring="word2phrase"``, the default of the ``w2v phrases`` command.

    Examples
    --------
    >>> word2phrase_scorer(worda_count=20, wordb_count=10, bigram_count=10, len_vocab=50,
    ...                    min_count=5, corpus_word_count=1000)
    25.0
    """
    denominator = worda_count * wordb_count
    if denominator == 0:
        return NEGATIVE_INFINITY
    return (bigram_count - min_count) / float(denominator) * corpus_word_count


def original_scorer(worda_count: int, wordb_count: int, bigram_count: int, len_vocab: int,
                    min_count: int, corpus_word_count: int) -> float:
    """gensim's default score: as :func:`word2phrase_scorer` with ``len_vocab`` in place of ``N``.

    ``len_vocab`` is the number of unigrams and phrase candidates counted. This is
    ``scoring="default"`` (also ``"original"``), so gensim's thresholds find gensim's phrases.

    Examples
    --------
    >>> original_scorer(worda_count=20, wordb_count=10, bigram_count=10, len_vocab=50,
    ...                 min_count=5, corpus_word_count=1000)
    1.25
    """
    denominator = worda_count * wordb_count
    if denominator == 0:
        return NEGATIVE_INFINITY
    return (bigram_count - min_count) / float(denominator) * len_vocab


def npmi_scorer(worda_count: int, wordb_count: int, bigram_count: int, len_vocab: int,
                min_count: int, corpus_word_count: int) -> float:
    """Normalised pointwise mutual information, in [-1, 1] (Bouma 2009; as gensim).

    ``ln(p(ab) / (p(a) p(b))) / -ln(p(ab))`` with ``p(x) = count(x) / corpus_word_count``;
    ``-inf`` when ``bigram_count < min_count``. This is ``scoring="npmi"``.

    Examples
    --------
    >>> round(npmi_scorer(worda_count=20, wordb_count=10, bigram_count=10, len_vocab=50,
    ...                   min_count=5, corpus_word_count=1000), 4)
    0.8495
    >>> npmi_scorer(20, 10, 4, 50, 5, 1000)
    -inf
    """
    if bigram_count < min_count:
        return NEGATIVE_INFINITY
    corpus_word_count = float(corpus_word_count)
    pa = worda_count / corpus_word_count
    pb = wordb_count / corpus_word_count
    pab = bigram_count / corpus_word_count
    try:
        return math.log(pab / (pa * pb)) / -math.log(pab)
    except ZeroDivisionError:
        return NEGATIVE_INFINITY


SCORERS = {"default": original_scorer, "word2phrase": word2phrase_scorer, "npmi": npmi_scorer,
           "original": original_scorer}
# Built-in scorers run in C; any other callable is called from Cython once per candidate.
SCORER_KINDS = {word2phrase_scorer: _phrases.SCORER_WORD2PHRASE, original_scorer: _phrases.SCORER_ORIGINAL,
          npmi_scorer: _phrases.SCORER_NPMI}


def scoring_function(scoring: str | Scorer) -> Scorer:
    if isinstance(scoring, str):
        if scoring not in SCORERS:
            raise ValueError(f"unknown scoring {scoring!r}; use one of {sorted(SCORERS)} or a function")
        return SCORERS[scoring]
    if not callable(scoring):
        raise TypeError(f"scoring must be 'default', 'word2phrase', 'npmi' or a function, got "
                        f"{type(scoring).__name__}")
    try:
        parameters = inspect.signature(scoring).parameters
    except (TypeError, ValueError):
        return scoring  # no signature to check (some builtins): trust the caller
    takes_any = any(p.kind == p.VAR_KEYWORD for p in parameters.values())
    missing = [name for name in SCORER_PARAMETERS if name not in parameters and not takes_any]
    if missing:
        raise ValueError(f"scoring function missing expected parameters {missing}; it must accept "
                         f"{', '.join(SCORER_PARAMETERS)}")
    return scoring


def scoring_name(function: Scorer | str) -> str:
    if isinstance(function, str):
        return function  # a frozen model loaded with a custom scorer keeps only its name
    for name, builtin in SCORERS.items():
        if function is builtin:
            return name
    return f"custom:{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', '?')}"


def check_threshold(threshold: float, function: Scorer) -> float:
    threshold = float(threshold)
    if np.isnan(threshold):
        raise ValueError("threshold must be a number, got nan")
    if function in (word2phrase_scorer, original_scorer) and threshold <= 0:
        raise ValueError(f"threshold should be positive for {scoring_name(function)} scoring, got {threshold}")
    if function is npmi_scorer and not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold should be between -1 and 1 for npmi scoring, got {threshold}")
    return threshold


