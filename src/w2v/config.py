"""The training configuration: every parameter of ``Word2Vec``, validated once, in one place.

``TrainingConfig`` is built from the constructor's parameters and never changes (a new value
makes a new config, validated again). Everything that follows from the parameters is
computed here and nowhere else: the ``Objective`` (which output layers are trained and how),
the names of the output matrices and their row counts. The model allocates its weights from
it, the Cython binding (``w2v._core.TrainingModel``) reads it by name, and the kernels are
chosen from its objective once per ``train()`` call.

Examples
--------
>>> config = TrainingConfig(sg=1, hs=1, negative=5)
>>> config.objective, config.output_layers, config.output_rows("syn1", vocab_size=10)
(<Objective.BOTH: 'both'>, ('syn1', 'syn1neg'), 9)
"""

from __future__ import annotations

import dataclasses
import enum
import math
import numbers
from typing import Any

#: ``workers`` above this is refused: each worker is a thread with its own scratch buffers,
#: and no machine has this many cores to run them on.
MAX_WORKERS = 1024
#: A learning rate above this is refused: an update would be larger than the vectors it
#: changes (word2vec uses 0.025 to 0.05), and training would only destroy the weights.
MAX_ALPHA = 1.0


class Objective(enum.Enum):
    """What the output layer predicts and how: one value per kernel configuration.

    NEGATIVE
        Negative sampling: the true word against ``negative`` noise words (``syn1neg``).
    HS
        Hierarchical softmax over a Huffman tree (``syn1``, one row per inner node).
    BOTH
        Hierarchical softmax and negative sampling, trained together (gensim's hs=1 with
        negative > 0).
    SOFTMAX
        The exact softmax over the whole vocabulary (``syn1softmax``).
    SHARED_NEGATIVES
        Batched skip-gram negative sampling (HogBatch): one set of noise words per centre
        word, shared by its whole window.
    SHARED_NEGATIVES_HS
        SHARED_NEGATIVES, plus exact hierarchical softmax for every pair.

    Examples
    --------
    >>> Objective.SHARED_NEGATIVES_HS.layers
    ('syn1', 'syn1neg')
    """

    NEGATIVE = "negative"
    HS = "hs"
    BOTH = "both"
    SOFTMAX = "softmax"
    SHARED_NEGATIVES = "shared_negatives"
    SHARED_NEGATIVES_HS = "shared_negatives_hs"

    @property
    def layers(self) -> tuple[str, ...]:
        """The output matrices this objective trains, by attribute name."""
        return _LAYERS[self]

    @property
    def shares_negatives(self) -> bool:
        """Whether noise words are drawn once per window (skip-gram only)."""
        return self in (Objective.SHARED_NEGATIVES, Objective.SHARED_NEGATIVES_HS)


_LAYERS = {
    Objective.NEGATIVE: ("syn1neg",),
    Objective.HS: ("syn1",),
    Objective.BOTH: ("syn1", "syn1neg"),
    Objective.SOFTMAX: ("syn1softmax",),
    Objective.SHARED_NEGATIVES: ("syn1neg",),
    Objective.SHARED_NEGATIVES_HS: ("syn1", "syn1neg"),
}

#: Every output matrix a model can have, in the order files store them.
OUTPUT_LAYERS = ("syn1neg", "syn1", "syn1softmax")


