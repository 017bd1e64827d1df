"""Issue 18: what a hostile file or a careless operator can do, each case pinned down.

One test (or a few) per defect of the issue that lives in the file formats, the queries and
the command line: bounded memory against zip and gzip bombs and lying headers, linear-time
reading, one exception family (``FormatError``), checksums, stale temporaries. The fuzzing
campaign is ``test_fuzz.py``; the kill -9 rounds are ``test_kill_during_save.py``.
"""

import gzip
import json
import os
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest

import w2v.corpora
import w2v.io.files
import w2v.io.word2vec_reader
from w2v import FrozenPhrases, KeyedVectors, Phrases, Word2Vec
from w2v.io import FormatError, TruncatedFileError
from w2v.io.container import Archive, verify_file
from w2v.io.word2vec_format import read_counts

MiB = 1 << 20


def small_kv(dtype=np.float32):
    kv = KeyedVectors(3, dtype=dtype)
    kv.add_vectors(["alpha", "beta", "gamma"], np.array([[1, 2, 3], [2, 4, 7], [-3, 0, 1]]))
    return kv


def peak_bytes(function, *args, **kwargs):
    """(what ``function`` returned or raised, the peak of memory it allocated), via tracemalloc
    (which also sees NumPy's array buffers)."""
    tracemalloc.start()
    try:
        try:
            outcome = function(*args, **kwargs)
        except Exception as error:  # the caller checks which
            outcome = error
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rezip(source, target, replace=None, compress=()):
    """Copy the w2v file ``source`` member by member, replacing some members' bytes and
    deflating those named in ``compress``."""
    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = replace.get(info.filename, old.read(info.filename))
            method = zipfile.ZIP_DEFLATED if info.filename in compress else zipfile.ZIP_STORED
            new.writestr(zipfile.ZipInfo(info.filename), data, compress_type=method)


# ------------------------------------------------------------------ 1. zip bombs

def test_a_deflated_key_list_is_not_inflated_past_what_its_keys_can_need(tmp_path):
    small_kv().save(tmp_path / "kv.w2v")
    bomb = b"alpha\nbeta\ngamma" + bytes(64 * MiB)  # deflates about 1000 times
    rezip(tmp_path / "kv.w2v", tmp_path / "bomb.w2v", {"wv/keys.txt": bomb}, compress={"wv/keys.txt"})
    error, peak = peak_bytes(KeyedVectors.load, tmp_path / "bomb.w2v")
    assert isinstance(error, FormatError) and "wv/keys.txt" in str(error)
    assert peak < 8 * MiB  # refused before inflating, not after


def test_a_deflated_manifest_is_bounded_too(tmp_path):
    small_kv().save(tmp_path / "kv.w2v")
    with zipfile.ZipFile(tmp_path / "kv.w2v") as archive:
        manifest = archive.read("w2v.json")
    padded = manifest[:-1] + b" " * (32 * MiB) + b"}"  # valid JSON, mostly spaces
    rezip(tmp_path / "kv.w2v", tmp_path / "bomb.w2v", {"w2v.json": padded}, compress={"w2v.json"})
    error, peak = peak_bytes(KeyedVectors.load, tmp_path / "bomb.w2v")
    assert isinstance(error, FormatError) and "w2v.json" in str(error)
    assert peak < 8 * MiB


def test_deflated_members_within_the_bounds_still_load(tmp_path):
    small_kv().save(tmp_path / "kv.w2v")
    rezip(tmp_path / "kv.w2v", tmp_path / "zipped.w2v", compress={"w2v.json", "wv/keys.txt"})
    assert KeyedVectors.load(tmp_path / "zipped.w2v").index_to_key == ["alpha", "beta", "gamma"]


def test_array_sizes_are_checked_against_the_file_before_allocating(tmp_path):
    kv = KeyedVectors(4)
    kv.add_vectors(["a", "b"], np.ones((2, 4)))
    kv.save(tmp_path / "kv.w2v")
    data = (tmp_path / "kv.w2v").read_bytes()
    cut = tmp_path / "cut.w2v"
    # The vectors' data is cut away, the zip directory kept: only the sizes say it is missing.
    start = data.index(np.ones(8, dtype=np.float32).tobytes())
    cut.write_bytes(data[:start + 4] + data[start + 32:])
    with pytest.raises(FormatError):
        KeyedVectors.load(cut)


