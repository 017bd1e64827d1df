"""``Word2Vec``: the model users build, train and query, with gensim 4's interface.

The class is thin on purpose. Its parameters live in one validated ``TrainingConfig``
(``w2v.config``); it owns the vocabulary (chosen with ``w2v.vocab``) and the weights (laid
out by ``w2v.weights``), and hands ``train()`` to the driver in ``w2v.train.driver``, whose
threads spend their time in the nogil kernels of ``w2v._core``.

Why it is longer than 600 lines: it is gensim's whole ``Word2Vec`` surface in one class, and
every public method carries its documentation and a doctest. The work is elsewhere: each
method beyond building the vocabulary and training delegates to a module of its own
(``w2v.inference`` for predictions and scores, ``w2v.gensim_compat`` for moving models
between the libraries, ``w2v.io.native`` for files).
"""

from __future__ import annotations

import contextlib
import logging
import math
import numbers
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from w2v import _core, gensim_compat, inference, vocab
from w2v.callbacks import Callback
from w2v.config import OUTPUT_LAYERS, TrainingConfig, check_learning_rate
from w2v.corpora import CorpusSource
from w2v.gensim_compat import ClassOnlyMethod
from w2v.train._schedule import LearningRateSchedule
from w2v.train.corpus_file import CorpusFileFeeder
from w2v.train.driver import Feeder, TrainingCall, run_training
from w2v.train.iterable import IterableFeeder
from w2v.train.progress import EpochStats, EpochTarget
from w2v.vectors.keyedvectors import KeyedVectors
from w2v.vocab import _vocab
from w2v.vocab.tables import TrainingTables, training_tables
from w2v.io.limits import require_memory
from w2v.weights import grown_output, new_outputs

logger = logging.getLogger(__name__)

Corpus = Iterable[Sequence[str]]
PathLike = str | os.PathLike

#: The parameters ``Word2Vec`` keeps in its ``TrainingConfig`` (and reads through it).
CONFIG_FIELDS = frozenset(TrainingConfig.field_names())


def _keyed_like(wv: KeyedVectors, matrix: np.ndarray) -> KeyedVectors:
    """A KeyedVectors with the keys and counts of ``wv`` over the rows of ``matrix`` (copied)."""
    keyed = KeyedVectors(wv.vector_size)
    keyed.add_vectors(list(wv.index_to_key), matrix, extras=dict(wv.expandos))
    return keyed


