"""Moving models between gensim and w2v, and the parts of gensim's ``Word2Vec`` surface that
are about the model as a whole: ``from_gensim``/``to_gensim``, ``reset_from``,
``estimate_memory``, gensim's ``save`` keywords.

``from_gensim`` copies a live gensim object (the user loads gensim's pickle with gensim;
nothing here unpickles): the parameters, the vocabulary with its counts, the vectors, the
output layers and the training state, so that training continues on the copy. The Huffman
tree needs no copying: w2v builds gensim's tree, ties included, from the same counts in the
same order (``w2v.vocab.huffman_tree``), so the rows of ``syn1`` mean the same nodes.
``to_gensim`` goes the other way and needs gensim installed; both copy every array, so the
two objects never share memory.
"""

from __future__ import annotations

import logging
import sys
import types
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from w2v.weights import CACHE_LINE_BYTES, output_matrix

if TYPE_CHECKING:
    from w2v.model import Word2Vec
    from w2v.vectors.keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)

#: gensim's Word2Vec parameters that w2v's constructor takes under the same name.
SHARED_PARAMETERS = ("vector_size", "alpha", "window", "min_count", "max_vocab_size", "sample", "seed",
                     "workers", "min_alpha", "sg", "hs", "negative", "ns_exponent", "cbow_mean", "epochs",
                     "null_word", "sorted_vocab", "batch_words", "compute_loss", "shrink_windows",
                     "max_final_vocab", "comment")
#: Training state that gensim keeps on the model and w2v too.
SHARED_STATE = ("corpus_count", "corpus_total_words", "train_count", "total_train_time",
                "min_alpha_yet_reached", "effective_min_count", "running_training_loss")
#: gensim's per-key attributes that w2v derives from the counts instead of storing.
DERIVED_ATTRIBUTES = frozenset({"sample_int", "code", "point"})
#: ``save`` keywords of gensim's pickle format, which w2v's native format has no use for.
GENSIM_SAVE_KEYWORDS = ("separately", "sep_limit", "ignore", "pickle_protocol")


def _import_gensim() -> Any:
    try:
        import gensim.models
    except ImportError:
        raise ImportError('to_gensim() needs gensim: pip install "gensim>=4.3"') from None
    return gensim.models


# ---------------------------------------------------------------------------- KeyedVectors

def keyed_vectors_from_gensim(cls: type, kv: Any) -> KeyedVectors:
    """A w2v ``KeyedVectors`` copied from a gensim 4 ``KeyedVectors``; see ``KeyedVectors.from_gensim``."""
    keys = list(kv.index_to_key)
    if not all(isinstance(key, str) for key in keys):
        raise TypeError("w2v keys are str: this gensim KeyedVectors has keys of other types")
    vectors = np.asarray(kv.vectors)[:len(keys)]
    copied = cls(kv.vector_size, dtype=vectors.dtype)
    extras = {attr: np.array(values[:len(keys)]) for attr, values in getattr(kv, "expandos", {}).items()
              if attr not in DERIVED_ATTRIBUTES and np.asarray(values).dtype.kind in "biuf"}
    copied.add_vectors(keys, vectors, extras=extras)
    lockf = getattr(kv, "vectors_lockf", None)
    if lockf is not None:
        copied.vectors_lockf = np.array(lockf, dtype=np.float32)
    return copied


def keyed_vectors_to_gensim(kv: KeyedVectors) -> Any:
    """A gensim 4 ``KeyedVectors`` copied from ``kv``; see ``KeyedVectors.to_gensim``."""
    models = _import_gensim()
    copied = models.KeyedVectors(kv.vector_size, count=0, dtype=kv.vectors.dtype)
    copied.add_vectors(list(kv.index_to_key), np.array(kv.vectors[:len(kv)]))
    for attr, values in kv.expandos.items():
        copied.expandos[attr] = np.array(values[:len(kv)])
    copied.vectors_lockf = np.array(kv.vectors_lockf, dtype=np.float32)
    return copied


# ---------------------------------------------------------------------------- Word2Vec