def _integer(name: str, value: Any, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum \
            or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return int(value)


def _flag(name: str, value: Any) -> int:
    if isinstance(value, float) or value not in (0, 1):
        raise ValueError(f"{name} must be 0 or 1, got {value!r}")
    return int(value)


def _real(name: str, value: Any, minimum: float = 0.0, maximum: float = math.inf,
          exclusive_minimum: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    too_small = number <= minimum if exclusive_minimum else number < minimum
    if not math.isfinite(number) or too_small or number > maximum:
        low = f"> {minimum}" if exclusive_minimum else f">= {minimum}"
        high = f" and <= {maximum}" if math.isfinite(maximum) else ""
        raise ValueError(f"{name} must be a finite number {low}{high}, got {value!r}")
    return number


def check_learning_rate(name: str, value: Any, positive: bool = False) -> float:
    """A learning rate, refused unless finite, in [0, MAX_ALPHA] (and > 0 with ``positive``).

    Examples
    --------
    >>> check_learning_rate("alpha", 0.025)
    0.025
    >>> check_learning_rate("start_alpha", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: start_alpha must be a finite number >= 0.0 and <= 1.0, got nan
    """
    return _real(name, value, 0.0, MAX_ALPHA, exclusive_minimum=positive)


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """The validated parameters of a ``Word2Vec`` model and everything derived from them.

    The fields are ``Word2Vec``'s constructor parameters (gensim 4's names and defaults),
    except the corpus and the callables (``trim_rule``, ``callbacks``). Construction checks
    every field and their combinations, so a config that exists is one the kernels can
    train. It is frozen: use :meth:`replace` for a changed copy.

    Examples
    --------
    >>> config = TrainingConfig(vector_size=50, sg=1)
    >>> config.objective.value, config.window
    ('negative', 5)
    >>> config.replace(hs=1, negative=0).objective
    <Objective.HS: 'hs'>
    >>> TrainingConfig(hs=0, negative=0)
    Traceback (most recent call last):
    ...
    ValueError: hs=0 and negative=0 leave no output layer to train: set hs=1, negative > 0 or softmax=True
    """

    vector_size: int = 100
    alpha: float = 0.025
    window: int = 5
    min_count: int = 5
    max_vocab_size: int | None = None
    sample: float = 1e-3
    seed: int = 1
    workers: int = 3
    min_alpha: float = 0.0001
    sg: int = 0
    hs: int = 0
    negative: int = 5
    ns_exponent: float = 0.75
    cbow_mean: int = 1
    epochs: int = 5
    null_word: int = 0
    sorted_vocab: int = 1
    batch_words: int = 10000
    compute_loss: bool = False
    shrink_windows: bool = True
    max_final_vocab: int | None = None
    shared_negatives: bool = False
    softmax: bool = False

    def __post_init__(self) -> None:
        checked = {
            "vector_size": _integer("vector_size", self.vector_size, 1),
            "window": _integer("window", self.window, 1),
            "min_count": _integer("min_count", self.min_count, 0),
            "workers": _integer("workers", self.workers, 1, MAX_WORKERS),
            "epochs": _integer("epochs", self.epochs, 1),
            "batch_words": _integer("batch_words", self.batch_words, 1),
            "negative": _integer("negative", self.negative, 0),
            "seed": _integer("seed", self.seed, 0, 2 ** 64 - 1),
            "sg": _flag("sg", self.sg),
            "hs": _flag("hs", self.hs),
            "cbow_mean": _flag("cbow_mean", self.cbow_mean),
            "null_word": _flag("null_word", self.null_word),
            "sorted_vocab": _flag("sorted_vocab", self.sorted_vocab),
            "alpha": check_learning_rate("alpha", self.alpha, positive=True),
            "min_alpha": check_learning_rate("min_alpha", self.min_alpha),
            "sample": _real("sample", self.sample),
            "ns_exponent": _real("ns_exponent", self.ns_exponent, -math.inf),
            "compute_loss": bool(self.compute_loss),
            "shrink_windows": bool(self.shrink_windows),
            "shared_negatives": bool(self.shared_negatives),
            "softmax": bool(self.softmax),
            "max_vocab_size": None if self.max_vocab_size is None else _integer("max_vocab_size", self.max_vocab_size, 1),
            "max_final_vocab": None if self.max_final_vocab is None else _integer("max_final_vocab", self.max_final_vocab, 1),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_objective", self._choose_objective())

    def _choose_objective(self) -> Objective:
        """The one place that turns hs/negative/softmax/shared_negatives into an objective."""
        if self.shared_negatives and (not self.sg or not self.negative):
            raise ValueError("shared_negatives=True needs skip-gram with negative sampling (sg=1, negative > 0)")
        if self.softmax:
            if self.hs or self.negative:
                raise ValueError(
                    f"softmax=True is the exact output layer and replaces the approximations: it cannot "
                    f"be combined with hs={self.hs} or negative={self.negative}; pass hs=0, negative=0")
            return Objective.SOFTMAX
        if not self.hs and not self.negative:
            raise ValueError("hs=0 and negative=0 leave no output layer to train: set hs=1, "
                             "negative > 0 or softmax=True")
        if self.shared_negatives:
            return Objective.SHARED_NEGATIVES_HS if self.hs else Objective.SHARED_NEGATIVES
        if self.hs and self.negative:
            return Objective.BOTH
        return Objective.HS if self.hs else Objective.NEGATIVE

    @property
    def objective(self) -> Objective:
        """The output objective these parameters select."""
        return self._objective  # type: ignore[attr-defined]

    @property
    def output_layers(self) -> tuple[str, ...]:
        """Names of the output matrices training needs (``syn1neg``, ``syn1``, ``syn1softmax``)."""
        return self.objective.layers

    @staticmethod
    def output_rows(layer: str, vocab_size: int) -> int:
        """Rows of the output matrix ``layer`` for ``vocab_size`` words.

        ``syn1`` holds the Huffman tree's inner nodes, one fewer than the words (and one row
        for a single word, which has an empty path); the other layers hold one row per word.
        """
        if layer not in OUTPUT_LAYERS:
            raise ValueError(f"unknown output layer {layer!r}")
        return max(vocab_size - 1, 1) if layer == "syn1" else vocab_size

    def replace(self, **changes: Any) -> TrainingConfig:
        """A copy with ``changes`` applied, validated again.

        Examples
        --------
        >>> TrainingConfig().replace(window=10).window
        10
        """
        return dataclasses.replace(self, **changes)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The parameters a config holds, in declaration order."""
        return tuple(field.name for field in dataclasses.fields(cls))
