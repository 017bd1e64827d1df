"""What a trained model predicts: the output word for a context, the probability of a sentence.

``Word2Vec.predict_output_word`` and ``Word2Vec.score`` call these. Both read the output
layers and never change a weight.

Which output layer answers
--------------------------
* The exact softmax (``softmax=True``): the true distribution, ``softmax(U h)``.
* Hierarchical softmax: also a true distribution, the product of the branch probabilities
  along each word's Huffman path (it sums to 1 over the vocabulary).
* Negative sampling: no normalised distribution exists; ``predict_output_word`` returns
  gensim's ``softmax(syn1neg h)``, a ranking more than a probability, and ``score`` refuses.

With hierarchical softmax and negative sampling both trained, ``predict_output_word`` uses
negative sampling, as gensim (whose method only knows that one), and ``score`` hierarchical
softmax, as gensim.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from w2v import _inference
from w2v.vectors.rows import top_k

if TYPE_CHECKING:
    from w2v.model import Word2Vec

logger = logging.getLogger(__name__)


def _hidden_vector(model: Word2Vec, context_words: Iterable[str]) -> np.ndarray | None:
    """The mean (cbow_mean=1, as gensim) or sum of the known context words' input vectors."""
    if isinstance(context_words, str):
        raise TypeError("context_words_list must be a list of words, not one string: pass [word]")
    rows = [model.wv.get_index(word) for word in context_words if word in model.wv]  # rows too, as gensim
    if not rows:
        logger.warning("All the input context words are out-of-vocabulary for the current model.")
        return None
    hidden = model.wv.vectors[rows].sum(axis=0, dtype=np.float64)
    return hidden / len(rows) if model.cbow_mean else hidden


def _softmax(scores: np.ndarray) -> np.ndarray:
    exponentials = np.exp(scores - scores.max())  # no overflow, same ratios
    return exponentials / exponentials.sum()


def hs_log_probabilities(model: Word2Vec, hidden: np.ndarray) -> np.ndarray:
    """log p(w | hidden) of every word w under hierarchical softmax.

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> model = Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, hs=1, negative=0, workers=1)
    >>> round(float(np.exp(hs_log_probabilities(model, model.wv["a"])).sum()), 6)
    1.0
    """
    tables = model._training_tables()
    node_scores = model.syn1[:model.config.output_rows("syn1", len(model.wv))] @ hidden
    f = node_scores[tables.hs_points] * (1.0 - 2.0 * tables.hs_codes)  # label = 1 - code
    terms = -np.logaddexp(0.0, -f)  # log sigmoid(f)
    lengths = np.diff(tables.hs_offsets)
    sums = np.zeros(len(lengths))
    nonempty = lengths > 0  # a one-word vocabulary has an empty path (probability 1)
    if nonempty.any():
        sums[nonempty] = np.add.reduceat(terms, tables.hs_offsets[:-1][nonempty])
    return sums


def _check_output_layer(model: Word2Vec) -> None:
    """A clear error when the model has no output weights for its words (vectors loaded alone)."""
    layers = model.output_matrices()
    if not layers:
        raise RuntimeError("the model has no output layer (syn1neg, syn1 or syn1softmax), as when wv was loaded "
                           "from a vectors file: predictions need a model trained with w2v (or from_gensim)")
    for layer, matrix in layers.items():
        if len(matrix) != model.config.output_rows(layer, len(model.wv)):
            raise RuntimeError(f"{layer} has {len(matrix)} rows but the vocabulary {len(model.wv)} words: "
                               "the output layer does not belong to these vectors")


def output_distribution(model: Word2Vec, hidden: np.ndarray) -> np.ndarray:
    """p(w | hidden) for every word, from the output layer the module notes name."""
    _check_output_layer(model)
    hidden = hidden.astype(np.float64)
    if model.syn1softmax is not None:
        return _softmax(model.syn1softmax @ hidden)
    if model.syn1neg is not None:
        return _softmax(model.syn1neg @ hidden)
    return np.exp(hs_log_probabilities(model, hidden))