# ------------------------------------------------------------------ 3. long lines, bounded

def test_a_small_gzip_of_one_huge_line_is_refused_with_bounded_memory(tmp_path):
    path = tmp_path / "line.txt.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(b"1 3\nkey " + b"1" * (48 * MiB))
    error, peak = peak_bytes(KeyedVectors.load_word2vec_format, path)
    assert isinstance(error, FormatError) and "longer than" in str(error)
    assert peak < 16 * MiB


def test_a_huge_first_line_without_header_is_refused_too(tmp_path):
    path = tmp_path / "line.txt.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(b"key " + b"1 " * (24 * MiB))
    error, peak = peak_bytes(KeyedVectors.load_word2vec_format, path, no_header=True)
    assert isinstance(error, FormatError) and "line 1 is longer than" in str(error)
    assert peak < 48 * MiB


def test_long_lines_are_read_whole_across_many_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(w2v.io.word2vec_reader, "CHUNK_BYTES", 1000)
    kv = KeyedVectors(20000)
    kv.add_vectors(["a", "b"], np.random.default_rng(0).standard_normal((2, 20000)))
    kv.save_word2vec_format(tmp_path / "wide.txt")
    np.testing.assert_array_equal(KeyedVectors.load_word2vec_format(tmp_path / "wide.txt").vectors, kv.vectors)


# ------------------------------------------------------------------ 5. integer vectors

def assert_same_neighbours(found, expected):
    assert [key for key, _ in found] == [key for key, _ in expected]
    np.testing.assert_allclose([score for _, score in found], [score for _, score in expected], atol=1e-12)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.int16, np.uint8])
def test_integer_vectors_are_queried_in_floats(dtype):
    kv, reference = KeyedVectors(3, dtype=dtype), KeyedVectors(3, dtype=np.float64)
    for vectors in (kv, reference):
        vectors.add_vectors(["alpha", "beta", "gamma"], [[1, 2, 3], [2, 5, 7], [9, 1, 0]])
    assert_same_neighbours(kv.most_similar("alpha"), reference.most_similar("alpha"))
    assert kv.similarity("alpha", "beta") == pytest.approx(reference.similarity("alpha", "beta"))
    assert_same_neighbours(kv.most_similar_batch(["alpha"])[0], reference.most_similar_batch(["alpha"])[0])
    assert_same_neighbours(kv.most_similar_cosmul("alpha"), reference.most_similar_cosmul("alpha"))
    np.testing.assert_allclose(kv.get_mean_vector(["alpha", "beta"]), reference.get_mean_vector(["alpha", "beta"]))


def test_integer_norms_do_not_overflow():
    kv = KeyedVectors(2, dtype=np.int32)
    kv.add_vectors(["a", "b"], [[60000, 0], [60000, 60000]])  # 60000**2 overflows int32
    kv.fill_norms()
    np.testing.assert_allclose(kv.norms, [60000, 60000 * 2 ** 0.5])
    assert kv.similarity("a", "b") == pytest.approx(2 ** -0.5)


def test_a_native_file_of_integer_vectors_answers_queries(tmp_path):
    small_kv(np.int32).save(tmp_path / "ints.w2v")
    loaded = KeyedVectors.load(tmp_path / "ints.w2v", mmap="r")
    assert loaded.vectors.dtype == np.int32
    assert_same_neighbours(loaded.most_similar("alpha"), small_kv(np.float64).most_similar("alpha"))


def test_an_integer_datatype_must_hold_the_values_exactly(tmp_path):
    (tmp_path / "floats.txt").write_text("2 2\na 0.25 1\nb 1 2\n")
    with pytest.raises(ValueError, match="datatype=int32 cannot hold"):
        KeyedVectors.load_word2vec_format(tmp_path / "floats.txt", datatype=np.int32)
    (tmp_path / "ints.txt").write_text("2 2\na 3 1\nb 1 2\n")
    kv = KeyedVectors.load_word2vec_format(tmp_path / "ints.txt", datatype=np.int32)
    assert kv.vectors.dtype == np.int32 and kv.similarity("a", "b") == pytest.approx(5 / (10 * 5) ** 0.5)


# ------------------------------------------------------------------ 6, 7. C formats read wrongly