def _count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class Word2Vec:
    """Train word vectors with skip-gram or CBOW, negative sampling or hierarchical softmax.

    The parameters and their defaults are gensim 4's. Give a corpus (``sentences``, an
    iterable of lists of str, or ``corpus_file``, a path to a whitespace-tokenised text file)
    to build the vocabulary and train at once; otherwise call ``build_vocab`` and ``train``.

    Parameters
    ----------
    sentences : iterable of list of str, optional
        The corpus. It is read ``epochs + 1`` times, so it must be restartable (a list, or
        an object such as ``LineSentence`` whose ``__iter__`` starts a new pass).
    corpus_file : str or os.PathLike, optional
        A text file, one sentence per line, tokens separated by whitespace.
    vector_size : int
        Dimensionality of the word vectors.
    alpha, min_alpha : float
        Initial and final learning rate; it falls linearly over all epochs.
    window : int
        Maximum distance between the centre word and a context word.
    min_count : int
        Ignore words with fewer occurrences.
    max_vocab_size : int, optional
        Bound the memory of the vocabulary scan: prune rare words whenever more distinct
        words than this are held.
    sample : float
        Subsampling threshold of frequent words (0 disables it).
    seed : int
        Seed of the initial vectors and of the worker threads' random streams.
    workers : int
        Training threads.
    sg : {0, 1}
        1 for skip-gram, 0 for CBOW.
    hs : {0, 1}
        1 for hierarchical softmax.
    negative : int
        Number of noise words per example for negative sampling (0 disables it).
    ns_exponent : float
        The noise distribution is proportional to ``count ** ns_exponent``.
    cbow_mean : {0, 1}
        CBOW input is the mean (1) or the sum (0) of the context vectors.
    hashfxn : callable
        Accepted for gensim compatibility; only the default (the built-in ``hash``) is: w2v's
        initial vectors come from a stable hash of each word's bytes and ``seed``, not
        from Python's ``hash()``, so there is no hash function to choose.
    epochs : int
        Passes over the corpus.
    null_word : {0, 1}
        Add a padding word ``"\\0"`` to the vocabulary (as gensim does).
    trim_rule : callable, optional
        ``trim_rule(word, count, min_count)`` returning ``vocab.RULE_KEEP``,
        ``RULE_DISCARD`` or ``RULE_DEFAULT``.
    sorted_vocab : {0, 1}
        Sort the vocabulary by descending count.
    batch_words : int
        Target number of words per batch handed to a worker thread. Sentences are never
        truncated: a longer sentence makes a batch of its own.
    compute_loss : bool
        Track the training loss (see ``get_latest_training_loss``).
    callbacks : sequence of Callback
        Hooks called from the calling thread at training and epoch boundaries.
    comment : str, optional
        A note kept with the model (and saved with it), as in gensim.
    max_final_vocab : int, optional
        Raise ``min_count`` as needed to keep at most this many words.
    shrink_windows : bool
        Draw each centre word's window size uniformly from 1..window (the C tool's dynamic
        window); False uses the full window everywhere.
    shared_negatives : bool
        Batched skip-gram training (HogBatch, Ji et al. 2016; needs ``sg=1`` and
        ``negative > 0``): each centre word draws one set of noise words for its whole
        window, and the window's updates become three small matrix products. Several times
        faster at about the same accuracy; see the docs for what changes statistically.
        Hierarchical softmax, if also on, stays exact.
    softmax : bool
        Train the exact softmax over the whole vocabulary instead of hierarchical softmax or
        negative sampling (needs ``hs=0`` and ``negative=0``). Every example scores all V
        words, so a pair costs about V d operations against (negative + 1) d for negative
        sampling: for small vocabularies, teaching and measuring (see ``docs/softmax.md``).
        The loss it reports is the exact negative log-likelihood.

    Attributes
    ----------
    wv : KeyedVectors
        The trained word vectors.
    syn1neg, syn1, syn1softmax : numpy.ndarray or None
        Output weights of negative sampling, hierarchical softmax and the full softmax.
    corpus_count, corpus_total_words : int
        Sentences and raw words seen by ``build_vocab``.
    raw_vocab : dict of str to int or None
        Every word's count before ``min_count``, kept when ``build_vocab(keep_raw_vocab=True)``.
    effective_min_count : int
        The ``min_count`` the vocabulary was chosen with (raised by ``max_final_vocab``).
    running_training_loss : float
        The loss of the latest epoch (``get_latest_training_loss``): w2v's per-epoch float64
        sum, where gensim's is a float32 running total over a ``train()`` call.
    total_train_time : float
        Seconds spent in ``train()`` over the model's life.
    min_alpha_yet_reached : float
        The lowest learning rate training has reached so far (``alpha`` before training);
        ``train()`` warns when it starts above it.

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> sentences = [["cat", "say", "meow"], ["dog", "say", "woof"]] * 100
    >>> model = Word2Vec(sentences, vector_size=16, min_count=1, workers=1, seed=3)
    >>> model.wv["cat"].shape
    (16,)
    >>> sorted(model.wv.key_to_index)
    ['cat', 'dog', 'meow', 'say', 'woof']
    """

    #: Output-layer matrices, saved and loaded by name: a new output layer only adds its name.
    _output_arrays: tuple[str, ...] = OUTPUT_LAYERS
    #: Training state that ``save`` keeps so that ``train`` continues where it stopped.
    _saved_state: tuple[str, ...] = ("corpus_count", "corpus_total_words", "epoch", "train_count",
                                     "running_training_loss", "total_train_time", "min_alpha_yet_reached",
                                     "effective_min_count")
    #: Constructor parameters ``save`` does not store: the corpus, and callables (which could
    #: only be stored as pickle). Pass ``trim_rule``/``callbacks`` again after ``load``.
    _unsaved_params: frozenset[str] = frozenset({"sentences", "corpus_file", "trim_rule", "callbacks", "hashfxn"})

    # The parameters, read from (and assigned through) ``config``; see ``__getattr__``.
    config: TrainingConfig
    vector_size: int
    alpha: float
    window: int
    min_count: int
    max_vocab_size: int | None
    sample: float
    seed: int
    workers: int
    min_alpha: float
    sg: int
    hs: int
    negative: int
    ns_exponent: float
    cbow_mean: int
    epochs: int
    null_word: int
    sorted_vocab: int
    batch_words: int
    compute_loss: bool
    shrink_windows: bool
    max_final_vocab: int | None
    shared_negatives: bool
    softmax: bool

    def __init__(
        self,
        sentences: Corpus | None = None,
        corpus_file: PathLike | None = None,
        vector_size: int = 100,
        alpha: float = 0.025,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        sample: float = 1e-3,
        seed: int = 1,
        workers: int = 3,
        min_alpha: float = 0.0001,
        sg: int = 0,
        hs: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: int = 1,
        hashfxn: Any = hash,
        epochs: int = 5,
        null_word: int = 0,
        trim_rule: vocab.TrimRule | None = None,
        sorted_vocab: int = 1,
        batch_words: int = 10000,
        compute_loss: bool = False,
        callbacks: Sequence[Callback] = (),
        comment: str | None = None,
        max_final_vocab: int | None = None,
        shrink_windows: bool = True,
        shared_negatives: bool = False,
        softmax: bool = False,
    ):
        self.config = TrainingConfig(
            vector_size=vector_size, alpha=alpha, window=window, min_count=min_count,
            max_vocab_size=max_vocab_size, sample=sample, seed=seed, workers=workers, min_alpha=min_alpha,
            sg=sg, hs=hs, negative=negative, ns_exponent=ns_exponent, cbow_mean=cbow_mean, epochs=epochs,
            null_word=null_word, sorted_vocab=sorted_vocab, batch_words=batch_words, compute_loss=compute_loss,
            shrink_windows=shrink_windows, max_final_vocab=max_final_vocab, shared_negatives=shared_negatives,
            softmax=softmax)
        if hashfxn is not hash:
            raise ValueError("hashfxn: w2v's initial vectors come from a stable hash of each word's UTF-8 bytes and "
                             "the seed (reproducible in any process), not from a Python hash function; leave "
                             "hashfxn at its default and choose the vectors with seed=")
        if comment is not None and not isinstance(comment, str):
            raise TypeError(f"comment must be a str, got {type(comment).__name__}")
        self.hashfxn = hashfxn
        self.comment = comment
        self.trim_rule = trim_rule
        self.callbacks = tuple(callbacks)
        if self.hs and self.negative:
            logger.warning("Both hierarchical softmax and negative sampling are activated. This is probably a "
                           "mistake (hs=1 and negative=%i train both output layers, at the cost of both): set "
                           "either hs=0 or negative=0 to train one of them", self.negative)
        self.wv = KeyedVectors(self.vector_size)
        self.syn1neg: np.ndarray | None = None
        self.syn1: np.ndarray | None = None
        self.syn1softmax: np.ndarray | None = None
        self.corpus_count = 0
        self.corpus_total_words = 0
        self.raw_vocab: dict[str, int] | None = None
        self.epoch = 0
        self.train_count = 0
        self.running_training_loss = 0.0
        self.total_train_time = 0.0
        self.min_alpha_yet_reached = self.alpha
        self.effective_min_count = self.min_count
        self.epoch_stats: list[EpochStats] = []
        self._tables: tuple[TrainingConfig, TrainingTables] | None = None  # and the config they are for
        self._busy = threading.Lock()
        self._busy_thread: int | None = None
        self._busy_action = ""

        if sentences is not None or corpus_file is not None:
            source = CorpusSource(sentences, corpus_file, passes=self.epochs + 1)
            with self._exclusive("build_vocab"):
                self._build_vocab(source, update=False, progress_per=10000, keep_raw_vocab=False,
                                  trim_rule=trim_rule)
                self._train(source, self._training_call(self.epochs, self.alpha, self.min_alpha, None, None, 1.0, False),
                            self.corpus_count, self.corpus_total_words, queue_factor=2)

    # ------------------------------------------------------------------ parameters

    def __getattr__(self, name: str) -> Any:
        # Called only for names not found normally: the parameters live in the config.
        if name in CONFIG_FIELDS and "config" in self.__dict__:
            return getattr(self.config, name)
        descriptor = next((vars(klass)[name] for klass in type(self).__mro__ if name in vars(klass)), None)
        if isinstance(descriptor, ClassOnlyMethod):
            descriptor.__get__(self, type(self))  # raises the explanation (model.load(...) on an instance)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        # ``model.alpha = 0.01`` (as gensim users write) makes a new, validated config.
        if name in CONFIG_FIELDS:
            self.config = self.config.replace(**{name: value})
        else:
            super().__setattr__(name, value)

    @contextlib.contextmanager
    def _exclusive(self, action: str) -> Iterator[None]:
        """Run ``action`` alone on this model: ``train``, ``build_vocab`` and ``save`` exclude
        each other across threads, and training refuses to change the vocabulary under itself.

        The thread that is training may save (a callback checkpointing the model); any other
        call while one runs is a clear RuntimeError, never a silent race. Queries take no lock.
        """
        me = threading.get_ident()
        if self._busy_thread == me:
            if action != "save":
                raise RuntimeError(f"cannot {action} while this thread runs {self._busy_action}() on the "
                                   "model (from a callback?): wait until it returns")
            yield
            return
        if not self._busy.acquire(blocking=False):
            raise RuntimeError(f"cannot {action}: another thread is running {self._busy_action}() on this "
                               "model; one model trains, rebuilds its vocabulary or saves in one thread at a "
                               "time (save from a callback, or after train() returns)")
        self._busy_thread, self._busy_action = me, action
        try:
            yield
        finally:
            self._busy_thread, self._busy_action = None, ""
            self._busy.release()

    # ------------------------------------------------------------------ vocabulary

    def build_vocab(self, corpus_iterable: Corpus | None = None, corpus_file: PathLike | None = None,
                    update: bool = False, progress_per: int = 10000, keep_raw_vocab: bool = False,
                    trim_rule: vocab.TrimRule | None = None) -> None:
        """Scan a corpus, choose the vocabulary and allocate the weights.

        Parameters
        ----------
        corpus_iterable, corpus_file
            The corpus, as for the constructor.
        update : bool
            Add the corpus's new words to an existing vocabulary (online learning): known
            words keep their rows and vectors and gain the new counts; new words that reach
            ``min_count`` get fresh rows initialised like the others.
        progress_per : int
            Log progress every this many sentences.
        keep_raw_vocab : bool
            Keep the raw counts in ``raw_vocab`` afterwards.
        trim_rule : callable, optional
            Overrides the model's ``trim_rule`` for this scan.

        Raises
        ------
        ValueError
            If the corpus is empty or no word reaches ``min_count``.

        Examples
        --------
        >>> model = Word2Vec(vector_size=8, min_count=1)
        >>> model.build_vocab([["a", "b", "a"]])
        >>> model.wv.index_to_key, model.corpus_total_words
        (['a', 'b'], 3)
        """
        source = CorpusSource(corpus_iterable, corpus_file, passes=1)
        with self._exclusive("build_vocab"):
            self._build_vocab(source, update, progress_per, keep_raw_vocab, trim_rule)

    def _build_vocab(self, source: CorpusSource, update: bool, progress_per: int, keep_raw_vocab: bool,
                     trim_rule: vocab.TrimRule | None) -> None:
        trim_rule = trim_rule if trim_rule is not None else self.trim_rule
        scan = self._scan(source, progress_per, trim_rule)
        self._choose_vocabulary(scan.counts, scan.total_words, scan.sentences, update, trim_rule,
                                keep_raw_vocab)

    def _scan(self, source: CorpusSource, progress_per: int, trim_rule: vocab.TrimRule | None) -> vocab.CorpusScan:
        if source.path is not None:
            return vocab.scan_corpus_file(source.path, self.max_vocab_size, trim_rule)
        return vocab.scan_corpus(source.sentences, self.max_vocab_size, trim_rule, progress_per)

    def scan_vocab(self, corpus_iterable: Corpus | None = None, corpus_file: PathLike | None = None,
                   progress_per: int = 10000, workers: int | None = None,
                   trim_rule: vocab.TrimRule | None = None) -> tuple[int, int]:
        """Count the corpus's words into ``raw_vocab``: the first half of ``build_vocab``, as gensim.

        ``prepare_vocab`` then chooses the vocabulary from the counts. ``workers`` is accepted
        for gensim compatibility (a corpus file is counted in C, an iterable in one pass).

        Returns
        -------
        (total_words, corpus_count) : tuple of int

        Examples
        --------
        >>> model = Word2Vec(min_count=1)
        >>> model.scan_vocab([["a", "b", "a"]]), model.raw_vocab
        ((3, 1), {'a': 2, 'b': 1})
        """
        source = CorpusSource(corpus_iterable, corpus_file, passes=1)
        with self._exclusive("build_vocab"):
            scan = self._scan(source, progress_per, trim_rule if trim_rule is not None else self.trim_rule)
        self.raw_vocab, self.corpus_count, self.corpus_total_words = scan.counts, scan.sentences, scan.total_words
        return scan.total_words, scan.sentences

    def prepare_vocab(self, update: bool = False, keep_raw_vocab: bool = False, trim_rule: vocab.TrimRule | None = None,
                      min_count: int | None = None, sample: float | None = None,
                      dry_run: bool = False) -> dict[str, Any]:
        """Choose the vocabulary from ``raw_vocab`` (counted by ``scan_vocab``) and allocate the
        weights: the second half of ``build_vocab``, with gensim's report.

        Parameters
        ----------
        update, keep_raw_vocab, trim_rule
            As for ``build_vocab``.
        min_count, sample : optional
            New values of the model's parameters (kept unless ``dry_run``).
        dry_run : bool
            Only report what these settings would keep; change nothing.

        Returns
        -------
        dict
            gensim's keys: ``drop_unique``, ``retain_total``, ``num_retained_words``,
            ``downsample_unique``, ``downsample_total`` and ``memory`` (``estimate_memory``).

        Examples
        --------
        >>> model = Word2Vec(vector_size=4)
        >>> _ = model.scan_vocab([["a", "a", "b"]])
        >>> model.prepare_vocab(min_count=2, dry_run=True)["num_retained_words"], len(model.wv)
        (1, 0)
        """
        if self.raw_vocab is None:
            raise RuntimeError("prepare_vocab() needs the counts of scan_vocab(); call it first")
        config = self.config.replace(**{name: value for name, value in (("min_count", min_count), ("sample", sample))
                                        if value is not None})
        trim_rule = trim_rule if trim_rule is not None else self.trim_rule
        words, counts = vocab.select_words(self.raw_vocab, config.min_count, config.max_final_vocab, trim_rule)
        report: dict[str, Any] = vocab.vocabulary_report(self.raw_vocab, counts, config.sample)
        report["memory"] = gensim_compat.estimate_memory(self, vocab_size=len(words))
        if not dry_run:
            self.config = config
            with self._exclusive("build_vocab"):
                self._choose_vocabulary(self.raw_vocab, self.corpus_total_words, self.corpus_count, update,
                                        trim_rule, keep_raw_vocab)
        return report

    def build_vocab_from_freq(self, word_freq: dict[str, int], keep_raw_vocab: bool = False,
                              corpus_count: int | None = None, trim_rule: vocab.TrimRule | None = None,
                              update: bool = False) -> None:
        """Choose the vocabulary from word counts made elsewhere, as gensim does.

        ``min_count``, ``max_final_vocab`` and ``trim_rule`` apply as in :meth:`build_vocab`;
        ``corpus_total_words`` becomes the sum of the counts.

        Parameters
        ----------
        word_freq : dict of str to int
            How often each word occurs in the corpus.
        keep_raw_vocab, trim_rule, update
            As for :meth:`build_vocab`.
        corpus_count : int, optional
            The number of sentences in the corpus, if known (for ``total_examples``).

        Examples
        --------
        >>> model = Word2Vec(vector_size=8, min_count=2)
        >>> model.build_vocab_from_freq({"a": 5, "b": 2, "c": 1})
        >>> model.wv.index_to_key, model.corpus_total_words
        (['a', 'b'], 8)
        """
        counts = {str(word): int(count) for word, count in word_freq.items()}
        if any(count < 0 for count in counts.values()):
            raise ValueError("word counts must be >= 0")
        with self._exclusive("build_vocab"):
            self._choose_vocabulary(counts, sum(counts.values()), corpus_count or 0, update,
                                    trim_rule if trim_rule is not None else self.trim_rule, keep_raw_vocab)

    def _choose_vocabulary(self, raw_counts: dict[str, int], total_words: int, sentences: int,
                           update: bool, trim_rule: vocab.TrimRule | None, keep_raw_vocab: bool) -> None:
        """Apply min_count/max_final_vocab/trim_rule to raw counts and (re)build the weights."""
        if total_words == 0:
            raise ValueError("the corpus is empty: it holds no tokens")
        self.corpus_count = sentences
        self.corpus_total_words = total_words
        words, counts = vocab.select_words(raw_counts, self.min_count, self.max_final_vocab,
                                           trim_rule, bool(self.sorted_vocab))
        self.effective_min_count = vocab.effective_min_count(raw_counts, self.min_count, self.max_final_vocab)
        self._log_vocabulary(raw_counts, total_words, counts)
        if update:
            self._add_words(words, counts, raw_counts)
        else:
            if not raw_counts:
                raise ValueError(f"max_vocab_size={self.max_vocab_size} pruned every word while scanning "
                                 "the corpus: raise max_vocab_size (or leave it None)")
            if not words:
                most = max(raw_counts.items(), key=lambda item: item[1])
                raise ValueError(
                    f"no word occurs at least min_count={self.min_count} times (the most frequent, "
                    f"{most[0]!r}, occurs {most[1]} times): lower min_count or give more text")
            if self.null_word:
                words, counts = words + ["\0"], np.append(counts, 1)
            self._set_vocabulary(words, counts)
        self.raw_vocab = raw_counts if keep_raw_vocab else None
        if logger.isEnabledFor(logging.INFO):
            gensim_compat.estimate_memory(self)

    def _log_vocabulary(self, raw_counts: dict[str, int], total_words: int, counts: np.ndarray) -> None:
        """gensim's vocabulary summary: what min_count keeps and what subsampling will leave."""
        if not logger.isEnabledFor(logging.INFO):
            return
        report = vocab.vocabulary_report(raw_counts, counts, self.sample)
        kept, retained = report["num_retained_words"], report["retain_total"]
        logger.info("effective_min_count=%i retains %i unique words (%.2f%% of original %i, drops %i)",
                    self.effective_min_count, kept, 100 * kept / max(len(raw_counts), 1), len(raw_counts),
                    report["drop_unique"])
        logger.info("effective_min_count=%i leaves %i word corpus (%.2f%% of original %i, drops %i)",
                    self.effective_min_count, retained, 100 * retained / max(total_words, 1), total_words,
                    total_words - retained)
        logger.info("sample=%g downsamples %i most-common words", self.sample, report["downsample_unique"])
        logger.info("downsampling leaves estimated %i word corpus (%.1f%% of prior %i)", report["downsample_total"],
                    100 * report["downsample_total"] / max(retained, 1), retained)

    def _require_weight_memory(self, vocab_size: int) -> None:
        """Refuse weights for ``vocab_size`` words that cannot fit, before anything is allocated,
        with the sizes that decide it (not NumPy's "Unable to allocate" from deep inside)."""
        report = self.estimate_memory(vocab_size=vocab_size)
        weights = report["vectors"] + sum(report[layer] for layer in self.config.output_layers)
        require_memory(weights, f"the weights of {vocab_size} words x {self.vector_size} dimensions",
                       "lower vector_size, or keep fewer words (min_count, max_final_vocab)")

    def _set_vocabulary(self, words: list[str], counts: np.ndarray) -> None:
        self._require_weight_memory(len(words))
        self.wv = KeyedVectors(self.vector_size)
        self.wv.add_vectors(words, _vocab.initial_vectors(words, self.vector_size, self.seed),
                            extras={"count": counts})
        outputs = new_outputs(self.config, len(words))
        for layer in self._output_arrays:
            setattr(self, layer, outputs.get(layer))
        self._tables = None

    def _add_words(self, words: list[str], counts: np.ndarray, raw_counts: dict[str, int]) -> None:
        if not len(self.wv):
            raise RuntimeError("build_vocab(update=True) needs an existing vocabulary; call build_vocab() first")
        self._check_writable("update the vocabulary")
        new_words = [word for word in words if word not in self.wv.key_to_index]
        self._require_weight_memory(len(self.wv) + len(new_words))  # before anything changes
        known = self.wv.expandos["count"]
        for word, count in raw_counts.items():
            index = self.wv.key_to_index.get(word)
            if index is not None:
                known[index] += count
        new_counts = np.array([raw_counts[word] for word in new_words], dtype=np.int64)
        self.wv.add_vectors(new_words, _vocab.initial_vectors(new_words, self.vector_size, self.seed),
                            extras={"count": new_counts})
        for layer, matrix in self.output_matrices().items():
            setattr(self, layer, grown_output(layer, matrix, self.config, len(self.wv)))  # new rows are zero
        self._tables = None
        logger.info("vocabulary update: %i new words, %i in all", len(new_words), len(self.wv))

    # ------------------------------------------------------------------ training

    def output_matrices(self) -> dict[str, np.ndarray]:
        """The output layers this model holds, by name (``syn1neg``, ``syn1``, ``syn1softmax``).

        Examples
        --------
        >>> model = Word2Vec([["a", "b"]] * 5, vector_size=4, min_count=1, hs=1, negative=2, workers=1)
        >>> sorted(model.output_matrices())
        ['syn1', 'syn1neg']
        """
        return {layer: getattr(self, layer) for layer in self._output_arrays if getattr(self, layer) is not None}

    def weight_matrices(self) -> dict[str, np.ndarray]:
        """Every weight matrix by name: ``wv`` (the input vectors), then the output layers."""
        return {"wv": self.wv.vectors, **self.output_matrices()}

    def _training_tables(self) -> TrainingTables:
        """Subsampling thresholds, noise alias table and Huffman tree for the current counts
        and configuration (made again when either changed)."""
        if self._tables is None or self._tables[0] is not self.config:
            self._tables = (self.config, training_tables(self.wv.expandos["count"], self.config))
        return self._tables[1]

    def training_model(self, compute_loss: bool | None = None) -> _core.TrainingModel:
        """The kernels' view of this model's configuration, weights and tables, for one ``train()``.

        Workers made on it (``_core.Worker``) update the model's matrices in place.

        Examples
        --------
        >>> model = Word2Vec([["a", "b"]] * 5, vector_size=4, min_count=1, workers=1)
        >>> model.training_model().vocab_size
        2
        """
        if not len(self.wv):
            raise RuntimeError("the model has no vocabulary: call build_vocab() first")
        return _core.TrainingModel(self.config, self.wv.vectors, self.output_matrices(), self._training_tables(),
                                   compute_loss, vectors_lockf=self.wv.vectors_lockf)

    def train(
        self,
        corpus_iterable: Corpus | None = None,
        corpus_file: PathLike | None = None,
        total_examples: int | None = None,
        total_words: int | None = None,
        epochs: int | None = None,
        start_alpha: float | None = None,
        end_alpha: float | None = None,
        word_count: int = 0,
        queue_factor: int = 2,
        report_delay: float = 1.0,
        compute_loss: bool | None = None,
        callbacks: Sequence[Callback] | None = None,
        progress_bar: bool = False,
    ) -> tuple[int, int]:
        """Train the vectors on a corpus for ``epochs`` passes.

        Parameters
        ----------
        corpus_iterable, corpus_file
            The corpus, as for the constructor.
        total_examples, total_words : int
            The length of one pass, in sentences or raw words (one of them is required;
            corpus_file needs ``total_words``), which drives the linear learning-rate decay.
            ``model.corpus_count`` and ``model.corpus_total_words`` hold them for the
            corpus given to ``build_vocab``.
        epochs : int
            Passes over the corpus (required, as in gensim).
        start_alpha, end_alpha : float, optional
            Learning rate at the start and end of this call (default: ``alpha``, ``min_alpha``).
        word_count : int
            Accepted for gensim compatibility; ignored.
        queue_factor : int
            Batches queued per worker thread (iterable corpora).
        report_delay : float
            Seconds between progress reports.
        compute_loss : bool, optional
            Track the loss for this call (default: the model's ``compute_loss``).
        callbacks : sequence of Callback, optional
            Default: the model's ``callbacks``.
        progress_bar : bool
            Show a tqdm progress bar with words/s and ETA (needs tqdm).

        Returns
        -------
        (effective_words, raw_words) : tuple of int
            Words trained on (after subsampling) and words read, over all epochs.

        Examples
        --------
        >>> sentences = [["a", "b", "c", "d"]] * 20
        >>> model = Word2Vec(vector_size=8, min_count=1, sample=0, workers=1)
        >>> model.build_vocab(sentences)
        >>> model.train(sentences, total_examples=model.corpus_count, epochs=2, compute_loss=True)[1]
        160
        >>> model.get_latest_training_loss() > 0
        True
        """
        call = self._training_call(epochs, start_alpha, end_alpha, compute_loss, callbacks, report_delay,
                                   progress_bar)
        if not total_examples and not total_words:
            raise ValueError(
                "train() needs total_examples= or total_words= to schedule the learning rate; "
                "for the corpus given to build_vocab use total_examples=model.corpus_count")
        total_examples = None if not total_examples else _count("total_examples", total_examples)
        total_words = None if not total_words else _count("total_words", total_words)
        source = CorpusSource(corpus_iterable, corpus_file, passes=call.epochs)
        with self._exclusive("train"):
            return self._train(source, call, total_examples, total_words, _count("queue_factor", queue_factor))

    def _training_call(self, epochs: int | None, start_alpha: float | None, end_alpha: float | None,
                       compute_loss: bool | None, callbacks: Sequence[Callback] | None, report_delay: float,
                       progress_bar: bool) -> TrainingCall:
        """The settings of one train() call, checked, with the model's defaults filled in."""
        if epochs is None:
            raise ValueError("train() needs an explicit epochs= (as in gensim), e.g. epochs=model.epochs")
        epochs = _count("epochs", epochs)
        start_alpha = check_learning_rate("start_alpha", self.alpha if start_alpha is None else start_alpha)
        end_alpha = check_learning_rate("end_alpha", self.min_alpha if end_alpha is None else end_alpha)
        if not (isinstance(report_delay, numbers.Real) and math.isfinite(report_delay) and report_delay >= 0):
            raise ValueError(f"report_delay must be a number of seconds >= 0, got {report_delay!r}")
        return TrainingCall(
            epochs=epochs, schedule=LearningRateSchedule(start_alpha, end_alpha, epochs),
            compute_loss=self.compute_loss if compute_loss is None else bool(compute_loss),
            callbacks=self.callbacks if callbacks is None else tuple(callbacks),
            report_delay=float(report_delay), progress_bar=bool(progress_bar))

    def _train(self, source: CorpusSource, call: TrainingCall, total_examples: int | None,
               total_words: int | None, queue_factor: int) -> tuple[int, int]:
        """Train on a checked corpus: choose its feeder and run the driver."""
        if not len(self.wv):
            raise RuntimeError("the model has no vocabulary: call build_vocab() before train()")
        self._check_writable("train")
        feeder: Feeder
        if source.path is not None:
            if not total_words:
                raise ValueError("corpus_file training measures progress in words: pass "
                                 "total_words= (model.corpus_total_words for the file given to build_vocab)")
            feeder = CorpusFileFeeder(source.path, self.wv.index_to_key, total_words)
        else:
            feeder = IterableFeeder(source.sentences, self.wv.key_to_index, EpochTarget(total_examples, total_words),
                                    self.batch_words, queue_factor)
        if call.schedule.start_alpha > self.min_alpha_yet_reached:
            logger.warning("Effective 'alpha' higher than previous training cycles: this train() starts at "
                           "alpha=%g, above the %g an earlier one reached", call.schedule.start_alpha,
                           self.min_alpha_yet_reached)
        started = time.perf_counter()
        try:
            return run_training(self, feeder, call)
        finally:
            self.total_train_time += time.perf_counter() - started

    def _check_writable(self, action: str) -> None:
        """A clear error, instead of NumPy's, when the weights are read-only (mmap="r")."""
        read_only = [name if name != "wv" else "wv.vectors" for name, matrix in self.weight_matrices().items()
                     if not matrix.flags.writeable]
        if read_only:
            raise RuntimeError(
                f"cannot {action}: {', '.join(read_only)} are read-only, as after Word2Vec.load(path, "
                "mmap='r'). Load with mmap=None to train, or mmap='c' for private copy-on-write pages")

    # ------------------------------------------------------------------ persistence

    def save(self, fname: PathLike, *args: Any, **gensim_keywords: Any) -> None:
        """Save the whole model to one file, to query it or to continue training later.

        The native w2v format (see ``w2v.io.native``): no pickle, written atomically.
        It holds the constructor parameters (except ``trim_rule`` and ``callbacks``), the
        vocabulary with its counts, the vectors, the output layers, the lock factors and the
        training state.

        gensim's keywords for its pickle format (``separately``, ``sep_limit``, ``ignore``,
        ``pickle_protocol``) are accepted with a ``DeprecationWarning`` and ignored, so that
        existing code keeps running: w2v's file has no pickle to tune, and its arrays are
        always stored so that ``load(mmap="r")`` maps them.

        Examples
        --------
        >>> import os, tempfile
        >>> sentences = [["a", "b", "c"]] * 20
        >>> model = Word2Vec(sentences, vector_size=8, min_count=1, workers=1)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.w2v")
        >>> model.save(path)
        >>> loaded = Word2Vec.load(path)
        >>> bool((loaded.wv.vectors == model.wv.vectors).all()), loaded.window
        (True, 5)
        >>> loaded.train(sentences, total_examples=loaded.corpus_count, epochs=1)[1]
        60
        """
        from w2v.io.native import save_word2vec
        gensim_compat.warn_gensim_save_keywords(args, gensim_keywords)
        with self._exclusive("save"):
            save_word2vec(self, fname)

    @ClassOnlyMethod
    def load(cls, fname: PathLike, mmap: str | None = None) -> "Word2Vec":
        """Load a model saved by ``save`` (call it on the class: ``Word2Vec.load(path)``).

        Parameters
        ----------
        fname : str or os.PathLike
        mmap : {None, "r", "c"}
            Map the arrays from the file instead of reading them: ``"r"`` read-only
            (shared between processes; ``train`` then refuses), ``"c"`` copy-on-write.
        """
        from w2v.io.native import load_word2vec
        return load_word2vec(cls, fname, mmap=mmap)

    def get_latest_training_loss(self) -> float:
        """The training loss summed over the latest epoch (0.0 without ``compute_loss``).

        Unlike gensim's, it is a float64 sum over every output term of the epoch, kept per
        thread and added up, so it does not saturate and does not depend on ``workers``.
        With ``softmax=True`` it is the exact negative log-likelihood: the sum over the
        epoch's examples of -log p(target word | input).
        """
        return self.running_training_loss

    # ------------------------------------------------------------------ predictions

    def predict_output_word(self, context_words_list: Sequence[str], topn: int = 10) -> list[tuple[str, float]] | None:
        """The ``topn`` most probable centre words given context words, with their probabilities.

        The hidden vector is the mean (``cbow_mean=1``) or sum of the known context words'
        input vectors, as in gensim. The probabilities come from the exact softmax when it
        is trained, else from negative sampling (gensim's ``softmax(syn1neg h)``, a ranking
        more than a probability: negative sampling never normalises), else from
        hierarchical softmax (the product of the branch probabilities on each word's path,
        a true distribution; gensim's method does not support it). See ``w2v.inference``.

        Returns
        -------
        list of (str, float) or None
            Best first; None (with a warning, as gensim) when no context word is known.

        Examples
        --------
        >>> sentences = [["the", "cat", "sat"], ["the", "dog", "ran"]] * 100
        >>> model = Word2Vec(sentences, vector_size=16, min_count=1, workers=1, seed=2)
        >>> model.predict_output_word(["the", "sat"], topn=1)[0][0]
        'cat'
        """
        return inference.predict_output_word(self, context_words_list, topn)

    def score(self, sentences: Iterable[Sequence[str]], total_sentences: int = 1000000, chunksize: int = 100,
              queue_factor: int = 2, report_delay: float = 1) -> np.ndarray:
        """The log-probability of each sentence under the model (Taddy 2015), as gensim's ``score``.

        Every word is predicted from its full window (skip-gram: from each context word,
        summing the terms; CBOW: from the mean or sum of the context vectors), by
        hierarchical softmax (``hs=1``, as gensim) or the exact softmax (``softmax=True``).
        Words outside the vocabulary are left out; nothing is subsampled. Each term is
        exact (gensim reads log sigmoid from a table and leaves out terms with ``|f| >= 6``,
        so its scores are slightly higher). Runs on ``workers`` threads without the GIL.

        Parameters
        ----------
        sentences : iterable of list of str
        total_sentences : int
            Score at most this many sentences (gensim's default, 1e6; a warning says when
            more were given).
        chunksize : int
            Sentences per job handed to a thread.
        queue_factor : int
            Jobs that may wait per thread.
        report_delay : float
            Seconds between progress reports (``logging`` INFO).

        Returns
        -------
        numpy.ndarray
            float32 log-probabilities, one per sentence, in order.

        Raises
        ------
        RuntimeError
            For a model with neither hierarchical softmax nor the exact softmax.

        Examples
        --------
        >>> sentences = [["the", "cat", "sat"], ["the", "dog", "ran"]] * 100
        >>> model = Word2Vec(sentences, vector_size=16, min_count=1, workers=1, hs=1, negative=0, seed=2)
        >>> likely, unlikely = model.score([["the", "cat", "sat"], ["sat", "ran", "dog"]])
        >>> bool(likely > unlikely)
        True
        """
        return inference.score(self, sentences, total_sentences, chunksize, queue_factor, report_delay)

    # ------------------------------------------------------------------ gensim interoperability

    @classmethod
    def from_gensim(cls, model: Any) -> "Word2Vec":
        """A copy of a live ``gensim.models.Word2Vec``: parameters, vocabulary with counts,
        vectors, output layers, lock factors and training state; training continues on it.

        The way to bring a model saved with gensim's pickle into w2v: load it with gensim
        (``gensim.models.Word2Vec.load(path)``: unpickling runs code, so only for files you
        trust) and pass the object here; w2v never unpickles. Hierarchical-softmax weights
        carry over as they are, because w2v builds gensim's Huffman tree.

        Examples
        --------
        >>> import gensim  # doctest: +SKIP
        >>> theirs = gensim.models.Word2Vec([["a", "b"]] * 10, min_count=1)  # doctest: +SKIP
        >>> ours = Word2Vec.from_gensim(theirs)  # doctest: +SKIP
        >>> bool((ours.wv["a"] == theirs.wv["a"]).all())  # doctest: +SKIP
        True
        """
        return gensim_compat.word2vec_from_gensim(cls, model)

    def to_gensim(self) -> Any:
        """A ``gensim.models.Word2Vec`` copied from this model (needs gensim), trainable there.

        Refused for ``softmax=True`` (gensim has no exact softmax); with
        ``shared_negatives=True`` the copy trains gensim's plain skip-gram.

        Examples
        --------
        >>> model = Word2Vec([["a", "b"]] * 10, vector_size=4, min_count=1, workers=1)
        >>> theirs = model.to_gensim()  # doctest: +SKIP
        >>> bool((theirs.wv["a"] == model.wv["a"]).all())  # doctest: +SKIP
        True
        """
        return gensim_compat.word2vec_to_gensim(self)

    def reset_from(self, other_model: "Word2Vec") -> None:
        """Take ``other_model``'s vocabulary (words, counts, corpus size) and start from fresh
        weights, as gensim's ``reset_from``: to train several models on one vocabulary scan.

        The vocabulary is copied, not shared, so the two models stay independent.

        Examples
        --------
        >>> first = Word2Vec([["a", "b", "c"]] * 5, vector_size=4, min_count=1, workers=1)
        >>> second = Word2Vec(vector_size=8, min_count=1)
        >>> second.reset_from(first)
        >>> second.wv.index_to_key == first.wv.index_to_key, second.wv.vectors.shape
        (True, (3, 8))
        """
        with self._exclusive("build_vocab"):
            gensim_compat.reset_from(self, other_model)

    def estimate_memory(self, vocab_size: int | None = None, report: dict | None = None) -> dict[str, int]:
        """Bytes this model takes for ``vocab_size`` words (default: its vocabulary), by part.

        The figures are w2v's, not gensim's: ``vocab`` (keys, their index and counts;
        measured when the model has its vocabulary), ``tables`` (subsampling, noise and
        Huffman tables of a ``train()`` call), ``vectors``, each output layer with its rows
        padded to whole 64-byte cache lines (``syn1`` has one row fewer than words), the
        exact softmax's per-worker scratch, and ``total``.

        Examples
        --------
        >>> model = Word2Vec(vector_size=100, hs=0, negative=5)
        >>> report = model.estimate_memory(vocab_size=1000)
        >>> report["vectors"], report["syn1neg"]
        (400000, 448000)
        """
        return gensim_compat.estimate_memory(self, vocab_size, report)

    # ------------------------------------------------------------------ context vectors

    def _context_matrix(self) -> np.ndarray:
        """The output-layer matrix whose row i belongs to word i (softmax or negative sampling)."""
        if not len(self.wv):
            raise RuntimeError("the model has no vocabulary: call build_vocab() first")
        if self.syn1softmax is not None:
            return self.syn1softmax
        if self.syn1neg is not None:
            return self.syn1neg
        raise ValueError(
            "this model has no per-word output vectors: with hs=1 and negative=0 the output layer "
            "(syn1) holds one row per inner node of the Huffman tree, each shared by every word "
            "below it, not one row per word. Train with negative > 0 or softmax=True to get "
            "context vectors")

    @property
    def context_vectors(self) -> KeyedVectors:
        """The output ("context") vectors, keyed like ``wv``: a copy of ``syn1softmax`` with
        ``softmax=True``, else of ``syn1neg``.

        Raises
        ------
        ValueError
            For hierarchical softmax alone (hs=1, negative=0): its output rows are the Huffman
            tree's inner nodes, not words.

        Examples
        --------
        >>> sentences = [["cat", "say", "meow"], ["dog", "say", "woof"]] * 50
        >>> model = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, epochs=2)
        >>> contexts = model.context_vectors
        >>> contexts.index_to_key == model.wv.index_to_key, contexts["say"].shape
        (True, (8,))
        """
        return _keyed_like(self.wv, self._context_matrix())

    def word_context_vectors(self) -> KeyedVectors:
        """Word plus context vectors, w + c, keyed like ``wv``.

        Adding each word's output vector to its input vector is the "w + c" trick of Levy,
        Goldberg & Dagan (2015, "Improving Distributional Similarity with Lessons Learned
        from Word Embeddings"): it mixes first-order (w.c, co-occurrence) with second-order
        (w.w, shared contexts) similarity and sometimes improves similarity benchmarks. It is
        a post-processing choice to measure on your task, not a free win.

        Raises
        ------
        ValueError
            As ``context_vectors``.

        Examples
        --------
        >>> sentences = [["cat", "say", "meow"], ["dog", "say", "woof"]] * 50
        >>> model = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, epochs=2)
        >>> summed = model.word_context_vectors()
        >>> bool(np.allclose(summed["cat"], model.wv["cat"] + model.context_vectors["cat"]))
        True
        """
        return _keyed_like(self.wv, self.wv.vectors + self._context_matrix())

    def __str__(self) -> str:
        return (f"Word2Vec<vocab={len(self.wv)}, vector_size={self.vector_size}, "
                f"sg={self.sg}, hs={self.hs}, negative={self.negative}, alpha={self.alpha}>")

    __repr__ = __str__
