"""Writing the C tool's text format: the same bytes as ``str(numpy.float32(x))``, at C speed,
and gensim's ``save_word2vec_format`` options (``append``, ``write_header``, ``prefix``)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from w2v import KeyedVectors
from w2v.io import _textformat


def _reference(values: np.ndarray) -> list[bytes]:
    return [str(np.float32(value)).encode("ascii") for value in values]


def _awkward_values() -> np.ndarray:
    """Neighbours of powers of ten and two, round decimals, the ends of the fast range, specials."""
    values = []
    for base in [10.0 ** k for k in range(-6, 9)] + [2.0 ** k for k in range(-20, 25)] + [1e-4, 1e6]:
        x = np.float32(base)
        up, down = x, x
        for _ in range(20):
            up, down = np.nextafter(up, np.float32(np.inf)), np.nextafter(down, np.float32(0))
            values += [up, down]
        values.append(x)
    values += list(np.arange(-50, 50, 0.01, dtype=np.float32))
    values += [0.0, -0.0, np.nan, np.inf, -np.inf, 3.4028235e38, 1e-45, -1e-45, 0.1, 0.3, 123456.7]
    return np.array(values, dtype=np.float32)


@pytest.mark.parametrize("kind", ["random bits", "trained weights", "awkward"])
def test_every_number_is_numpys_str(kind):
    rng = np.random.default_rng(7)
    if kind == "random bits":
        values = rng.integers(0, 2 ** 32, 100000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    elif kind == "trained weights":
        values = (rng.standard_normal(100000) * 0.3).astype(np.float32)
    else:
        values = _awkward_values()
    got = [_textformat.format_float32(value) for value in values]
    assert got == _reference(values)


def test_most_numbers_take_the_fast_path():
    values = (np.random.default_rng(3).standard_normal(20000) * 0.3).astype(np.float32)
    assert sum(_textformat.fast_path(value) for value in values) > 0.99 * len(values)


def test_lines_are_the_old_writers_bytes(tmp_path):
    rng = np.random.default_rng(2)
    kv = KeyedVectors(7)
    keys = [f"w{i}" for i in range(300)] + ["café", "\u00a0nbsp", "b\udce9d"]
    vectors = (rng.standard_normal((len(keys), 7)) * 0.3).astype(np.float32)
    vectors[5, :] = _awkward_values()[:7]
    kv.add_vectors(keys, vectors, extras={"count": rng.integers(1, 50, len(keys))})
    kv.save_word2vec_format(tmp_path / "v.txt")
    order = np.argsort(-kv.expandos["count"], kind="stable")
    expected = f"{len(keys)} 7\n".encode() + b"".join(
        f"{keys[i]} {' '.join(map(str, vectors[i]))}\n".encode("utf-8", "surrogateescape") for i in order)
    assert (tmp_path / "v.txt").read_bytes() == expected


def test_append_prefix_and_header_as_gensim(tmp_path):
    words, docs = KeyedVectors(2), KeyedVectors(2)
    words.add_vectors(["cat", "dog"], [[0.5, 1.0], [2.0, -1.0]], extras={"count": [3, 9]})
    docs.add_vectors(["0", "1"], [[1.0, 1.0], [0.25, 0.5]])
    path, vocab = tmp_path / "all.txt", tmp_path / "vocab.txt"
    words.save_word2vec_format(path, fvocab=vocab, total_vec=4)
    docs.save_word2vec_format(path, write_header=False, prefix="*dt_", append=True, sort_attr="none")
    assert path.read_text() == "4 2\ndog 2.0 -1.0\ncat 0.5 1.0\n*dt_0 1.0 1.0\n*dt_1 0.25 0.5\n"
    loaded = KeyedVectors.load_word2vec_format(path)
    assert loaded.index_to_key == ["dog", "cat", "*dt_0", "*dt_1"]
    words.save_word2vec_format(tmp_path / "again.txt", fvocab=vocab, prefix="x_", append=True)
    assert vocab.read_text() == "dog 9\ncat 3\nx_dog 9\nx_cat 3\n"
    gensim_models = pytest.importorskip("gensim.models")
    assert gensim_models.KeyedVectors.load_word2vec_format(str(path)).index_to_key == loaded.index_to_key


def test_append_to_a_compressed_binary_file(tmp_path):
    first, second = KeyedVectors(3), KeyedVectors(3)
    first.add_vectors(["a"], [[1.0, 2.0, 3.0]])
    second.add_vectors(["b"], [[4.0, 5.0, 6.0]])
    path = tmp_path / "v.bin.gz"
    first.save_word2vec_format(path, binary=True, total_vec=2)
    second.save_word2vec_format(path, binary=True, write_header=False, append=True)
    loaded = KeyedVectors.load_word2vec_format(path, binary=True)
    assert loaded.index_to_key == ["a", "b"] and np.array_equal(loaded["b"], [4.0, 5.0, 6.0])
    assert gzip.open(path).read().startswith(b"2 3\na ")


def test_append_creates_a_missing_file(tmp_path):
    kv = KeyedVectors(1)
    kv.add_vectors(["a"], [[1.5]])
    kv.save_word2vec_format(tmp_path / "new.txt", append=True)
    assert (tmp_path / "new.txt").read_text() == "1 1\na 1.5\n"