def test_a_text_file_read_as_binary_is_an_error(tmp_path):
    small_kv().save_word2vec_format(tmp_path / "v.txt")
    with pytest.raises(FormatError, match="binary=False"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", binary=True)


def test_a_text_file_whose_numbers_align_with_float32_records_is_still_recognised(tmp_path):
    # Three-character numbers and a separator are exactly 4 bytes: keys come out clean.
    (tmp_path / "v.txt").write_text("2 3\na 1.0 0.0 0.5\nb 0.5 1.0 2.0\n")
    with pytest.raises(FormatError, match="text file"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.txt", binary=True)


@pytest.mark.parametrize("no_header", [False, True])
def test_a_text_file_cut_inside_its_last_number_is_an_error(tmp_path, no_header):
    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], [[0.5, -0.12345679], [1.0, -0.12345679]])
    kv.save_word2vec_format(tmp_path / "v.txt", write_header=not no_header)
    data = (tmp_path / "v.txt").read_bytes()
    (tmp_path / "cut.txt").write_bytes(data[:data.rindex(b"-0.123") + len(b"-0.123")])
    with pytest.raises(TruncatedFileError, match="does not end with a newline") as caught:
        KeyedVectors.load_word2vec_format(tmp_path / "cut.txt", no_header=no_header)
    assert isinstance(caught.value, EOFError)  # what gensim raises for a truncated file


def test_truncated_c_files_are_eof_errors_as_in_gensim(tmp_path):
    small_kv().save_word2vec_format(tmp_path / "v.bin", binary=True)
    (tmp_path / "cut.bin").write_bytes((tmp_path / "v.bin").read_bytes()[:-7])
    with pytest.raises(EOFError):
        KeyedVectors.load_word2vec_format(tmp_path / "cut.bin", binary=True)


# ------------------------------------------------------------------ headers against the file's size

@pytest.mark.parametrize("binary", [False, True])
def test_a_header_announcing_more_than_the_file_holds_allocates_nothing_big(tmp_path, binary):
    path = tmp_path / "v"
    path.write_bytes(b"100000000000 300\n" + (b"a " + bytes(1200) if binary else b"a" + b" 0" * 300 + b"\n"))
    error, peak = peak_bytes(KeyedVectors.load_word2vec_format, path, binary=binary)
    assert isinstance(error, TruncatedFileError), error
    assert peak < 8 * MiB


def test_a_compressed_header_announcing_more_than_memory_is_refused_up_front(tmp_path):
    path = tmp_path / "v.bin.gz"
    path.write_bytes(gzip.compress(b"100000000000000 300\na "))
    with pytest.raises(MemoryError, match="announces"):
        KeyedVectors.load_word2vec_format(path, binary=True)


# ------------------------------------------------------------------ 10. keys that do not read back

@pytest.mark.parametrize("save", [
    lambda kv, folder: kv.save(folder / "kv.w2v"),
    lambda kv, folder: kv.save_word2vec_format(folder / "kv.txt"),
    lambda kv, folder: kv.save_word2vec_format(folder / "kv.bin", binary=True),
])
def test_keys_whose_bytes_read_back_as_another_key_are_refused_at_save(tmp_path, save):
    kv = KeyedVectors(1)
    kv.add_vectors(["\u00e9", "\udcc3\udca9"], [[1.0], [2.0]])  # both are the bytes c3 a9
    with pytest.raises(ValueError, match=r"'\\udcc3\\udca9'.*read back as 'é', which is also a key"):
        save(kv, tmp_path)
    assert os.listdir(tmp_path) == []


def test_keys_of_invalid_utf8_from_a_corpus_still_round_trip(tmp_path):
    kv = KeyedVectors(1)
    kv.add_vectors([b"caf\xe9".decode("utf-8", "surrogateescape"), "\u00e9"], [[1.0], [2.0]])
    kv.save(tmp_path / "kv.w2v")
    assert KeyedVectors.load(tmp_path / "kv.w2v").index_to_key == kv.index_to_key


# ------------------------------------------------------------------ 11. stale temporaries

def test_the_next_save_removes_what_a_killed_save_left(tmp_path):
    small_kv().save(tmp_path / "kv.w2v")
    stale = tmp_path / ".tmp-0123456789ab-kv.w2v"
    stale.write_bytes(b"half a model")
    small_kv().save(tmp_path / "kv.w2v")
    assert sorted(os.listdir(tmp_path)) == ["kv.w2v"]


