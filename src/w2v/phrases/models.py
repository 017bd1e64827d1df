"""``Phrases`` and ``FrozenPhrases``: gensim 4's phrase models over the C counter and joiner.

Apply a model twice, each trained on the output of the one before, to get trigrams and
longer phrases, as with the C tool ``word2phrase``. Files are JSON (never pickle), written
atomically; a ``.gz``/``.bz2``/``.xz`` suffix compresses.
"""

from __future__ import annotations

import itertools
import logging
import numbers
import time
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from w2v.phrases import _phrases
from w2v.io import FormatError
from w2v.io.files import PathLike
from w2v.phrases.persistence import DAMAGE, loaded_scoring, params_of, read_document, write_document
from w2v.phrases.scoring import SCORER_KINDS, SCORERS, Scorer, check_threshold, scoring_function, scoring_name

logger = logging.getLogger(__name__)

#: Words that may sit inside a phrase but never start or end one (as in gensim 4), e.g.
#: ``bank_of_america``. Pass them as ``connector_words=`` for English text.
ENGLISH_CONNECTOR_WORDS = frozenset(
    " a an the "  # articles
    " for of with without at from to in on by "  # prepositions; incomplete on purpose
    " and or "  # conjunctions; incomplete on purpose
    .split()
)

Sentence = list[str]


def _check_int(name: str, value: Any, minimum: int) -> int:
    # The counter holds these as int64.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not minimum <= value < 1 << 63:
        raise ValueError(f"{name} must be an integer from {minimum} to 2**63 - 1, got {value!r}")
    return int(value)


def _check_connectors(connector_words: Iterable[str]) -> frozenset[str]:
    if isinstance(connector_words, (str, bytes)):
        raise TypeError("connector_words must be a set of str words, not one string; "
                        "for example frozenset(\"of the\".split())")
    words = frozenset(connector_words)
    bad = [word for word in words if not isinstance(word, str)]
    if bad:
        raise TypeError(f"connector_words must be str, got {bad[0]!r}")
    return words


def _check_corpus(sentences: Any) -> None:
    if isinstance(sentences, (str, bytes)):
        raise TypeError("sentences is a single string; pass an iterable of sentences, each a list "
                        "of str tokens (for example [line.split() for line in text.splitlines()])")
    try:
        iter(sentences)
    except TypeError:
        raise TypeError(f"sentences must be an iterable of sentences (lists of str tokens), got "
                        f"{type(sentences).__name__}") from None


def _sentence_or_corpus(item: Any) -> tuple[bool, Any]:
    """(True, sentence) for a list of tokens, (False, corpus) for an iterable of sentences.

    As gensim: an empty input is an empty sentence; otherwise the first item decides. An
    iterator is peeked at and given back whole; any other iterable is given back as it is,
    so a re-iterable corpus stays re-iterable.
    """
    if isinstance(item, (str, bytes)):
        raise TypeError("phrases[...] takes a sentence (a list of str tokens) or a corpus (an "
                        "iterable of sentences), not a single string; split it first: "
                        "phrases[text.split()]")
    try:
        iterator = iter(item)
    except TypeError:
        raise TypeError(f"phrases[...] takes a sentence or a corpus, got {type(item).__name__}") from None
    try:
        first = next(iterator)
    except StopIteration:
        return True, []
    whole = itertools.chain([first], iterator) if iterator is item else item
    return isinstance(first, str), whole


class PhrasedCorpus:
    """A corpus with its phrases joined, one sentence at a time as it is read.

    Iterable as often as the underlying corpus is. Made by ``phrases[corpus]``.

    Examples
    --------
    >>> model = FrozenPhrases.from_phrases({("new", "york"): 50.0}, threshold=10.0)
    >>> corpus = model[[["in", "new", "york"], ["new", "jersey"]]]
    >>> list(corpus), len(corpus)
    ([['in', 'new_york'], ['new', 'jersey']], 2)
    """

    def __init__(self, model: _PhraseModel, corpus: Iterable[Sentence]):
        self.model = model
        self.corpus = corpus

    def __iter__(self) -> Iterator[Sentence]:
        source = self.model._configured()
        delimiter = self.model.delimiter
        for number, sentence in enumerate(self.corpus):
            yield source.analyze(sentence, delimiter, None, number)

    def __len__(self) -> int:
        return len(self.corpus)  # type: ignore[arg-type]


