"""Phrase detection: join frequent collocations such as ``new york`` into one token ``new_york``.

The interface is gensim 4's ``Phrases``/``FrozenPhrases``; counting, scoring and joining run
in Cython (``w2v.phrases._phrases``). Apply a model twice, each trained on the output of the one
before, to get trigrams and longer phrases, as with the C tool ``word2phrase``.

Scoring
-------
``scoring="default"`` is gensim's ``original_scorer``,
``(count(a b) - min_count) / (count(a) * count(b)) * len(vocab)`` with ``len(vocab)`` the
number of unigrams plus phrase candidates, so a gensim user's thresholds find the same
phrases. ``scoring="word2phrase"`` is the C tool's formula, with ``N``, the number of
training words, in place of ``len(vocab)`` (the default of the ``w2v phrases`` command);
``scoring="npmi"`` is normalised pointwise mutual information (as gensim); any function with
the parameters of :func:`original_scorer` works too.

Files are JSON (never pickle), written atomically; a ``.gz``/``.bz2``/``.xz`` suffix compresses.
"""

from w2v.phrases.models import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, PhrasedCorpus, Phraser, Phrases
from w2v.phrases.scoring import SCORER_PARAMETERS, npmi_scorer, original_scorer, word2phrase_scorer

__all__ = ["ENGLISH_CONNECTOR_WORDS", "SCORER_PARAMETERS", "FrozenPhrases", "PhrasedCorpus", "Phraser",
           "Phrases", "npmi_scorer", "original_scorer", "word2phrase_scorer"]
