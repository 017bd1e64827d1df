"""Export vectors for the TensorBoard Embedding Projector (https://projector.tensorflow.org).

``export_projector`` writes ``vectors.tsv`` (one vector per line, tab-separated),
``metadata.tsv`` (one word per line, same order) and ``projector_config.pbtxt`` (so
TensorBoard's projector plugin finds them when ``--logdir`` points at the directory).
Load the two ``.tsv`` files in the standalone projector with "Load".

A tab, newline, carriage return or backslash inside a word would break the TSV, so it is
written as ``\\t``, ``\\n``, ``\\r`` or ``\\\\``; ``load_projector`` undoes this.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from w2v.io.files import PathLike, atomic_write

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}

CONFIG = """embeddings {
  tensor_name: "w2v"
  tensor_path: "vectors.tsv"
  metadata_path: "metadata.tsv"
}
"""


def _escape(word: str) -> str:
    if not any(c in word for c in _ESCAPES):
        return word
    return "".join(_ESCAPES.get(c, c) for c in word)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _UNESCAPES:
            out.append(_UNESCAPES[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def export_projector(wv: Any, directory: PathLike, words: Sequence[str] | None = None,
                     limit: int | None = None) -> list[str]:
    """Write ``wv``'s vectors in the Embedding Projector's format to ``directory``.

    Parameters
    ----------
    wv : KeyedVectors
        Needs only ``index_to_key``/``key_to_index``, ``vectors`` and ``wv[word]``.
    directory : str or os.PathLike
        Created if missing; the files in it are replaced atomically.
    words : list of str, optional
        Export only these words (in this order).
    limit : int, optional
        Export only the first ``limit`` words (the most frequent, for a trained model).

    Returns
    -------
    list of str
        The paths written.

    Examples
    --------
    >>> import tempfile
    >>> from w2v import KeyedVectors
    >>> wv = KeyedVectors(2)
    >>> wv.add_vectors(["cat", "dog"], np.array([[0.5, -1.0], [0.25, 2.0]]))
    >>> directory = tempfile.mkdtemp()
    >>> [os.path.basename(path) for path in export_projector(wv, directory)]
    ['vectors.tsv', 'metadata.tsv', 'projector_config.pbtxt']
    >>> open(os.path.join(directory, "vectors.tsv")).read()
    '0.5\\t-1\\n0.25\\t2\\n'
    >>> load_projector(directory)[0]
    ['cat', 'dog']
    """
    if words is None:
        keys = list(getattr(wv, "index_to_key", None) or sorted(wv.key_to_index, key=wv.key_to_index.get))
        vectors = np.asarray(wv.vectors)[[wv.key_to_index[key] for key in keys]] if keys else np.zeros((0, 0))
    else:
        if isinstance(words, str):
            words = [words]
        missing = [word for word in words if word not in wv.key_to_index]
        if missing:
            raise KeyError(f"not in the vocabulary: {', '.join(map(repr, missing[:5]))}")
        keys = list(words)
        vectors = np.vstack([np.asarray(wv[word]) for word in keys]) if keys else np.zeros((0, 0))
    if limit is not None:
        if int(limit) < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        keys, vectors = keys[:int(limit)], vectors[:int(limit)]
    if not keys:
        raise ValueError("no vectors to export")
    os.makedirs(directory, exist_ok=True)
    paths = [os.path.join(directory, name) for name in ("vectors.tsv", "metadata.tsv", "projector_config.pbtxt")]
    # float32 needs 9 significant digits to come back exactly.
    digits = 9 if np.asarray(vectors).dtype == np.float32 else 17
    with atomic_write(paths[0], compress=False) as f:
        np.savetxt(f, vectors, fmt=f"%.{digits}g", delimiter="\t")
    with atomic_write(paths[1], compress=False) as f:
        # One column, so no header line (the projector reads a header only with 2+ columns).
        f.write("".join(_escape(key) + "\n" for key in keys).encode("utf-8", "surrogateescape"))
    with atomic_write(paths[2], compress=False) as f:
        f.write(CONFIG.encode("ascii"))
    return paths


def load_projector(directory: PathLike) -> tuple[list[str], np.ndarray]:
    """The words and vectors (float32) of a directory written by ``export_projector``.

    Examples
    --------
    >>> import tempfile
    >>> from w2v import KeyedVectors
    >>> wv = KeyedVectors(2)
    >>> wv.add_vectors(["tab\\tword"], np.array([[1.0, 2.0]]))
    >>> directory = tempfile.mkdtemp()
    >>> _ = export_projector(wv, directory)
    >>> words, vectors = load_projector(directory)
    >>> words, vectors.tolist()
    (['tab\\tword'], [[1.0, 2.0]])
    """
    with open(os.path.join(directory, "metadata.tsv"), "rb") as f:
        words = [_unescape(line) for line in f.read().decode("utf-8", "surrogateescape").split("\n")[:-1]]
    vectors = np.loadtxt(os.path.join(directory, "vectors.tsv"), delimiter="\t", dtype=np.float32, ndmin=2)
    if len(vectors) != len(words):
        raise ValueError(f"{directory}: {len(vectors)} vectors but {len(words)} words")
    return words, vectors