@pytest.mark.skipif(w2v.io.files.fcntl is None, reason="POSIX file locks")
def test_a_temporary_being_written_is_never_removed(tmp_path):
    import fcntl
    live = tmp_path / ".tmp-0123456789ab-kv.w2v"
    with open(live, "wb") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)  # what a live writer holds
        writer.write(b"in progress")
        writer.flush()
        small_kv().save(tmp_path / "kv.w2v")
        assert live.exists()
    small_kv().save(tmp_path / "kv.w2v")  # its writer is gone: now it is stale
    assert not live.exists()


def test_only_our_own_temporaries_of_the_same_target_are_touched(tmp_path):
    others = [".tmp-0123456789ab-other.w2v", ".tmp-xyz-kv.w2v", ".tmp-0123456789abc-kv.w2v", "kv.w2v.tmp"]
    for name in others:
        (tmp_path / name).write_bytes(b"not ours")
    small_kv().save(tmp_path / "kv.w2v")
    assert sorted(os.listdir(tmp_path)) == sorted(others + ["kv.w2v"])


def test_an_empty_temporary_just_created_is_spared_while_its_writer_lives(tmp_path):
    # A writer creates its file, then locks it: in between, the file is empty and unlocked.
    fresh = tmp_path / f".tmp-{os.getpid():08x}abcd-kv.w2v"
    fresh.write_bytes(b"")
    small_kv().save(tmp_path / "kv.w2v")
    assert fresh.exists()
    os.utime(fresh, (0, 0))  # an empty one from long ago is stale (its pid was reused since)
    small_kv().save(tmp_path / "kv.w2v")
    assert not fresh.exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f".tmp-{int(dead.stdout):08x}abcd-kv.w2v"
    orphan.write_bytes(b"")  # killed between creating and locking: its process is gone
    small_kv().save(tmp_path / "kv.w2v")
    assert not orphan.exists()


# ------------------------------------------------------------------ 12. one exception family

#: How a manifest can lie: a change to the saved one, or bytes in its place.
MANIFEST_DAMAGE = {
    "count missing": lambda m: m["wv"].pop("count"),
    "count a string": lambda m: m["wv"].update(count="3"),
    "count a float": lambda m: m["wv"].update(count=1e300),
    "count negative": lambda m: m["wv"].update(count=-1),
    "vector_size a list": lambda m: m["wv"].update(vector_size=[3]),
    "wv a list": lambda m: m.update(wv=[1, 2]),
    "arrays a list": lambda m: m.update(arrays=[]),
    "array entry a string": lambda m: m["arrays"].update({"wv/vectors.npy": "x"}),
    "array shape of strings": lambda m: m["arrays"]["wv/vectors.npy"].update(shape=["3", "3"]),
    "attributes a dict": lambda m: m["wv"].update(attributes={"count": 1}),
    "attribute not a name": lambda m: m["wv"].update(attributes=[["x"]]),
    "format_version a float": lambda m: m.update(format_version=1.5),
    "deep nesting": b'{"format": "w2v", "x": ' + b"[" * 100000 + b"]" * 100000 + b"}",
    "not utf-8": b'{"format": "w2v\xff"}',
    "a list": b"[1, 2, 3]",
    "a huge number": b'{"format": "w2v", "format_version": 1' + b"0" * 5000 + b"}",
}


@pytest.mark.parametrize("case", sorted(MANIFEST_DAMAGE))
def test_damaged_manifests_raise_format_error(tmp_path, case):
    small_kv().save(tmp_path / "kv.w2v")
    damage = MANIFEST_DAMAGE[case]
    if callable(damage):
        with zipfile.ZipFile(tmp_path / "kv.w2v") as archive:
            manifest = json.loads(archive.read("w2v.json"))
        damage(manifest)
        damage = json.dumps(manifest).encode()
    rezip(tmp_path / "kv.w2v", tmp_path / "bad.w2v", {"w2v.json": damage})
    for mmap in (None, "r"):
        with pytest.raises(FormatError):
            KeyedVectors.load(tmp_path / "bad.w2v", mmap=mmap)
        with pytest.raises(FormatError):
            Word2Vec.load(tmp_path / "bad.w2v", mmap=mmap)