def word2vec_from_gensim(cls: type, gensim_model: Any) -> Word2Vec:
    """A w2v ``Word2Vec`` copied from a gensim 4 ``Word2Vec``; see ``Word2Vec.from_gensim``."""
    from w2v.vectors.keyedvectors import KeyedVectors
    if not hasattr(gensim_model, "wv") or not hasattr(gensim_model, "syn1neg") and not hasattr(gensim_model, "syn1"):
        raise TypeError(f"from_gensim() takes a gensim.models.Word2Vec, got {type(gensim_model).__name__} "
                        "(for vectors alone use KeyedVectors.from_gensim)")
    if type(gensim_model).__name__ != "Word2Vec":
        logger.warning("from_gensim: copying the Word2Vec part of a %s", type(gensim_model).__name__)
    params = {name: getattr(gensim_model, name) for name in SHARED_PARAMETERS if hasattr(gensim_model, name)}
    params["compute_loss"] = bool(params.get("compute_loss", False))
    model = cls(**params)
    if len(gensim_model.wv):
        model.wv = keyed_vectors_from_gensim(KeyedVectors, gensim_model.wv)
        vocab_size = len(model.wv)
        for layer in model.config.output_layers:
            source = np.asarray(getattr(gensim_model, layer))
            rows = model.config.output_rows(layer, vocab_size)  # gensim's syn1 has one unused last row
            setattr(model, layer, output_matrix(rows, model.vector_size, source[:rows]))
    for name in SHARED_STATE:
        if hasattr(gensim_model, name):
            setattr(model, name, getattr(gensim_model, name))
    model.running_training_loss = float(model.running_training_loss)
    raw_vocab = getattr(gensim_model, "raw_vocab", None)
    model.raw_vocab = dict(raw_vocab) if raw_vocab else None
    return model


def _gensim_sample_ints(counts: np.ndarray, sample: float) -> np.ndarray:
    """gensim's per-word subsampling thresholds (``prepare_vocab``'s formula and rounding)."""
    retained = float(counts.sum())
    threshold = retained if not sample else sample * retained if sample < 1.0 else \
        int(sample * (3 + np.sqrt(5)) / 2)
    probability = np.minimum((np.sqrt(counts / threshold) + 1) * (threshold / counts), 1.0)
    return (probability * (2 ** 32 - 1)).astype(np.uint32)


def word2vec_to_gensim(model: Word2Vec) -> Any:
    """A gensim 4 ``Word2Vec`` copied from ``model``; see ``Word2Vec.to_gensim``."""
    models = _import_gensim()
    if model.softmax:
        raise ValueError("gensim has no exact softmax: a model trained with softmax=True cannot be converted "
                         "(save its vectors with save_word2vec_format instead)")
    if model.shared_negatives:
        logger.warning("to_gensim: gensim has no shared_negatives; the copy trains plain skip-gram negative "
                       "sampling on the same weights")
    params = {name: getattr(model, name) for name in SHARED_PARAMETERS}
    copied = models.Word2Vec(**params)
    if not len(model.wv):
        return copied
    counts = model.wv.expandos["count"][:len(model.wv)].astype(np.int64)
    copied.wv = keyed_vectors_to_gensim(model.wv)
    copied.wv.expandos["sample_int"] = _gensim_sample_ints(counts.astype(np.float64), model.sample)
    copied.raw_vocab = dict(model.raw_vocab) if model.raw_vocab else {}
    if model.hs:
        copied.create_binary_tree()  # gensim's tree from the same counts: w2v's tree
    if model.negative:
        copied.make_cum_table()
    vocab_size, size = len(model.wv), model.vector_size
    copied.syn1 = np.zeros((vocab_size, size), dtype=np.float32) if model.hs else None
    if model.hs:
        copied.syn1[:len(model.syn1)] = model.syn1
    if model.negative:
        copied.syn1neg = np.array(model.syn1neg, dtype=np.float32)
    for name in SHARED_STATE:
        setattr(copied, name, getattr(model, name))
    copied.epochs = model.epochs
    return copied


def reset_from(model: Word2Vec, other: Word2Vec) -> None:
    """Take ``other``'s vocabulary and start from fresh weights; see ``Word2Vec.reset_from``."""
    if not len(other.wv):
        raise RuntimeError("reset_from() needs a model with a vocabulary: call build_vocab() on it first")
    model.corpus_count = other.corpus_count
    model.corpus_total_words = other.corpus_total_words
    model.raw_vocab = dict(other.raw_vocab) if other.raw_vocab else None
    model.effective_min_count = other.effective_min_count
    model._set_vocabulary(list(other.wv.index_to_key), np.array(other.wv.expandos["count"][:len(other.wv)]))
    model.epoch = 0
    model.epoch_stats = []
    model.running_training_loss = 0.0


