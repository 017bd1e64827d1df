"""The native format: round trips, mmap, Word2Vec continuation, refusing unsafe or damaged files."""

import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import w2v.io.container
import w2v.io.native
from planted import grouped_corpus
from w2v import KeyedVectors, Word2Vec
from w2v.io import FormatError
from w2v.io.container import FORMAT_VERSION


@pytest.fixture(scope="module")
def sentences():
    return grouped_corpus(n_sentences=300)[0]


@pytest.fixture(scope="module")
def model(sentences):
    return Word2Vec(sentences, vector_size=12, min_count=1, workers=1, seed=5, hs=1, negative=3, epochs=2,
                    window=3, sample=0)


def small_kv():
    kv = KeyedVectors(3)
    keys = ["alpha", "béta", "with space", "", "tab\there", "日本"]
    kv.add_vectors(keys, np.arange(18, dtype=np.float32).reshape(6, 3), extras={"count": [6, 5, 4, 3, 2, 1]})
    kv.set_vecattr("alpha", "weight", 0.25)
    return kv


def assert_same_kv(a, b):
    assert a.index_to_key == b.index_to_key and a.key_to_index == b.key_to_index
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert a.vectors.dtype == b.vectors.dtype
    assert sorted(a.expandos) == sorted(b.expandos)
    for attr in a.expandos:
        np.testing.assert_array_equal(a.expandos[attr], b.expandos[attr])


# ------------------------------------------------------------------ KeyedVectors round trips

@pytest.mark.parametrize("mmap", [None, "r", "c"])
def test_keyed_vectors_round_trip(tmp_path, mmap):
    kv = small_kv()
    path = tmp_path / "kv.w2v"
    kv.save(path)
    loaded = KeyedVectors.load(path, mmap=mmap)
    assert_same_kv(kv, loaded)
    assert loaded.vectors.flags.writeable == (mmap != "r")
    assert loaded.most_similar("alpha", topn=2) == kv.most_similar("alpha", topn=2)


def test_mmap_maps_the_file_at_aligned_offsets(tmp_path):
    kv = small_kv()
    path = tmp_path / "kv.w2v"
    kv.save(path)
    loaded = KeyedVectors.load(path, mmap="r")
    assert isinstance(loaded.vectors.base, np.memmap) or isinstance(loaded.vectors.base.base, np.memmap)
    assert loaded.vectors.ctypes.data % 64 == 0
    with zipfile.ZipFile(path) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
        assert archive.testzip() is None  # CRCs are right


def test_copy_on_write_mmap_leaves_the_file_alone(tmp_path):
    kv = small_kv()
    path = tmp_path / "kv.w2v"
    kv.save(path)
    loaded = KeyedVectors.load(path, mmap="c")
    loaded.vectors[0] = 99
    np.testing.assert_array_equal(KeyedVectors.load(path)["alpha"], kv["alpha"])


def test_empty_and_large_dtype_round_trips(tmp_path):
    empty = KeyedVectors(4)
    empty.save(tmp_path / "empty.w2v")
    loaded = KeyedVectors.load(tmp_path / "empty.w2v", mmap="r")
    assert len(loaded) == 0 and loaded.vectors.shape == (0, 4)
    wide = KeyedVectors(2, dtype=np.float64)
    wide.add_vectors(["x"], [[1 / 3, 2 / 3]])
    wide.save(tmp_path / "wide.w2v")
    assert_same_kv(wide, KeyedVectors.load(tmp_path / "wide.w2v"))


def test_saving_twice_gives_the_same_bytes(tmp_path):
    kv = small_kv()
    kv.save(tmp_path / "a.w2v")
    kv.save(tmp_path / "b.w2v")
    assert (tmp_path / "a.w2v").read_bytes() == (tmp_path / "b.w2v").read_bytes()


def test_key_with_newline_is_refused_and_old_file_kept(tmp_path):
    path = tmp_path / "kv.w2v"
    small_kv().save(path)
    before = path.read_bytes()
    bad = KeyedVectors(1)
    bad.add_vectors(["two\nlines"], [[1.0]])
    with pytest.raises(ValueError, match="newline"):
        bad.save(path)
    assert path.read_bytes() == before