@pytest.mark.parametrize("garbage", [
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3)", b"(((((", b"\x00\xff\"'", b"[" * 50,
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000000000000, 3), }",
    b"{'descr': 'O', 'fortran_order': False, 'shape': (3, 3), }",
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 3), }", b"'" * 3])
def test_damaged_npy_headers_raise_format_error(tmp_path, garbage):
    small_kv().save(tmp_path / "kv.w2v")
    data = (tmp_path / "kv.w2v").read_bytes()
    start = data.index(b"{'descr'")
    end = data.index(b"\n", start)
    (tmp_path / "bad.w2v").write_bytes(data[:start] + garbage.ljust(end - start) + data[end:])
    with pytest.raises(FormatError):
        KeyedVectors.load(tmp_path / "bad.w2v", verify=False)


def test_a_damaged_saved_model_raises_format_error(tmp_path):
    model = Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, workers=1, epochs=1)
    model.save(tmp_path / "m.w2v")
    with zipfile.ZipFile(tmp_path / "m.w2v") as archive:
        manifest = json.loads(archive.read("w2v.json"))
    for change in (lambda m: m["model"].update(params={"window": "wide"}),
                   lambda m: m["model"].update(params=[1]),
                   lambda m: m["model"]["state"].update(epoch_stats=[{"no such field": 1}]),
                   lambda m: m["model"]["state"].update(epoch_stats=[{"epoch": "one"}]),
                   lambda m: m["model"]["state"].update(corpus_count="many"),
                   lambda m: m["model"].update(output_arrays=[None])):
        document = json.loads(json.dumps(manifest))
        change(document)
        rezip(tmp_path / "m.w2v", tmp_path / "bad.w2v", {"w2v.json": json.dumps(document).encode()})
        with pytest.raises(FormatError):
            Word2Vec.load(tmp_path / "bad.w2v")


def test_a_damaged_key_list_found_lazily_is_a_format_error(tmp_path):
    small_kv().save(tmp_path / "kv.w2v")
    rezip(tmp_path / "kv.w2v", tmp_path / "bad.w2v", {"wv/keys.txt": b"alpha\nalpha\ngamma"})
    loaded = KeyedVectors.load(tmp_path / "bad.w2v", mmap="r")
    with pytest.raises(FormatError, match="damaged"):
        loaded.key_to_index


@pytest.mark.parametrize("content", [b"a 1\nb -5\n", b"a \xc2\xb2\n", b"a 1 2\n", b"a " + b"9" * 30 + b"\n",
                                     b"a\xff 1\n", b"a " + b"1" * (2 * MiB)])
def test_damaged_vocabulary_files_raise_format_error(tmp_path, content):
    (tmp_path / "vocab.txt").write_bytes(content)
    with pytest.raises(FormatError):
        read_counts(tmp_path / "vocab.txt")


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_damaged_compressed_c_files_raise_format_error(tmp_path, suffix):
    small_kv().save_word2vec_format(tmp_path / f"v.txt{suffix}")
    data = bytearray((tmp_path / f"v.txt{suffix}").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / f"v.txt{suffix}").write_bytes(data)
    with pytest.raises(FormatError):
        KeyedVectors.load_word2vec_format(tmp_path / f"v.txt{suffix}")


# ------------------------------------------------------------------ phrases files

def phrases_file(tmp_path):
    path = tmp_path / "p.json"
    Phrases([["a", "b"]] * 3, min_count=1, threshold=1.0).save(path)
    return path, json.loads(path.read_text())


def test_phrase_lengths_that_wrap_around_are_refused_not_read_out_of_bounds(tmp_path):
    path, document = phrases_file(tmp_path)
    big = 2 ** 62  # four of them sum to 2 in int64: the old check passed, the reader ran off the ids
    document.update(phrase_lengths=[big, big, big, big + 2], phrase_ids=[0, 1], phrase_counts=[1, 1, 1, 1])
    path.write_text(json.dumps(document))
    code = f"from w2v import Phrases\ntry:\n    Phrases.load({str(path)!r})\nexcept ValueError as e:\n    print(type(e).__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "FormatError"), result


def test_damaged_phrases_files_raise_format_error(tmp_path):
    path, document = phrases_file(tmp_path)
    for change in (lambda d: d.update(params=[]), lambda d: d["params"].update(scoring=["x"]),
                   lambda d: d["params"].update(scoring="nonsense"), lambda d: d["params"].update(min_count=-1),
                   lambda d: d.update(phrase_ids=[[0]]), lambda d: d.update(corpus_word_count=2 ** 70),
                   lambda d: d.update(words=[1, 2]), lambda d: d.pop("min_reduce"),
                   lambda d: d.update(version=None), lambda d: d.update({"class": ["x"]})):
        changed = json.loads(json.dumps(document))
        change(changed)
        path.write_text(json.dumps(changed))
        with pytest.raises(FormatError):
            Phrases.load(path)
    path.write_bytes(b"[" * 100000)
    with pytest.raises(FormatError):
        FrozenPhrases.load(path)


def test_a_compressed_phrases_bomb_is_refused(tmp_path):
    path = tmp_path / "p.json.gz"
    path.write_bytes(gzip.compress(b'{"format": "w2v-phrases", "pad": "' + b" " * (64 * MiB) + b'"}'))
    error, peak = peak_bytes(Phrases.load, path)
    assert isinstance(error, FormatError) and "inflates" in str(error)
    assert peak < 48 * MiB


# ------------------------------------------------------------------ 13. checksums

def flip_a_vector_bit(path):
    data = bytearray(path.read_bytes())
    data[data.index(np.array([2, 4, 7], dtype=np.float32).tobytes()) + 5] ^= 0x10
    path.write_bytes(data)


def test_a_flipped_bit_in_the_vectors_is_refused(tmp_path):
    small_kv().save(tmp_path / "kv.w2v")
    flip_a_vector_bit(tmp_path / "kv.w2v")
    with pytest.raises(FormatError, match="wv/vectors.npy is damaged: its CRC-32"):
        KeyedVectors.load(tmp_path / "kv.w2v")
    with pytest.raises(FormatError, match="CRC-32"):
        KeyedVectors.load(tmp_path / "kv.w2v", mmap="r", verify=True)
    with pytest.raises(FormatError, match="CRC-32"):
        verify_file(tmp_path / "kv.w2v")
    # Mapped without verify (the default with mmap) nothing is read at load: documented.
    assert KeyedVectors.load(tmp_path / "kv.w2v", mmap="r").vectors.shape == (3, 3)
    assert KeyedVectors.load(tmp_path / "kv.w2v", verify=False)["beta"][1] != 4


def test_a_flipped_bit_in_a_model_s_output_layer_is_refused(tmp_path):
    model = Word2Vec([["a", "b", "c"]] * 20, vector_size=4, min_count=1, workers=1, epochs=1, seed=3)
    model.save(tmp_path / "m.w2v")
    data = bytearray((tmp_path / "m.w2v").read_bytes())
    with Archive(tmp_path / "m.w2v") as archive:
        position = archive._locate("model/syn1neg.npy").data_start + 1
    data[position] ^= 1
    (tmp_path / "m.w2v").write_bytes(data)
    with pytest.raises(FormatError, match="model/syn1neg.npy is damaged"):
        Word2Vec.load(tmp_path / "m.w2v")


def test_verified_loads_give_the_saved_values(tmp_path):
    kv = small_kv()
    kv.set_vecattr("alpha", "count", 7)
    kv.save(tmp_path / "kv.w2v")
    for mmap in (None, "r", "c"):
        loaded = KeyedVectors.load(tmp_path / "kv.w2v", mmap=mmap, verify=True)
        np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    verify_file(tmp_path / "kv.w2v")


# ------------------------------------------------------------------ 12. the command line

def w2v_cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "w2v", *map(str, args)], capture_output=True, text=True,
                          timeout=120, **kwargs)


