"""The C tool's text and binary formats: round trips, gensim interop, damaged files."""

import bz2
import gzip
import os

import numpy as np
import pytest

import w2v.io.word2vec_format
import w2v.io.word2vec_reader
from w2v import KeyedVectors


def make_kv(n=50, dim=7, seed=0, counts=True):
    rng = np.random.default_rng(seed)
    kv = KeyedVectors(dim)
    extras = {"count": np.arange(n, 0, -1) * 3} if counts else None
    kv.add_vectors([f"w{i}" for i in range(n - 2)] + ["café", "日本"],
                   rng.standard_normal((n, dim)).astype(np.float32), extras=extras)
    return kv


def assert_same_vectors(a, b):
    assert a.index_to_key == b.index_to_key
    np.testing.assert_array_equal(a.vectors, b.vectors)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"])
def test_round_trip_is_exact(tmp_path, binary, suffix):
    kv = make_kv()
    path = tmp_path / f"vectors.bin{suffix}"
    kv.save_word2vec_format(path, binary=binary)
    loaded = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert_same_vectors(kv, loaded)
    opener = {"": open, ".gz": gzip.open, ".bz2": bz2.open}[suffix]
    with opener(path, "rb") as handle:
        assert handle.read(6) == b"50 7\nw"


def test_small_chunks_split_records_anywhere(tmp_path, monkeypatch):
    kv = make_kv(n=40, dim=5)
    for binary in (False, True):
        kv.save_word2vec_format(tmp_path / "v", binary=binary)
        for chunk in (1, 7, 64):
            monkeypatch.setattr(w2v.io.word2vec_reader, "CHUNK_BYTES", chunk)
            assert_same_vectors(kv, KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary))


def test_binary_layout_is_the_c_tools(tmp_path):
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], [[1.0, -2.0], [0.5, 4.0]])
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    expected = (b"2 2\n" + b"a " + np.array([1.0, -2.0], "<f4").tobytes() + b"\n"
                + b"b " + np.array([0.5, 4.0], "<f4").tobytes() + b"\n")
    assert (tmp_path / "v.bin").read_bytes() == expected


def test_c_tool_text_output_loads(tmp_path):
    # word2vec.c writes "%lf " per number: six decimals and a space before the newline.
    (tmp_path / "c.txt").write_bytes(b"2 3\n</s> 0.001000 -0.002000 0.003000 \nthe 0.100000 0.200000 -0.300000 \n")
    kv = KeyedVectors.load_word2vec_format(tmp_path / "c.txt")
    assert kv.index_to_key == ["</s>", "the"]
    np.testing.assert_array_equal(kv["the"], np.array([0.1, 0.2, -0.3], dtype=np.float32))


def test_counts_order_prefix_header_and_vocabulary_file(tmp_path):
    kv = make_kv(n=4, dim=2)
    kv.set_vecattr("w1", "count", 1000)
    kv.save_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "vocab.txt", prefix="x_", total_vec=4)
    lines = (tmp_path / "v.txt").read_text().splitlines()
    assert lines[0] == "4 2" and lines[1].startswith("x_w1 ")  # most frequent first, as gensim
    assert (tmp_path / "vocab.txt").read_text().splitlines()[0] == "x_w1 1000"
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", fvocab=tmp_path / "vocab.txt")
    assert loaded.get_vecattr("x_w1", "count") == 1000
    plain = KeyedVectors.load_word2vec_format(tmp_path / "v.txt")
    assert [plain.get_vecattr(key, "count") for key in plain.index_to_key] == [4, 3, 2, 1]


def test_no_header_limit_and_datatype(tmp_path):
    kv = make_kv(n=10, dim=3, counts=False)
    kv.save_word2vec_format(tmp_path / "v.txt", write_header=False)
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", no_header=True)
    assert_same_vectors(kv, loaded)
    limited = KeyedVectors.load_word2vec_format(tmp_path / "v.txt", no_header=True, limit=4)
    assert limited.index_to_key == kv.index_to_key[:4]
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    limited = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True, limit=3, datatype=np.float64)
    assert limited.vectors.dtype == np.float64 and len(limited) == 3
    np.testing.assert_array_equal(limited.vectors, kv.vectors[:3])
    with pytest.raises(ValueError, match="no_header"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True, no_header=True)


def test_duplicate_keys_keep_the_first_vector(tmp_path, caplog):
    (tmp_path / "d.txt").write_text("3 1\na 1.0\nb 2.0\na 3.0\n")
    kv = KeyedVectors.load_word2vec_format(tmp_path / "d.txt")
    assert kv.index_to_key == ["a", "b"] and kv["a"][0] == 1.0 and kv.vectors.shape == (2, 1)
    assert "duplicate" in caplog.text


def test_keys_with_whitespace_are_refused(tmp_path):
    kv = KeyedVectors(1)
    kv.add_vectors(["new york"], [[1.0]])
    with pytest.raises(ValueError, match="whitespace"):
        kv.save_word2vec_format(tmp_path / "v.txt")
    assert not os.listdir(tmp_path)