class _PhraseModel:
    """What ``Phrases`` and ``FrozenPhrases`` share: applying phrases, finding them, saving."""

    min_count: int
    threshold: float
    delimiter: str
    scoring: Scorer
    _connector_words: frozenset[str]

    @property
    def connector_words(self) -> frozenset[str]:
        """Words allowed inside a phrase but never at its ends (fixed at construction)."""
        return self._connector_words

    def _configured(self) -> _phrases.PhraseSource:
        raise NotImplementedError

    def __getitem__(self, sentence: Sentence | Iterable[Sentence]) -> Sentence | Iterable[Sentence]:
        """A sentence with its phrases joined, or, for a corpus, a lazy stream of such sentences.

        The stream (a ``PhrasedCorpus``) can be iterated again whenever the corpus can; for
        an iterator (such as a generator) it is an iterator too.

        Examples
        --------
        >>> model = FrozenPhrases.from_phrases({("new", "york"): 50.0}, threshold=10.0)
        >>> model[["new", "york", "city"]]
        ['new_york', 'city']
        >>> [sentence for sentence in model[[["new", "york"], ["york"]]]]
        [['new_york'], ['york']]
        """
        is_sentence, item = _sentence_or_corpus(sentence)
        if is_sentence:
            return self._configured().analyze(item, self.delimiter)
        if iter(sentence) is sentence:
            # A one-shot corpus gives a one-shot stream, so that a consumer needing several
            # passes (Word2Vec) sees an iterator and says so, instead of finding it empty.
            return iter(PhrasedCorpus(self, item))
        return PhrasedCorpus(self, item)

    def find_phrases(self, sentences: Iterable[Sentence]) -> dict[str, float]:
        """Every phrase that joining ``sentences`` would make, with its score (as gensim 4).

        Examples
        --------
        >>> model = FrozenPhrases.from_phrases({("new", "york"): 50.0, ("la", "paz"): 20.0}, threshold=10.0)
        >>> model.find_phrases([["in", "new", "york"], ["new", "york", "again"]])
        {'new_york': 50.0}
        """
        _check_corpus(sentences)
        found: dict[str, float] = {}
        self._configured().analyze_corpus(sentences, self.delimiter, found)
        return found

    def _params(self) -> dict[str, Any]:
        return {"min_count": self.min_count, "threshold": self.threshold, "delimiter": self.delimiter,
                "scoring": scoring_name(self.scoring), "connector_words": sorted(self.connector_words)}

    def _write(self, path: PathLike, document: dict[str, Any]) -> None:
        write_document(path, type(self).__name__, document)