def assert_one_line_error(result, status=1, message=""):
    assert result.returncode == status, result
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert message in last, result.stderr


def test_cli_errors_are_one_line_for_every_kind_of_bad_input(tmp_path):
    (tmp_path / "huge.txt").write_bytes(b"100000000000 3\na 1 2 3\n")
    assert_one_line_error(w2v_cli("similar", tmp_path / "huge.txt", "a"), 1, "header promises")
    small_kv().save(tmp_path / "kv.w2v")
    flip_a_vector_bit(tmp_path / "kv.w2v")
    assert_one_line_error(w2v_cli("similar", tmp_path / "kv.w2v", "alpha"), 1, "CRC-32")
    (tmp_path / "bad.w2v").write_bytes(b"PK\x03\x04" + bytes(18))
    assert_one_line_error(w2v_cli("similar", tmp_path / "bad.w2v", "alpha"), 1, "not a w2v file")
    assert_one_line_error(w2v_cli("similar", tmp_path / "kv.w2v", "alpha", "--topn", "-3"), 2, "--topn")
    assert_one_line_error(w2v_cli("demo", "--epochs", "0"), 2, "--epochs")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a b c\n" * 10)
    assert_one_line_error(w2v_cli("train", "-train", corpus, "-output", tmp_path / "o.txt", "--seed", "-1"),
                          2, "--seed")


