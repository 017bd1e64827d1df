"""``Word2Vec``: the model users build, train and query, with gensim 4's interface.

The class is thin on purpose. It validates parameters, owns the vocabulary (via
``w2v.vocab``) and the weights, and hands epochs to the driver in ``w2v.train.driver``, whose
threads spend their time in the nogil kernels of ``w2v._core``.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from w2v import _core, vocab
from w2v.train import _corpusfile
from w2v.vocab import _vocab
from w2v.callbacks import Callback
from w2v.vectors.keyedvectors import KeyedVectors
from w2v.train.driver import (EpochStats, EpochTarget, LearningRateSchedule, ProgressReporter, make_workers,
                          output_matrix, train_epoch_file, train_epoch_iterable)

logger = logging.getLogger(__name__)

#: A weight this large (or a NaN) after an epoch means training diverged: word2vec weights
#: are of order 1, and no useful model has one near this.
DIVERGED_WEIGHT = 1e4

#: Above this many words, ``softmax=True`` warns that training is slow (its cost grows with V).
SOFTMAX_SLOW_VOCABULARY = 10000

Corpus = Iterable[Sequence[str]]
PathLike = str | os.PathLike


def _binary_flag(name: str, value: Any) -> int:
    if value not in (0, 1) or isinstance(value, float):
        raise ValueError(f"{name} must be 0 or 1, got {value!r}")
    return int(value)


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_iterable_corpus(corpus: Any, passes: int) -> None:
    """Reject the classic mistakes early: a string, a flat list of words, a one-shot iterator."""
    if isinstance(corpus, (str, bytes)):
        raise TypeError(
            "sentences is a single string; pass an iterable of sentences, each a list of str "
            "tokens (for example [line.split() for line in text.splitlines()]), or use "
            "corpus_file= for a path to a text file")
    if isinstance(corpus, Sequence) and len(corpus) and isinstance(corpus[0], str):
        raise TypeError(
            "sentences is a flat list of strings; each sentence must itself be a list of str "
            f"tokens: pass [{corpus[:3]!r}...] wrapped as a list of lists, e.g. [words]")
    if passes > 1 and iter(corpus) is corpus:
        raise TypeError(
            f"the corpus is a one-shot iterator ({type(corpus).__name__}) but training needs "
            f"{passes} passes over it (the vocabulary scan and each epoch); pass a list or a "
            "restartable iterable such as w2v.LineSentence, or an object whose __iter__ "
            "starts a new pass")


def _check_corpus_file(path: PathLike) -> str:
    """The path of a readable, uncompressed corpus file, or a clear error."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"corpus_file not found: {path!r}")
    if path.lower().endswith((".gz", ".bz2", ".xz", ".zip")):
        raise ValueError(
            f"corpus_file {path!r} is compressed; corpus_file mode reads byte ranges of a plain "
            "text file in parallel. Decompress it, or pass sentences=w2v.LineSentence(path)")
    return path


def _warn_if_softmax_is_slow(vocab_size: int, vector_size: int) -> None:
    """Warn that the full softmax over a large vocabulary makes every example expensive."""
    if vocab_size <= SOFTMAX_SLOW_VOCABULARY:
        return
    warnings.warn(
        f"softmax=True over {vocab_size} words: each training example scores every word, about "
        f"3 * V * d = {3 * vocab_size * vector_size:.2g} multiply-adds against (negative + 1) * d * 3 "
        f"= {18 * vector_size} for negative=5, i.e. roughly {vocab_size // 6}x slower per example. "
        "Use hs=1 or negative > 0 for vocabularies this large", RuntimeWarning, stacklevel=3)