class Phrases(_PhraseModel):
    """Detect phrases from unigram and bigram counts (gensim 4's ``Phrases``).

    Parameters
    ----------
    sentences : iterable of list of str, optional
        A corpus to count now (see ``add_vocab``); it is read once.
    min_count : int
        Discount in the default score; with npmi, candidates seen fewer times are ignored.
    threshold : float
        A candidate becomes a phrase when its score is above this. With the default
        (word2phrase) score the C tool's default is 100; gensim's 10 goes with its smaller
        ``len(vocab)`` factor, so 10 here finds more phrases than gensim's 10.
        npmi thresholds lie in [-1, 1].
    max_vocab_size : int
        At most this many unigrams plus candidates are held: when more are, the rarest are
        pruned (gensim's rule), so memory stays bounded. About 50 bytes each.
    delimiter : str
        Joins the tokens of a phrase.
    progress_per : int
        Log progress every this many sentences.
    scoring : {"default", "word2phrase", "npmi"} or callable
        See the module docstring; a callable takes the keyword arguments named in
        ``SCORER_PARAMETERS`` and is called once per candidate (slower than the built-ins).
    connector_words : set of str
        Words that may appear inside a phrase but never start or end one, e.g.
        ``ENGLISH_CONNECTOR_WORDS`` gives ``bank_of_america``.

    Notes
    -----
    Joining (``phrases[...]``, ``find_phrases``) may run in several threads at once with
    one model; counting (``add_vocab``) must not run while anything else uses the model.

    Differences from gensim: the default score uses the number of training words as the C
    tool does; a token that contains the delimiter (``"new_york"`` from an earlier pass) is
    counted apart from the pair ``("new", "york")``, where gensim adds both into one count.

    Examples
    --------
    >>> sentences = [["i", "love", "new", "york"], ["new", "york", "is", "big"]] * 20
    >>> sentences += [["a", "new", "day"], ["york", "minster"]]
    >>> phrases = Phrases(sentences, min_count=1, threshold=1.0, scoring="word2phrase")
    >>> phrases[["flights", "to", "new", "york"]]
    ['flights', 'to', 'new_york']
    >>> {phrase for phrase in phrases.export_phrases()} >= {"new_york"}
    True
    >>> frozen = phrases.freeze()
    >>> frozen[["new", "york"]]
    ['new_york']
    """

    def __init__(
        self,
        sentences: Iterable[Sentence] | None = None,
        min_count: int = 5,
        threshold: float = 10.0,
        max_vocab_size: int = 40000000,
        delimiter: str = "_",
        progress_per: int = 10000,
        scoring: str | Scorer = "default",
        connector_words: Iterable[str] = frozenset(),
    ):
        self.scoring = scoring_function(scoring)
        self.min_count = _check_int("min_count", min_count, 1)
        self.threshold = check_threshold(threshold, self.scoring)
        self.max_vocab_size = _check_int("max_vocab_size", max_vocab_size, 1)
        if not isinstance(delimiter, str) or not delimiter:
            raise TypeError(f"delimiter must be a non-empty str, got {delimiter!r}")
        self.delimiter = delimiter
        self.progress_per = _check_int("progress_per", progress_per, 0)
        self._connector_words = _check_connectors(connector_words)
        self._counter = _phrases.PhraseCounter(self._connector_words)
        #: Counts below this are pruned next time the vocabulary is over ``max_vocab_size``.
        self.min_reduce = 1
        if sentences is not None:
            start = time.perf_counter()
            self.add_vocab(sentences)
            logger.info("built %s in %.2fs", self, time.perf_counter() - start)

    def __str__(self) -> str:
        return (f"Phrases<{len(self._counter)} vocab, min_count={self.min_count}, "
                f"threshold={self.threshold}, max_vocab_size={self.max_vocab_size}>")

    @property
    def corpus_word_count(self) -> int:
        """Tokens counted so far, connector words included (``N`` of the default score).

        Examples
        --------
        >>> Phrases([["bank", "of", "america"]], connector_words={"of"}).corpus_word_count
        3
        """
        return self._counter.total_words

    @property
    def vocab(self) -> dict[str, int]:
        """Counts as gensim keeps them: token or joined candidate -> count (a new dict, slow).

        Examples
        --------
        >>> Phrases([["a", "b"]], min_count=1).vocab
        {'a': 1, 'b': 1, 'a_b': 1}
        """
        words, counts, lengths, ids, values = self._counter.get_state()
        vocab = {word: int(count) for word, count in zip(words, counts) if count > 0}
        offsets = np.concatenate([[0], np.cumsum(lengths)]).tolist()
        ids = ids.tolist()
        for i, value in enumerate(values.tolist()):
            key = self.delimiter.join(words[j] for j in ids[offsets[i]:offsets[i + 1]])
            vocab[key] = vocab.get(key, 0) + value
        return vocab

    def _configured(self) -> _phrases.PhraseCounter:
        function = self.scoring
        kind = SCORER_KINDS.get(function, _phrases.SCORER_CALLABLE)
        self._counter.configure(kind, self.min_count, float(self.threshold),
                                function if kind == _phrases.SCORER_CALLABLE else None)
        return self._counter

    def add_vocab(self, sentences: Iterable[Sentence]) -> None:
        """Count the unigrams and phrase candidates of ``sentences`` into this model.

        The new sentences are counted apart and then merged, as gensim does, so that
        pruning during the scan does not drop their words against large older counts.

        Examples
        --------
        >>> phrases = Phrases(min_count=1)
        >>> phrases.add_vocab([["new", "york"]])
        >>> phrases.add_vocab([["new", "york", "city"]])
        >>> phrases.corpus_word_count, len(phrases.vocab)
        (5, 5)
        """
        _check_corpus(sentences)
        fresh = _phrases.PhraseCounter(self._connector_words)
        min_reduce = fresh.add_corpus(sentences, self.max_vocab_size, self.progress_per)
        logger.info("collected %i token types (unigrams + candidates) from %i words and %i sentences",
                    len(fresh), fresh.total_words, fresh.sentences)
        self.min_reduce = max(self.min_reduce, min_reduce)
        if self._counter.total_words == 0:
            self._counter = fresh  # nothing to merge into: keep one copy in memory
            return
        self._counter.merge(fresh)
        if len(self._counter) > self.max_vocab_size:
            self._counter.prune(self.min_reduce)
            self.min_reduce += 1

    def score_candidate(self, word_a: str, word_b: str, in_between: list[str]) -> tuple[str | None, float | None]:
        """``(phrase, score)`` if ``word_a in_between... word_b`` is a phrase, else ``(None, None)``.

        Examples
        --------
        >>> phrases = Phrases([["new", "york"]] * 8, min_count=1, threshold=1.0, scoring="word2phrase")
        >>> phrases.score_candidate("new", "york", [])  # (8 - 1) / (8 * 8) * 16 words
        ('new_york', 1.75)
        """
        tokens = [word_a, *in_between, word_b]
        score = self._configured().score_tokens(tokens)
        return (self.delimiter.join(tokens), score) if score is not None else (None, None)

    def export_phrases(self) -> dict[str, float]:
        """Every counted candidate that scores above the threshold: joined phrase -> score.

        Examples
        --------
        >>> Phrases([["new", "york"]] * 8, min_count=1, threshold=1.0, scoring="word2phrase").export_phrases()
        {'new_york': 1.75}
        """
        return {self.delimiter.join(tokens): score for tokens, score in self._configured().export()}

    def freeze(self) -> FrozenPhrases:
        """A ``FrozenPhrases`` with only the phrases: smaller and faster, but no more counting.

        Examples
        --------
        >>> frozen = Phrases([["new", "york"]] * 8, min_count=1, threshold=1.0, scoring="word2phrase").freeze()
        >>> frozen.phrasegrams
        {'new_york': 1.75}
        """
        return FrozenPhrases(self)

    def save(self, path: PathLike) -> None:
        """Write all counts and settings to a JSON file (atomically; ``.gz`` etc. compress).

        A custom scoring function is recorded by name only; pass it again to ``load``.

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "phrases.json")
        >>> phrases = Phrases([["new", "york"]] * 10, min_count=1, threshold=1.0)
        >>> phrases.save(path)
        >>> Phrases.load(path).export_phrases() == phrases.export_phrases()
        True
        """
        words, counts, lengths, ids, values = self._counter.get_state()
        self._write(path, {
            "params": {**self._params(), "max_vocab_size": self.max_vocab_size,
                       "progress_per": self.progress_per},
            "min_reduce": self.min_reduce,
            "corpus_word_count": self._counter.total_words,
            "sentences": self._counter.sentences,
            "words": words,
            "word_counts": counts.tolist(),
            "phrase_lengths": lengths.tolist(),
            "phrase_ids": ids.tolist(),
            "phrase_counts": values.tolist(),
        })

    @classmethod
    def load(cls, path: PathLike, scoring: str | Scorer | None = None) -> Phrases:
        """Read a model written by ``save``; ``scoring`` is needed for a custom scorer.

        Examples
        --------
        >>> import os, tempfile
        >>> from w2v.phrases import npmi_scorer
        >>> path = os.path.join(tempfile.mkdtemp(), "phrases.json.xz")
        >>> Phrases([["new", "york"]] * 8, min_count=1, threshold=1.0, scoring="npmi").save(path)
        >>> Phrases.load(path).scoring is npmi_scorer
        True
        """
        document = read_document(path, "Phrases")
        params = params_of(document, path)
        params["scoring"] = loaded_scoring(params.get("scoring"), scoring, path)
        try:
            model = cls(**params)
            model._counter.set_state(document["words"], document["word_counts"], document["phrase_lengths"],
                                     document["phrase_ids"], document["phrase_counts"],
                                     document["corpus_word_count"], document["sentences"])
            model.min_reduce = _check_int("min_reduce", document["min_reduce"], 1)
        except DAMAGE as error:
            raise FormatError(f"{path}: damaged phrases file ({type(error).__name__}: {str(error)[:200]})") from None
        return model