def test_cli_memory_errors_are_one_line(tmp_path):
    (tmp_path / "huge.txt.gz").write_bytes(gzip.compress(b"100000000000000 3\na 1 2 3\n"))
    assert_one_line_error(w2v_cli("similar", tmp_path / "huge.txt.gz", "a"), 1, "not enough memory")


def test_cli_debug_shows_the_traceback(tmp_path):
    (tmp_path / "huge.txt").write_bytes(b"100000000000 3\na 1 2 3\n")
    result = w2v_cli("--debug", "similar", tmp_path / "huge.txt", "a")
    assert result.returncode == 1 and "Traceback" in result.stderr and "TruncatedFileError" in result.stderr


def test_unexpected_errors_are_one_line_with_their_kind():
    from w2v.cli.main import error_line
    assert error_line(AttributeError("'NoneType' object has no attribute 'x'")).startswith("AttributeError: ")
    assert "\n" not in error_line(ValueError("two\nlines"))


# ------------------------------------------------------------------ what the fuzzing campaign found

@pytest.mark.parametrize("header", [b"2 99999999999999999999", b"2 4294967296", b"1" + b"0" * 400 + b" 3",
                                    b"9223372036854775808 3"])
def test_headers_beyond_any_array_shape_are_format_errors(tmp_path, header):
    for binary in (False, True):
        for suffix in ("", ".gz"):
            path = tmp_path / f"v{suffix}"
            data = header + b"\na 1 2 3\n"
            path.write_bytes(gzip.compress(data) if suffix else data)
            with pytest.raises(FormatError, match="expected a header"):
                KeyedVectors.load_word2vec_format(path, binary=binary)


def test_an_empty_key_in_a_binary_file_is_an_error_not_a_shape_mismatch(tmp_path):
    record = np.array([1, 2], dtype="<f4").tobytes()
    (tmp_path / "v.bin").write_bytes(b"2 2\n " + record + b"\nb " + record)
    with pytest.raises(FormatError, match="empty key"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)
    with pytest.raises(FormatError, match="empty key"):
        KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True, limit=1)


def test_vectors_never_outgrow_the_preallocated_rows_silently(tmp_path, monkeypatch):
    # Should the file-size bound on preallocation ever be short, the rows must still all land.
    monkeypatch.setattr(w2v.io.word2vec_reader, "_capacity", lambda *args: 1)
    small_kv().save_word2vec_format(tmp_path / "v.bin", binary=True)
    loaded = KeyedVectors.load_word2vec_format(tmp_path / "v.bin", binary=True)
    np.testing.assert_array_equal(loaded.vectors, small_kv().vectors)


def test_phrases_with_tokens_read_by_surrogateescape_save_and_load(tmp_path):
    token = b"caf\xe9".decode("utf-8", "surrogateescape")
    phrases = Phrases([[token, "au", "lait"]] * 10, min_count=1, threshold=0.1)
    phrases.save(tmp_path / "p.json")
    phrases.freeze().save(tmp_path / "f.json")
    assert Phrases.load(tmp_path / "p.json").vocab == phrases.vocab
    assert FrozenPhrases.load(tmp_path / "f.json").phrasegrams == phrases.freeze().phrasegrams
    (tmp_path / "p.json").read_bytes().decode("utf-8")  # still valid UTF-8 JSON


@pytest.mark.parametrize("name", ["min_count", "max_vocab_size", "progress_per"])
def test_phrases_parameters_beyond_int64_are_refused_at_load(tmp_path, name):
    path, document = phrases_file(tmp_path)
    document["params"][name] = 2 ** 70
    path.write_text(json.dumps(document))
    with pytest.raises(FormatError, match=name):
        Phrases.load(path)


# ------------------------------------------------------------------ corpus readers, bounded