def test_interrupted_save_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "kv.w2v"
    small_kv().save(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(w2v.io.container, "_write_array", crash)
    bigger = small_kv()
    bigger.add_vector("new", [1, 2, 3])
    with pytest.raises(OSError, match="disk full"):
        bigger.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["kv.w2v"]  # no temporary file left behind


# ------------------------------------------------------------------ Word2Vec

def test_word2vec_round_trip_restores_everything(tmp_path, model):
    path = tmp_path / "model.w2v"
    model.save(path)
    loaded = Word2Vec.load(path)
    assert_same_kv(model.wv, loaded.wv)
    np.testing.assert_array_equal(model.syn1neg, loaded.syn1neg)
    np.testing.assert_array_equal(model.syn1, loaded.syn1)
    for name in w2v.io.native.model_parameters(model):
        assert getattr(loaded, name) == getattr(model, name), name
    for name in Word2Vec._saved_state:
        assert getattr(loaded, name) == getattr(model, name), name
    assert loaded.epoch_stats == model.epoch_stats


@pytest.mark.parametrize("block_bytes", [300, 1 << 20])  # several blocks, a partial last one; one block
def test_padded_output_matrices_round_trip_in_blocks(tmp_path, model, monkeypatch, block_bytes):
    monkeypatch.setattr(w2v.io.container, "BLOCK_BYTES", block_bytes)
    model.syn1neg[...] = np.random.default_rng(0).standard_normal(model.syn1neg.shape)
    assert not model.syn1neg.flags.c_contiguous  # rows padded to cache lines
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    np.testing.assert_array_equal(model.syn1neg, loaded.syn1neg)
    np.testing.assert_array_equal(model.syn1, loaded.syn1)
    assert loaded.syn1neg.strides == model.syn1neg.strides and loaded.syn1neg.ctypes.data % 64 == 0
    raw = np.load(io.BytesIO(zipfile.ZipFile(tmp_path / "m.w2v").read("model/syn1neg.npy")))
    np.testing.assert_array_equal(raw, model.syn1neg)  # the file holds plain C-order rows


def test_saving_and_loading_never_copy_a_whole_output_matrix(tmp_path, monkeypatch):
    import tracemalloc
    monkeypatch.setattr(w2v.io.container, "BLOCK_BYTES", 1 << 19)
    words = [f"w{i}" for i in range(20000)]
    model = Word2Vec(vector_size=100, min_count=1, workers=1)
    model.build_vocab([words])
    matrix_bytes = model.syn1neg.nbytes  # 8 MB
    path = tmp_path / "m.w2v"
    tracemalloc.start()
    try:
        model.save(path)
        _, save_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        loaded = Word2Vec.load(path)
        _, load_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert save_peak < matrix_bytes / 2 + w2v.io.container.BLOCK_BYTES
    # What load must hold: the input vectors and the padded output matrix; not a second copy.
    held = loaded.wv.vectors.nbytes + loaded.syn1neg.base.nbytes
    assert load_peak < held + matrix_bytes / 2 + w2v.io.container.BLOCK_BYTES


def test_training_after_load_continues_exactly(tmp_path, sentences):
    params = dict(vector_size=12, min_count=1, workers=1, seed=5, negative=3, epochs=1, sample=0)
    original = Word2Vec(sentences, **params)
    original.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v")
    for m in (original, loaded):
        m.train(sentences, total_examples=m.corpus_count, epochs=1)
    np.testing.assert_array_equal(original.wv.vectors, loaded.wv.vectors)
    np.testing.assert_array_equal(original.syn1neg, loaded.syn1neg)


def test_training_after_read_only_mmap_load_is_a_clear_error(tmp_path, model, sentences):
    model.save(tmp_path / "m.w2v")
    loaded = Word2Vec.load(tmp_path / "m.w2v", mmap="r")
    with pytest.raises(RuntimeError, match="read-only.*mmap"):
        loaded.train(sentences, total_examples=loaded.corpus_count, epochs=1)
    with pytest.raises(RuntimeError, match="read-only"):
        loaded.build_vocab([["brand", "new"]], update=True)
    cow = Word2Vec.load(tmp_path / "m.w2v", mmap="c")
    before = cow.wv.vectors.copy()
    cow.train(sentences, total_examples=cow.corpus_count, epochs=1)
    assert not np.array_equal(before, cow.wv.vectors)


def test_online_learning_after_load(tmp_path, sentences):
    from w2v.vocab import _vocab
    model = Word2Vec(sentences, vector_size=12, min_count=2, workers=1, seed=5, epochs=1)
    model.save(tmp_path / "m.w2v")
    model = Word2Vec.load(tmp_path / "m.w2v")
    old_keys, old_vectors = list(model.wv.index_to_key), model.wv.vectors.copy()
    more = [["zebra", "yak", "zebra", "yak"]] * 5 + sentences[:20]
    model.build_vocab(more, update=True)
    assert model.wv.index_to_key[:len(old_keys)] == old_keys
    assert {"zebra", "yak"} <= set(model.wv.index_to_key[len(old_keys):])
    np.testing.assert_array_equal(model.wv.vectors[:len(old_keys)], old_vectors)
    new = model.wv.index_to_key[len(old_keys):]
    # New rows start like every other word: from the same seeded initialisation.
    np.testing.assert_array_equal(model.wv[new], _vocab.initial_vectors(new, 12, 5))
    assert model.syn1neg.shape == model.wv.vectors.shape
    assert model.wv.get_vecattr("zebra", "count") == 10
    model.train(more, total_examples=len(more), epochs=1)
    assert not np.array_equal(model.wv["zebra"], _vocab.initial_vectors(["zebra"], 12, 5)[0])
    assert np.isfinite(model.wv.vectors).all()


def test_keyed_vectors_load_reads_a_model_file_but_not_the_reverse(tmp_path, model):
    model.save(tmp_path / "m.w2v")
    assert_same_kv(KeyedVectors.load(tmp_path / "m.w2v", mmap="r"), model.wv)
    model.wv.save(tmp_path / "kv.w2v")
    with pytest.raises(FormatError, match="KeyedVectors.load"):
        Word2Vec.load(tmp_path / "kv.w2v")


def test_unknown_saved_parameter_is_ignored_with_a_warning(tmp_path, model, caplog):
    path = tmp_path / "m.w2v"
    model.save(path)
    rewrite_manifest(path, lambda m: m["model"]["params"].update(retired_option=3))
    assert Word2Vec.load(path).window == model.window
    assert "retired_option" in caplog.text


@pytest.mark.parametrize("name,value", [("workers", 10 ** 7), ("alpha", 1e6), ("window", "five"), ("hs", 2)])
def test_a_file_with_invalid_parameters_is_a_format_error(tmp_path, model, name, value):
    path = tmp_path / "m.w2v"
    model.save(path)
    rewrite_manifest(path, lambda m: m["model"]["params"].update({name: value}))
    with pytest.raises(FormatError, match=f"saved parameters are not valid: {name}"):
        Word2Vec.load(path)


# ------------------------------------------------------------------ refusing bad files

def rewrite_manifest(path, change):
    """Rewrite a file with a changed w2v.json (the other members copied as they are)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members.pop("w2v.json"))
    change(manifest)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("w2v.json", json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name, data)


def craft_file(path, vectors_member: bytes, dtype="<f4", shape=(1, 2)):
    manifest = {"format": "w2v", "format_version": 1, "kind": "KeyedVectors",
                "wv": {"vector_size": 2, "count": 1, "attributes": []},
                "arrays": {"wv/vectors.npy": {"shape": list(shape), "dtype": dtype}}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("w2v.json", json.dumps(manifest))
        archive.writestr("wv/keys.txt", "a")
        archive.writestr("wv/vectors.npy", vectors_member)


class Exploit:
    def __reduce__(self):
        return (os.mkdir, ("/tmp/w2v-pwned-by-pickle",))


def test_object_array_member_is_refused(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.array([[Exploit(), 1]], dtype=object), allow_pickle=True)
    craft_file(tmp_path / "evil.w2v", buffer.getvalue(), dtype="|O")
    for mmap in (None, "r"):
        with pytest.raises(FormatError, match="object|numeric"):
            KeyedVectors.load(tmp_path / "evil.w2v", mmap=mmap)
    assert not os.path.exists("/tmp/w2v-pwned-by-pickle")


def test_pickle_payload_member_is_refused(tmp_path):
    craft_file(tmp_path / "evil.w2v", pickle.dumps(Exploit()))
    with pytest.raises(FormatError, match="not a valid .npy"):
        KeyedVectors.load(tmp_path / "evil.w2v")
    assert not os.path.exists("/tmp/w2v-pwned-by-pickle")


def test_member_disagreeing_with_manifest_is_refused(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((1, 3), dtype=np.float32))
    craft_file(tmp_path / "odd.w2v", buffer.getvalue())
    with pytest.raises(FormatError, match="w2v.json says"):
        KeyedVectors.load(tmp_path / "odd.w2v")


def test_compressed_member_is_refused(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((1, 2), dtype=np.float32))
    path = tmp_path / "deflated.w2v"
    craft_file(path, b"")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, buffer.getvalue() if name.endswith(".npy") else data)
    with pytest.raises(FormatError, match="compressed"):
        KeyedVectors.load(path)


def test_newer_format_version_is_refused(tmp_path):
    path = tmp_path / "future.w2v"
    small_kv().save(path)
    rewrite_manifest(path, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(FormatError, match="newer w2v.*upgrade"):
        KeyedVectors.load(path)


def test_not_a_w2v_file(tmp_path):
    (tmp_path / "text.txt").write_text("2 3\na 1 2 3\n")
    with pytest.raises(FormatError, match="not a w2v file.*load_word2vec_format"):
        KeyedVectors.load(tmp_path / "text.txt")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("readme", "hi")
    with pytest.raises(FormatError, match="no w2v.json"):
        KeyedVectors.load(tmp_path / "other.zip")


def test_gensim_pickle_is_recognised_and_never_unpickled(tmp_path):
    gensim = pytest.importorskip("gensim")
    kv = gensim.models.KeyedVectors(2)
    kv.add_vectors(["a"], [[1.0, 2.0]])
    kv.save(str(tmp_path / "gensim.kv"))
    with pytest.raises(FormatError, match="pickle"):
        KeyedVectors.load(tmp_path / "gensim.kv")


@pytest.mark.parametrize("keep", [0.3, 0.9, 0.99])
def test_truncated_file_is_an_error(tmp_path, keep):
    path = tmp_path / "kv.w2v"
    small_kv().save(path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(FormatError):
        KeyedVectors.load(path)


def test_bad_mmap_mode(tmp_path):
    small_kv().save(tmp_path / "kv.w2v")
    with pytest.raises(ValueError, match="mmap"):
        KeyedVectors.load(tmp_path / "kv.w2v", mmap="r+")


def test_keys_are_indexed_lazily_and_once_across_threads(tmp_path):
    import threading
    kv = KeyedVectors(2)
    kv.add_vectors([f"k{i}" for i in range(5000)], np.random.default_rng(0).standard_normal((5000, 2)))
    kv.save(tmp_path / "kv.w2v")
    loaded = KeyedVectors.load(tmp_path / "kv.w2v", mmap="r")
    assert loaded._pending_keys is not None and len(loaded) == 5000  # len() needs no index
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(loaded.key_to_index["k4321"])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [4321] * 8 and loaded.index_to_key == kv.index_to_key
    loaded.add_vector("new", [1.0, 2.0])
    assert loaded.index_to_key[-1] == "new" and len(loaded) == 5001


def test_duplicate_keys_in_a_crafted_file_are_an_error(tmp_path):
    kv = KeyedVectors(1)
    kv.add_vectors(["a", "b"], [[1.0], [2.0]])
    kv.save(tmp_path / "kv.w2v")
    with zipfile.ZipFile(tmp_path / "kv.w2v") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["wv/keys.txt"] = b"a\na"
    with zipfile.ZipFile(tmp_path / "kv.w2v", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="damaged"):
        KeyedVectors.load(tmp_path / "kv.w2v")["a"]


class TunedWord2Vec(Word2Vec):
    """A developer's subclass with one more parameter, passing the rest on."""

    def __init__(self, *args, smoothing: float = 0.5, **kwargs):
        self.smoothing = smoothing
        super().__init__(*args, **kwargs)


def test_a_new_parameter_is_saved_without_touching_the_format(tmp_path, sentences):
    model = TunedWord2Vec(sentences, smoothing=0.125, vector_size=8, min_count=1, workers=1, window=2, epochs=1)
    model.save(tmp_path / "tuned.w2v")
    loaded = TunedWord2Vec.load(tmp_path / "tuned.w2v")
    assert type(loaded) is TunedWord2Vec
    assert (loaded.smoothing, loaded.window, loaded.vector_size) == (0.125, 2, 8)


def test_a_model_trained_on_invalid_utf8_saves_and_loads_in_every_format(tmp_path):
    # The corpus-file reader keeps undecodable bytes as surrogateescape characters; every
    # writer must put those bytes back instead of failing after the whole training run.
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b"caf\xe9 ok ok fine\n" * 10)
    model = Word2Vec(corpus_file=corpus, min_count=1, vector_size=8, workers=1, epochs=1)
    key = b"caf\xe9".decode("utf-8", "surrogateescape")
    assert key in model.wv
    model.save(tmp_path / "m.w2v")
    assert Word2Vec.load(tmp_path / "m.w2v").wv.index_to_key == model.wv.index_to_key
    model.wv.save(tmp_path / "kv.w2v")
    assert KeyedVectors.load(tmp_path / "kv.w2v", mmap="r").index_to_key == model.wv.index_to_key
    for binary in (False, True):
        model.wv.save_word2vec_format(tmp_path / "v", binary=binary)
        loaded = KeyedVectors.load_word2vec_format(tmp_path / "v", binary=binary, unicode_errors="surrogateescape")
        assert set(loaded.index_to_key) == set(model.wv.index_to_key)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_saved_files_get_the_usual_permissions(tmp_path):
    # Not mkstemp's 0600: a service running as another user must be able to read the model.
    umask = os.umask(0o022)
    try:
        kv = small_kv()
        kv.save(tmp_path / "kv.w2v")
        KeyedVectors(3).save_word2vec_format(tmp_path / "kv.txt")
        os.chmod(tmp_path / "kv.w2v", 0o600)
        kv.save(tmp_path / "kv.w2v")  # replacing a file gives the new file the usual mode too
    finally:
        os.umask(umask)
    for name in ("kv.w2v", "kv.txt"):
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o644, name
