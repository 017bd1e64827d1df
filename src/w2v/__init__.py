"""w2v: fast, safe word2vec for Python.

Skip-gram and CBOW with negative sampling and hierarchical softmax, trained by nogil Cython
kernels over BLAS on many threads, with gensim 4's interface.

Examples
--------
>>> from w2v import Word2Vec
>>> sentences = [["human", "interface", "computer"], ["graph", "trees", "minors"]] * 50
>>> model = Word2Vec(sentences, vector_size=10, min_count=1, workers=1)
>>> len(model.wv)
6
"""

from w2v._version import __version__

try:
    from w2v import _core, _inference  # noqa: F401  (compiled kernels)
    from w2v.io import _textformat  # noqa: F401
    from w2v.phrases import _phrases  # noqa: F401
    from w2v.train import _batchqueue, _corpusfile  # noqa: F401
    from w2v.vocab import _vocab  # noqa: F401
except ImportError as error:  # never fall back to slow pure Python silently
    raise ImportError(
        "w2v's compiled extension modules could not be imported "
        f"({error}). Install w2v from a wheel or build it with a C and C++ compiler "
        "(pip install . in a checkout); w2v has no pure-Python fallback."
    ) from error

from w2v.buildinfo import get_config, show_config
from w2v.callbacks import Callback
from w2v.corpora import LineSentence, PathLineSentences, Text8Corpus
from w2v.vectors.keyedvectors import KeyedVectors
from w2v.io.native import FormatError
from w2v.phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phraser, Phrases
from w2v.model import Word2Vec

__all__ = [
    "ENGLISH_CONNECTOR_WORDS",
    "Callback",
    "FormatError",
    "FrozenPhrases",
    "KeyedVectors",
    "LineSentence",
    "PathLineSentences",
    "Phraser",
    "Phrases",
    "Text8Corpus",
    "Word2Vec",
    "__version__",
    "get_config",
    "show_config",
]