class FrozenPhrases(_PhraseModel):
    """Only the phrases of a ``Phrases`` model and their scores: small and fast, not trainable.

    Parameters
    ----------
    phrases_model : Phrases
        The model to take the phrases (those above its threshold) and settings from.

    Examples
    --------
    >>> phrases = Phrases([["new", "york", "city"]] * 10, min_count=1, threshold=1.0, scoring="word2phrase")
    >>> frozen = FrozenPhrases(phrases)
    >>> frozen[["new", "york", "city"]], len(frozen.phrasegrams)
    (['new_york', 'city'], 2)
    """

    def __init__(self, phrases_model: Phrases):
        if not isinstance(phrases_model, Phrases):
            raise TypeError(f"FrozenPhrases needs a Phrases model, got {type(phrases_model).__name__}")
        self.min_count = phrases_model.min_count
        self.threshold = phrases_model.threshold
        self.delimiter = phrases_model.delimiter
        self.scoring = phrases_model.scoring
        self._connector_words = phrases_model.connector_words
        start = time.perf_counter()
        self._table = _phrases.PhraseTable(phrases_model._configured().export(), self.threshold,
                                           self._connector_words)
        logger.info("exported %s from %s in %.2fs", self, phrases_model, time.perf_counter() - start)

    @classmethod
    def from_phrases(cls, phrases: dict[tuple[str, ...], float], threshold: float, delimiter: str = "_",
                     connector_words: Iterable[str] = frozenset(), min_count: int = 5,
                     scoring: str | Scorer = "default") -> FrozenPhrases:
        """A model from phrases given as token tuples -> score (for tests and hand-made lists).

        Examples
        --------
        >>> frozen = FrozenPhrases.from_phrases({("new", "york"): 50.0}, threshold=10.0)
        >>> frozen[["to", "new", "york"]]
        ['to', 'new_york']
        """
        model = cls.__new__(cls)
        model.min_count = _check_int("min_count", min_count, 1)
        model.scoring = scoring_function(scoring)
        model.threshold = float(threshold)
        if not isinstance(delimiter, str) or not delimiter:
            raise TypeError(f"delimiter must be a non-empty str, got {delimiter!r}")
        model.delimiter = delimiter
        model._connector_words = _check_connectors(connector_words)
        model._table = _phrases.PhraseTable([(tuple(tokens), float(score)) for tokens, score in phrases.items()],
                                            model.threshold, model._connector_words)
        return model

    def __str__(self) -> str:
        return (f"FrozenPhrases<{len(self._table)} phrases, min_count={self.min_count}, "
                f"threshold={self.threshold}>")

    def _configured(self) -> _phrases.PhraseTable:
        self._table.threshold = float(self.threshold)
        return self._table

    @property
    def phrasegrams(self) -> dict[str, float]:
        """Joined phrase -> score (gensim's attribute; a new dict).

        Examples
        --------
        >>> FrozenPhrases.from_phrases({("new", "york"): 50.0}, threshold=10.0).phrasegrams
        {'new_york': 50.0}
        """
        return self.export_phrases()

    def export_phrases(self) -> dict[str, float]:
        """All phrases: joined phrase -> score.

        Examples
        --------
        >>> FrozenPhrases.from_phrases({("new", "york"): 50.0}, threshold=10.0).export_phrases()
        {'new_york': 50.0}
        """
        return {self.delimiter.join(tokens): score for tokens, score in self._table.items()}

    def save(self, path: PathLike) -> None:
        """Write the phrases and settings to a JSON file (atomically).

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "frozen.json.gz")
        >>> FrozenPhrases.from_phrases({("new", "york"): 50.0}, threshold=10.0).save(path)
        >>> FrozenPhrases.load(path)[["new", "york"]]
        ['new_york']
        """
        self._write(path, {"params": self._params(),
                           "phrases": [[list(tokens), score] for tokens, score in self._table.items()]})

    @classmethod
    def load(cls, path: PathLike, scoring: str | Scorer | None = None) -> FrozenPhrases:
        """Read a model written by ``save`` (``scoring`` only matters for the record).

        Examples
        --------
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "frozen.json")
        >>> FrozenPhrases.from_phrases({("a", "b", "c"): 3.5}, threshold=1.0).save(path)
        >>> FrozenPhrases.load(path).export_phrases()
        {'a_b_c': 3.5}
        """
        document = read_document(path, "FrozenPhrases")
        params = params_of(document, path)
        name = params.get("scoring")
        function = loaded_scoring(name, scoring, path) if (scoring or name in SCORERS) else None
        try:
            model = cls.from_phrases({tuple(tokens): score for tokens, score in document["phrases"]},
                                     threshold=params["threshold"], delimiter=params["delimiter"],
                                     connector_words=params["connector_words"], min_count=params["min_count"])
        except DAMAGE as error:
            raise FormatError(f"{path}: damaged phrases file ({type(error).__name__}: {str(error)[:200]})") from None
        # Scores are stored, so a frozen model never calls its scorer: keep the name if unknown.
        model.scoring = function if function is not None else name
        return model


#: gensim's older name for ``FrozenPhrases``.
Phraser = FrozenPhrases