def _keyed_like(wv: KeyedVectors, matrix: np.ndarray) -> KeyedVectors:
    """A KeyedVectors with the keys and counts of ``wv`` over the rows of ``matrix`` (copied)."""
    keyed = KeyedVectors(wv.vector_size)
    keyed.add_vectors(list(wv.index_to_key), matrix, extras=dict(wv.expandos))
    return keyed


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
    shrink_windows : bool
        Draw each centre word's window size uniformly from 1..window (the C tool's dynamic
        window); False uses the full window everywhere.
    max_final_vocab : int, optional
        Raise ``min_count`` as needed to keep at most this many words.
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
    _output_arrays: tuple[str, ...] = ("syn1neg", "syn1", "syn1softmax")
    #: Training state that ``save`` keeps so that ``train`` continues where it stopped.
    _saved_state: tuple[str, ...] = ("corpus_count", "corpus_total_words", "epoch", "train_count",
                                     "running_training_loss")
    #: Constructor parameters ``save`` does not store: the corpus, and callables (which could
    #: only be stored as pickle). Pass ``trim_rule``/``callbacks`` again after ``load``.
    _unsaved_params: frozenset[str] = frozenset({"sentences", "corpus_file", "trim_rule", "callbacks"})

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
        epochs: int = 5,
        null_word: int = 0,
        trim_rule: vocab.TrimRule | None = None,
        sorted_vocab: int = 1,
        batch_words: int = 10000,
        compute_loss: bool = False,
        callbacks: Sequence[Callback] = (),
        shrink_windows: bool = True,
        max_final_vocab: int | None = None,
        shared_negatives: bool = False,
        softmax: bool = False,
    ):
        self.vector_size = _positive_int("vector_size", vector_size)
        self.window = _positive_int("window", window)
        self.min_count = _positive_int("min_count", min_count, minimum=0)
        self.workers = _positive_int("workers", workers)
        self.epochs = _positive_int("epochs", epochs)
        self.batch_words = _positive_int("batch_words", batch_words)
        self.negative = _positive_int("negative", negative, minimum=0)
        self.sg = _binary_flag("sg", sg)
        self.hs = _binary_flag("hs", hs)
        self.cbow_mean = _binary_flag("cbow_mean", cbow_mean)
        self.null_word = _binary_flag("null_word", null_word)
        self.sorted_vocab = _binary_flag("sorted_vocab", sorted_vocab)
        self.softmax = bool(softmax)
        if self.softmax and (self.hs or self.negative):
            raise ValueError(
                f"softmax=True is the exact output layer and replaces the approximations: it cannot "
                f"be combined with hs={self.hs} or negative={self.negative}; pass hs=0, negative=0")
        if not self.hs and not self.negative and not self.softmax:
            raise ValueError("hs=0 and negative=0 leave no output layer to train: set hs=1, "
                             "negative > 0 or softmax=True")
        if shared_negatives and (not self.sg or not self.negative):
            raise ValueError("shared_negatives=True needs skip-gram with negative sampling (sg=1, negative > 0)")
        if not np.isfinite(sample) or sample < 0:
            raise ValueError(f"sample must be >= 0, got {sample!r}")
        if not np.isfinite(alpha) or alpha <= 0:
            raise ValueError(f"alpha must be > 0, got {alpha!r}")
        if not np.isfinite(min_alpha) or min_alpha < 0:
            raise ValueError(f"min_alpha must be >= 0, got {min_alpha!r}")
        if not np.isfinite(ns_exponent):
            raise ValueError(f"ns_exponent must be finite, got {ns_exponent!r}")
        if max_vocab_size is not None:
            max_vocab_size = _positive_int("max_vocab_size", max_vocab_size)
        if max_final_vocab is not None:
            max_final_vocab = _positive_int("max_final_vocab", max_final_vocab)
        if sentences is not None and corpus_file is not None:
            raise ValueError("give either sentences or corpus_file, not both")
        self.alpha = float(alpha)
        self.min_alpha = float(min_alpha)
        self.sample = float(sample)
        self.seed = int(seed)
        self.ns_exponent = float(ns_exponent)
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.trim_rule = trim_rule
        self.compute_loss = bool(compute_loss)
        self.callbacks = tuple(callbacks)
        self.shrink_windows = bool(shrink_windows)
        self.shared_negatives = bool(shared_negatives)

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
        self.epoch_stats: list[EpochStats] = []
        self._tables: dict[str, Any] = {}

        if sentences is not None or corpus_file is not None:
            if sentences is not None:
                _check_iterable_corpus(sentences, passes=self.epochs + 1)
            self.build_vocab(sentences, corpus_file=corpus_file, trim_rule=trim_rule)
            self.train(sentences, corpus_file=corpus_file, total_examples=self.corpus_count,
                       total_words=self.corpus_total_words, epochs=self.epochs,
                       start_alpha=self.alpha, end_alpha=self.min_alpha)

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
        trim_rule = trim_rule if trim_rule is not None else self.trim_rule
        if (corpus_iterable is None) == (corpus_file is None):
            raise TypeError("give exactly one of corpus_iterable (sentences) or corpus_file")
        if corpus_file is not None:
            scan = vocab.scan_corpus_file(_check_corpus_file(corpus_file), self.max_vocab_size, trim_rule)
        else:
            _check_iterable_corpus(corpus_iterable, passes=1)
            scan = vocab.scan_corpus(corpus_iterable, self.max_vocab_size, trim_rule, progress_per)
        self._choose_vocabulary(scan.counts, scan.total_words, scan.sentences, update, trim_rule,
                                keep_raw_vocab)

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
        logger.info("vocabulary: %i words, %i sentences, %i raw words", len(self.wv),
                    self.corpus_count, self.corpus_total_words)

    def _set_vocabulary(self, words: list[str], counts: np.ndarray) -> None:
        self.wv = KeyedVectors(self.vector_size)
        self.wv.add_vectors(words, _vocab.initial_vectors(words, self.vector_size, self.seed),
                            extras={"count": counts})
        self.syn1neg = output_matrix(len(words), self.vector_size) if self.negative else None
        self.syn1 = output_matrix(max(len(words) - 1, 1), self.vector_size) if self.hs else None
        self.syn1softmax = output_matrix(len(words), self.vector_size) if self.softmax else None
        self._tables = {}

    def _add_words(self, words: list[str], counts: np.ndarray, raw_counts: dict[str, int]) -> None:
        if not len(self.wv):
            raise RuntimeError("build_vocab(update=True) needs an existing vocabulary; call build_vocab() first")
        self._check_writable("update the vocabulary")
        known = self.wv.expandos["count"]
        for word, count in raw_counts.items():
            index = self.wv.key_to_index.get(word)
            if index is not None:
                known[index] += count
        new_words = [word for word in words if word not in self.wv.key_to_index]
        new_counts = np.array([raw_counts[word] for word in new_words], dtype=np.int64)
        self.wv.add_vectors(new_words, _vocab.initial_vectors(new_words, self.vector_size, self.seed),
                            extras={"count": new_counts})
        for name in self._output_arrays:
            old = getattr(self, name)
            if old is not None:
                # New words get zero rows; syn1's rows are Huffman inner nodes (one fewer than
                # words), which keep their rows while the tree is rebuilt over the new counts.
                rows = max(len(self.wv) - 1, 1) if name == "syn1" else len(self.wv)
                grown = output_matrix(rows, self.vector_size)
                kept = min(rows, len(old))
                grown[:kept] = old[:kept]
                setattr(self, name, grown)
        self._tables = {}
        logger.info("vocabulary update: %i new words, %i in all", len(new_words), len(self.wv))

    def _training_tables(self) -> dict[str, Any]:
        """Subsampling thresholds, noise alias table and Huffman tree for the current counts."""
        if not self._tables:
            counts = self.wv.expandos["count"]
            tables: dict[str, Any] = {"keep_threshold": vocab.keep_thresholds(counts, self.sample)}
            if self.negative:
                tables["alias_accept"], tables["alias_other"] = vocab.noise_alias_table(counts, self.ns_exponent)
            if self.hs:
                tables["hs_points"], tables["hs_codes"], tables["hs_offsets"] = vocab.huffman_tree(counts)
            self._tables = tables
        return self._tables

    # ------------------------------------------------------------------ training

    def _training_model(self, compute_loss: bool) -> _core.TrainingModel:
        tables = self._training_tables()
        return _core.TrainingModel(
            self.wv.vectors, self.syn1, self.syn1neg, tables["keep_threshold"],
            tables.get("alias_accept"), tables.get("alias_other"), tables.get("hs_points"),
            tables.get("hs_codes"), tables.get("hs_offsets"), sg=self.sg, hs=self.hs,
            negative=self.negative, cbow_mean=self.cbow_mean, window=self.window,
            shrink_windows=int(self.shrink_windows), compute_loss=int(compute_loss),
            shared_negatives=int(self.shared_negatives), softmax=int(self.softmax),
            syn1softmax=self.syn1softmax)

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
        epochs = self._check_training_call(corpus_iterable, corpus_file, total_examples, total_words, epochs)
        compute_loss = self.compute_loss if compute_loss is None else bool(compute_loss)
        callbacks = self.callbacks if callbacks is None else tuple(callbacks)
        schedule = LearningRateSchedule(self.alpha if start_alpha is None else start_alpha,
                                        self.min_alpha if end_alpha is None else end_alpha, epochs)
        if self.softmax:
            _warn_if_softmax_is_slow(len(self.wv), self.vector_size)
        workers = make_workers(self._training_model(compute_loss), self.workers, self.seed, self.train_count)
        self.train_count += 1
        if corpus_file is not None:
            target = EpochTarget(None, total_words)
            run_epoch = self._file_epochs(os.fspath(corpus_file), workers, schedule, total_words)
        else:
            target = EpochTarget(total_examples, total_words)
            run_epoch = self._iterable_epochs(corpus_iterable, workers, schedule, target, queue_factor)
        logger.info("training on %i words with %i workers: vector_size=%i sg=%i hs=%i negative=%i "
                    "window=%i sample=%g epochs=%i alpha=%g", len(self.wv), self.workers,
                    self.vector_size, self.sg, self.hs, self.negative, self.window, self.sample,
                    epochs, schedule.start_alpha)
        reporter = ProgressReporter(epochs, report_delay, progress_bar)
        effective_total = raw_total = 0
        try:
            with threadpool_limits(limits=1):  # the worker threads are the parallelism
                for callback in callbacks:
                    callback.on_train_begin(self)
                for epoch in range(epochs):
                    self.epoch = epoch
                    for callback in callbacks:
                        callback.on_epoch_begin(self)
                    stats = run_epoch(epoch, reporter)
                    reporter.end_epoch(stats)
                    self._finish_epoch(stats, target, compute_loss)
                    effective_total += stats.effective_words
                    raw_total += stats.raw_words
                    for callback in callbacks:
                        callback.on_epoch_end(self)
                for callback in callbacks:
                    callback.on_train_end(self)
        finally:
            reporter.close()
            self.wv.norms = None  # the vectors changed
        return effective_total, raw_total

    def _check_training_call(self, corpus_iterable: Corpus | None, corpus_file: PathLike | None,
                             total_examples: int | None, total_words: int | None,
                             epochs: int | None) -> int:
        """Reject a train() call that cannot work, before any thread starts; returns epochs."""
        if not len(self.wv):
            raise RuntimeError("the model has no vocabulary: call build_vocab() before train()")
        self._check_writable("train")
        if epochs is None:
            raise ValueError("train() needs an explicit epochs= (as in gensim), e.g. epochs=model.epochs")
        epochs = _positive_int("epochs", epochs)
        if not total_examples and not total_words:
            raise ValueError(
                "train() needs total_examples= or total_words= to schedule the learning rate; "
                "for the corpus given to build_vocab use total_examples=model.corpus_count")
        if (corpus_iterable is None) == (corpus_file is None):
            raise TypeError("give exactly one of corpus_iterable (sentences) or corpus_file")
        if corpus_file is not None:
            _check_corpus_file(corpus_file)
            if not total_words:
                raise ValueError("corpus_file training measures progress in words: pass "
                                 "total_words= (model.corpus_total_words for the file given to build_vocab)")
        else:
            _check_iterable_corpus(corpus_iterable, passes=epochs)
        return epochs

    def _file_epochs(self, path: str, workers: list[_core.Worker], schedule: LearningRateSchedule,
                     total_words: int) -> Callable[[int, ProgressReporter], EpochStats]:
        table = _corpusfile.WordTable.from_words(self.wv.index_to_key)

        def run_epoch(epoch: int, reporter: ProgressReporter) -> EpochStats:
            return train_epoch_file(path, table, workers, schedule, epoch, total_words, reporter)
        return run_epoch

    def _iterable_epochs(self, corpus: Corpus, workers: list[_core.Worker], schedule: LearningRateSchedule,
                         target: EpochTarget, queue_factor: int) -> Callable[[int, ProgressReporter], EpochStats]:
        def run_epoch(epoch: int, reporter: ProgressReporter) -> EpochStats:
            return train_epoch_iterable(corpus, self.wv.key_to_index, workers, schedule, epoch, target,
                                        self.batch_words, reporter, queue_factor)
        return run_epoch

    def _finish_epoch(self, stats: EpochStats, target: EpochTarget, compute_loss: bool) -> None:
        if stats.sentences == 0:
            raise ValueError(
                f"epoch {stats.epoch + 1} read no sentences: the corpus is empty or was an "
                "iterator already used up; pass a restartable corpus")
        self._check_not_diverged(stats.epoch)
        self.epoch_stats.append(stats)
        self.running_training_loss = stats.loss if compute_loss else 0.0
        logger.info("EPOCH %i: trained on %i raw words (%i effective) in %.1fs, %.0f words/s%s",
                    stats.epoch + 1, stats.raw_words, stats.effective_words, stats.seconds,
                    stats.words_per_second,
                    f", loss {stats.loss:.6g}" if compute_loss else "")
        if target.total_examples and stats.sentences != target.total_examples:
            logger.warning("EPOCH %i: read %i sentences, but total_examples=%i was given",
                           stats.epoch + 1, stats.sentences, target.total_examples)
        elif not target.total_examples and stats.raw_words != target.total_words:
            logger.warning("EPOCH %i: read %i raw words, but total_words=%i was given",
                           stats.epoch + 1, stats.raw_words, target.total_words)

    def _check_writable(self, action: str) -> None:
        """A clear error, instead of NumPy's, when the weights are read-only (mmap="r")."""
        arrays = {"wv.vectors": self.wv.vectors}
        arrays.update((name, getattr(self, name)) for name in self._output_arrays)
        read_only = [name for name, array in arrays.items() if array is not None and not array.flags.writeable]
        if read_only:
            raise RuntimeError(
                f"cannot {action}: {', '.join(read_only)} are read-only, as after Word2Vec.load(path, "
                "mmap='r'). Load with mmap=None to train, or mmap='c' for private copy-on-write pages")

    # ------------------------------------------------------------------ persistence

    def save(self, fname: PathLike) -> None:
        """Save the whole model to one file, to query it or to continue training later.

        The native w2v format (see ``w2v.io.native``): no pickle, written atomically.
        It holds the constructor parameters (except ``trim_rule`` and ``callbacks``), the
        vocabulary with its counts, the vectors, the output layers and the training state.

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
        save_word2vec(self, fname)

    @classmethod
    def load(cls, fname: PathLike, mmap: str | None = None) -> "Word2Vec":
        """Load a model saved by ``save``.

        Parameters
        ----------
        fname : str or os.PathLike
        mmap : {None, "r", "c"}
            Map the arrays from the file instead of reading them: ``"r"`` read-only
            (shared between processes; ``train`` then refuses), ``"c"`` copy-on-write.
        """
        from w2v.io.native import load_word2vec
        return load_word2vec(cls, fname, mmap=mmap)

    def _check_not_diverged(self, epoch: int) -> None:
        """Fail loudly, rather than hand back garbage, if the weights have blown up.

        Word2vec weights stay small (|w| of order 1); a weight above DIVERGED_WEIGHT or a
        NaN means the updates became unstable (too large an ``alpha``; with
        ``shared_negatives``, a window's summed update is larger still).
        """
        for name in ("wv", *self._output_arrays):
            matrix = self.wv.vectors if name == "wv" else getattr(self, name)
            if matrix is None or not matrix.size:
                continue
            # max and -min rather than max(abs(...)): no temporary copy of the matrix. A NaN
            # weight makes both reductions NaN, and so the result.
            largest = max(float(matrix.max()), -float(matrix.min()))
            if not largest <= DIVERGED_WEIGHT:  # also true for NaN
                raise FloatingPointError(
                    f"training diverged in epoch {epoch + 1}: {name} holds a weight of {largest:.3g}; "
                    f"the vectors are unusable. Lower alpha (now {self.alpha})"
                    + (", the window or turn off shared_negatives" if self.shared_negatives else "")
                    + " and train again")

    def get_latest_training_loss(self) -> float:
        """The training loss summed over the latest epoch (0.0 without ``compute_loss``).

        Unlike gensim's, it is a float64 sum over every output term of the epoch, kept per
        thread and added up, so it does not saturate and does not depend on ``workers``.
        With ``softmax=True`` it is the exact negative log-likelihood: the sum over the
        epoch's examples of -log p(target word | input).
        """
        return self.running_training_loss

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