def test_interrupted_save_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "v.txt.gz"
    make_kv().save_word2vec_format(path)
    before = path.read_bytes()

    def crash(*args):
        yield b"partial"
        raise OSError("disk full")
    monkeypatch.setattr(w2v.io.word2vec_format, "_text_lines", crash)
    with pytest.raises(OSError, match="disk full"):
        make_kv(seed=1).save_word2vec_format(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["v.txt.gz"]


# ------------------------------------------------------------------ damaged files

@pytest.mark.parametrize("content, message", [
    (b"3 2\na 1 2\nb 3 4\n", "ends at line 3, after 2 vectors"),
    (b"2 2\na 1 2\nb 3\n", "line 3: expected 2 numbers"),
    (b"2 2\na 1 2\nb 3 4 5\n", "line 3: expected 2 numbers"),
    (b"2 2\na 1 2\nb 3 x4\n", "line 3: b'x4' is not a number"),
    (b"2 2\na 1 2\n\nb 1 2\n", "line 3"),
    (b"two 2\na 1 2\n", "line 1: expected a header"),
    (b"", "line 1: expected a header"),
])
def test_malformed_text_is_an_error_naming_the_line(tmp_path, content, message):
    (tmp_path / "bad.txt").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        KeyedVectors.load_word2vec_format(tmp_path / "bad.txt")


@pytest.mark.parametrize("cut", [2, 5, 30, 120])  # 1 would only drop the optional newline
def test_truncated_binary_is_an_error_naming_the_offset(tmp_path, cut):
    kv = make_kv(n=10, dim=4)
    kv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    data = (tmp_path / "v.bin").read_bytes()
    (tmp_path / "v.bin").write_bytes(data[:-cut])
    with pytest.raises(ValueError, match="ends at byte .* inside vector"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)


def test_truncated_gzip_is_an_error(tmp_path):
    make_kv(n=200, dim=20).save_word2vec_format(tmp_path / "v.txt.gz")
    data = (tmp_path / "v.txt.gz").read_bytes()
    (tmp_path / "v.txt.gz").write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match="compressed data is truncated"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt.gz")


@pytest.mark.parametrize("binary", [False, True])
def test_invalid_utf8_follows_unicode_errors(tmp_path, binary):
    vector = np.array([1.0, 2.0], "<f4")
    if binary:
        content = b"2 2\nok " + vector.tobytes() + b"\nbad\xff\xfe " + vector.tobytes() + b"\n"
    else:
        content = b"2 2\nok 1 2\nbad\xff\xfe 1 2\n"
    (tmp_path / "v").write_bytes(content)
    with pytest.raises(ValueError, match="not valid utf8.*unicode_errors" if not binary else "byte 1[0-9] .vector 2."):
        KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary)
    replaced = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary, unicode_errors="replace")
    assert replaced.index_to_key == ["ok", "bad\ufffd\ufffd"]
    ignored = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary, unicode_errors="ignore")
    assert ignored.index_to_key == ["ok", "bad"]


# ------------------------------------------------------------------ gensim interop

@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("suffix", ["", ".bz2"])
def test_gensim_reads_ours_and_we_read_gensims(tmp_path, binary, suffix):
    gensim = pytest.importorskip("gensim")
    kv = make_kv(n=300, dim=25)
    ours, theirs = tmp_path / f"ours{suffix}", tmp_path / f"theirs{suffix}"
    kv.save_word2vec_format(ours, binary=binary)
    gkv = gensim.models.KeyedVectors(25)
    gkv.add_vectors(kv.index_to_key, kv.vectors.copy())
    gkv.save_word2vec_format(str(theirs), binary=binary)
    from_ours = gensim.models.KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    from_theirs = KeyedVectors.load_word2vec_format(theirs, binary=binary)
    assert from_ours.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(from_ours.vectors, kv.vectors)
    assert_same_vectors(kv, from_theirs)
    if not binary and not suffix:
        assert ours.read_bytes() == theirs.read_bytes()  # the same text, byte for byte


@pytest.mark.parametrize("binary", [False, True])
def test_unicode_spaces_inside_keys_are_kept(tmp_path, binary):
    # Only ASCII whitespace separates fields (as in the C tool and the corpus-file reader);
    # a no-break or ideographic space is part of the word.
    kv = KeyedVectors(2)
    kv.add_vectors(["New\u00a0York", "東京\u3000都", "a\u2009b"], np.eye(3, 2, dtype=np.float32))
    kv.save_word2vec_format(tmp_path / "v", binary=binary)
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary)
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_keys_with_invalid_utf8_from_a_corpus_file_are_written_as_their_bytes(tmp_path, binary):
    key = b"caf\xe9".decode("utf-8", "surrogateescape")  # as the corpus-file reader keeps it
    kv = KeyedVectors(2)
    kv.add_vectors([key, "ok"], [[1.0, 2.0], [3.0, 4.0]], extras={"count": [2, 1]})
    kv.save_word2vec_format(tmp_path / "v", fvocab=tmp_path / "vocab", binary=binary)
    assert b"caf\xe9 " in (tmp_path / "v").read_bytes() and b"caf\xe9 " in (tmp_path / "vocab").read_bytes()
    with pytest.raises(ValueError, match="surrogateescape"):
        KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary)
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary, unicode_errors="surrogateescape")
    assert loaded.index_to_key == [key, "ok"]
    kv.add_vectors(["\ud800"], [[5.0, 6.0]], extras={"count": [1]})  # a lone surrogate no bytes stand for
    with pytest.raises(ValueError, match="cannot be written as UTF-8"):
        kv.save_word2vec_format(tmp_path / "w", binary=binary)