def predict_output_word(model: Word2Vec, context_words_list: Sequence[str],
                        topn: int = 10) -> list[tuple[str, float]] | None:
    """The ``topn`` most probable centre words for the context, with their probabilities.

    See ``Word2Vec.predict_output_word``.

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> sentences = [["the", "cat", "sat"], ["the", "dog", "ran"]] * 100
    >>> model = Word2Vec(sentences, vector_size=16, min_count=1, workers=1, hs=1, negative=0, seed=2)
    >>> predict_output_word(model, ["the", "sat"], topn=1)[0][0]
    'cat'
    """
    if not len(model.wv):
        raise RuntimeError("the model has no vocabulary: call build_vocab() and train() first")
    topn = int(topn)
    hidden = _hidden_vector(model, context_words_list)
    if hidden is None:
        return None
    probabilities = output_distribution(model, hidden)
    return [(model.wv.index_to_key[i], float(probabilities[i])) for i in top_k(probabilities, topn).tolist()]


def _encoded_chunks(model: Word2Vec, sentences: Iterable[Sequence[str]], total_sentences: int,
                    chunksize: int) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """(tokens, sentence ends) of ``chunksize`` sentences at a time, out-of-vocabulary words left out."""
    key_to_index = model.wv.key_to_index
    tokens: list[int] = []
    ends: list[int] = []
    for number, sentence in enumerate(sentences):
        if number == total_sentences:
            logger.warning("terminating after %i sentences (set higher total_sentences if you want more).",
                           total_sentences)
            break
        if isinstance(sentence, str):
            raise TypeError(f"sentence {number} is a string; each sentence must be a list of str tokens")
        tokens.extend(key_to_index[word] for word in sentence if word in key_to_index)
        ends.append(len(tokens))
        if len(ends) == chunksize:
            yield np.array(tokens, dtype=np.int32), np.array(ends, dtype=np.int64)
            tokens, ends = [], []
    if ends:
        yield np.array(tokens, dtype=np.int32), np.array(ends, dtype=np.int64)


def score(model: Word2Vec, sentences: Iterable[Sequence[str]], total_sentences: int = 1000000,
          chunksize: int = 100, queue_factor: int = 2, report_delay: float = 1.0) -> np.ndarray:
    """The log-probability of each sentence; see ``Word2Vec.score``.

    Examples
    --------
    >>> from w2v import Word2Vec
    >>> sentences = [["the", "cat", "sat"], ["the", "dog", "ran"]] * 100
    >>> model = Word2Vec(sentences, vector_size=16, min_count=1, workers=1, hs=1, negative=0, seed=2)
    >>> likely, unlikely = score(model, [["the", "cat", "sat"], ["sat", "ran", "dog"]])
    >>> bool(likely > unlikely)
    True
    """
    if not len(model.wv):
        raise RuntimeError("the model has no vocabulary: call build_vocab() and train() first")
    if model.syn1 is None and model.syn1softmax is None:
        raise RuntimeError(
            "score() needs a normalised output layer: train with hs=1 (hierarchical softmax, as gensim "
            "requires) or softmax=True; negative sampling gives no probability of a word")
    for name, value in (("total_sentences", total_sentences), ("chunksize", chunksize),
                        ("queue_factor", queue_factor)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    binding = model.training_model()
    sg = bool(model.sg)
    results: dict[int, np.ndarray] = {}
    jobs: queue.Queue = queue.Queue(maxsize=queue_factor * model.workers)
    failures: list[BaseException] = []

    def work() -> None:
        while (job := jobs.get()) is not None:
            number, tokens, ends = job
            try:
                results[number] = _inference.score_sentences(binding, sg, tokens, ends)
            except BaseException as error:  # reported by the calling thread
                failures.append(error)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(model.workers)]
    for thread in threads:
        thread.start()
    started = last_report = time.perf_counter()
    done = 0
    try:
        for number, (tokens, ends) in enumerate(_encoded_chunks(model, sentences, total_sentences, chunksize)):
            jobs.put((number, tokens, ends))
            done += len(ends)
            if time.perf_counter() - last_report >= report_delay:
                last_report = time.perf_counter()
                logger.info("SCORING: queued %i sentences, %.0f sentences/s", done, done / (last_report - started))
            if failures:
                break
    finally:
        for _ in threads:
            jobs.put(None)
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]
    scores = np.concatenate([results[i] for i in range(len(results))]) if results else np.zeros(0)
    elapsed = time.perf_counter() - started
    logger.info("scoring %i sentences took %.1fs, %.0f sentences/s", len(scores), elapsed,
                len(scores) / elapsed if elapsed > 0 else 0.0)
    return scores.astype(np.float32)