def estimate_memory(model: Word2Vec, vocab_size: int | None = None, report: dict | None = None) -> dict[str, int]:
    """Bytes of each part of ``model`` for ``vocab_size`` words; see ``Word2Vec.estimate_memory``."""
    vocab_size = len(model.wv) if vocab_size is None else int(vocab_size)
    if vocab_size < 0:
        raise ValueError(f"vocab_size must be >= 0, got {vocab_size}")
    report = {} if report is None else report
    floats_per_line = CACHE_LINE_BYTES // 4
    padded_row = -(-model.vector_size // floats_per_line) * floats_per_line * 4  # output rows: whole lines
    if len(model.wv) and vocab_size == len(model.wv):
        keys = model.wv.index_to_key
        # the key strings, the list and the dict that hold them (measured), and the counts
        report["vocab"] = (sum(sys.getsizeof(key) for key in keys) + sys.getsizeof(keys)
                           + sys.getsizeof(model.wv.key_to_index) + 8 * vocab_size)
    else:
        report["vocab"] = vocab_size * (60 + 8 + 8 + 40)  # a short str, list slot, count, dict entry
    # Per-word tables of one train() call: subsampling (4), the alias table and its
    # interleaved copy (16), the Huffman path (about log2(V) int32 nodes and uint8 bits).
    depth = max(int(np.ceil(np.log2(max(vocab_size, 2)))), 1)
    report["tables"] = vocab_size * (4 + (16 if model.negative else 0) + (8 + 5 * depth if model.hs else 0))
    report["vectors"] = vocab_size * model.vector_size * 4
    for layer in model.config.output_layers:
        report[layer] = model.config.output_rows(layer, vocab_size) * padded_row
    if model.softmax:  # each worker scores the whole vocabulary per example
        report["softmax_scratch"] = model.workers * vocab_size * 4
    report["total"] = sum(value for key, value in report.items() if key != "total")
    logger.info("estimated required memory for %i words and %i dimensions: %i bytes", vocab_size,
                model.vector_size, report["total"])
    return report


def warn_gensim_save_keywords(args: tuple, keywords: dict[str, Any]) -> None:
    """gensim's pickle-format ``save`` arguments: accepted, ignored, with a DeprecationWarning."""
    if len(args) > len(GENSIM_SAVE_KEYWORDS):
        raise TypeError(f"save() takes at most {len(GENSIM_SAVE_KEYWORDS) + 1} positional arguments")
    given = dict(zip(GENSIM_SAVE_KEYWORDS, args))
    given.update(keywords)
    unknown = sorted(set(keywords) - set(GENSIM_SAVE_KEYWORDS))
    if unknown:
        raise TypeError(f"save() got unexpected keyword arguments {unknown}")
    if given:
        warnings.warn(
            f"save(): {', '.join(sorted(given))} configure gensim's pickle format and are ignored: w2v writes one "
            "file of plain arrays, never pickle, whose arrays load(mmap='r') maps directly; drop the "
            "argument(s)", DeprecationWarning, stacklevel=3)


class ClassOnlyMethod:
    """A classmethod that refuses to run on an instance, as gensim's ``load`` does.

    ``model.load(path)`` returns a new object and leaves ``model`` as it was, which looks
    like loading in place; gensim raises AttributeError there, and so does w2v.

    Examples
    --------
    >>> class Thing:
    ...     @ClassOnlyMethod
    ...     def make(cls):
    ...         return cls()
    >>> isinstance(Thing.make(), Thing)
    True
    >>> Thing().make()
    Traceback (most recent call last):
    ...
    AttributeError: Thing.make() is called on the class, as in Thing.make(...), and returns a new object; this instance is unchanged
    """

    def __init__(self, function: Any):
        self.function = function
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__
        self.__wrapped__ = function

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is not None:
            raise AttributeError(f"{owner.__name__}.{self.__name__}() is called on the class, as in "
                                 f"{owner.__name__}.{self.__name__}(...), and returns a new object; this "
                                 "instance is unchanged")
        return types.MethodType(self.function, owner)