def test_line_sentence_reads_a_huge_line_in_bounded_memory(tmp_path, monkeypatch):
    from w2v import LineSentence
    monkeypatch.setattr(w2v.corpora, "PIECE_BYTES", 64 << 10, raising=False)
    path = tmp_path / "line.txt.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(b"ab " * MiB + b"\nlast line\n")

    def count():
        return sum(len(sentence) for sentence in LineSentence(path))
    tokens, peak = peak_bytes(count)
    assert tokens == MiB + 2
    assert peak < 16 * MiB  # the whole line as a list of tokens is about 65 MB


def test_corpora_keep_tokens_longer_than_a_piece_whole(tmp_path, monkeypatch):
    from w2v import LineSentence, Text8Corpus
    monkeypatch.setattr(w2v.corpora, "PIECE_BYTES", 5)
    path = tmp_path / "text.txt"
    path.write_bytes("short a-much-longer-token caf\u00e9 \u00e9t\u00e9\nx y\n".encode())
    assert list(LineSentence(path)) == [["short", "a-much-longer-token", "caf\u00e9", "\u00e9t\u00e9"], ["x", "y"]]
    assert list(Text8Corpus(path, block_size=3)) == [["short", "a-much-longer-token", "caf\u00e9", "\u00e9t\u00e9",
                                                     "x", "y"]]


@pytest.mark.skipif(sys.platform != "linux", reason="an address-space limit (RLIMIT_AS) and /proc")
def test_a_compressed_header_beyond_the_address_space_limit_is_refused_clearly(tmp_path):
    # Found by ci/fuzz.sh: the workers run under a 4 GiB RLIMIT_AS, and the memory check
    # compared the header (737M x 2 floats, 5.5 GiB) with the machine's memory only, so
    # NumPy's own MemoryError escaped from np.empty.
    path = tmp_path / "lying.bin.gz"
    path.write_bytes(gzip.compress(b"0737095442 2\nnan51616\xc0\x7f\x00\x00\x80\xff\ninf \x01\x00\x00\x00\x9e\xc9\x7f\x7f\n"))
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
            "from w2v import KeyedVectors\n"
            "try:\n"
            f"    KeyedVectors.load_word2vec_format({str(path)!r}, binary=True)\n"
            "except MemoryError as error:\n"
            "    print('announces' in str(error))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", result


def test_a_key_that_is_not_utf8_is_a_format_error_and_gensims_unicode_error(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"2 2\ncaf\xe9 1 2\ntea 3 4\n")
    with pytest.raises(FormatError, match=r"line 2: key .*caf.* is not valid utf") as caught:
        KeyedVectors.load_word2vec_format(path, unicode_errors="strict")
    assert isinstance(caught.value, UnicodeDecodeError) and caught.value.object == b"caf\xe9"
    vocab = tmp_path / "vocab.txt"
    vocab.write_bytes(b"caf\xe9 5\ntea 4\n")
    path.write_bytes(b"2 2\ncafe 1 2\ntea 3 4\n")
    with pytest.raises(UnicodeDecodeError, match="vocab.txt, line 1: not valid UTF-8"):
        KeyedVectors.load_word2vec_format(path, fvocab=vocab, unicode_errors="strict")


def test_weights_that_cannot_fit_are_refused_before_allocating(monkeypatch):
    import w2v.io.limits
    monkeypatch.setattr(w2v.io.limits, "available_memory", lambda: 1 << 20)
    with pytest.raises(MemoryError, match=r"the weights of 2 words x 100000 dimensions need .* more than the 1.0 MiB"):
        Word2Vec([["a", "b"]] * 5, vector_size=100_000, min_count=1)
    assert len(Word2Vec([["a", "b"]] * 5, vector_size=10, min_count=1).wv) == 2  # small ones still fit


def test_a_vocabulary_update_that_cannot_fit_is_refused_and_changes_nothing(monkeypatch):
    import w2v.io.limits
    model = Word2Vec([["a", "b"]] * 5, vector_size=10, min_count=1, workers=1)
    counts, vectors = model.wv.expandos["count"].copy(), model.wv.vectors.copy()
    monkeypatch.setattr(w2v.io.limits, "available_memory", lambda: 100)
    with pytest.raises(MemoryError, match=r"the weights of 3 words x 10 dimensions need"):
        model.build_vocab([["a", "c"]] * 5, update=True)
    assert len(model.wv) == 2
    np.testing.assert_array_equal(model.wv.expandos["count"], counts)
    np.testing.assert_array_equal(model.wv.vectors, vectors)
