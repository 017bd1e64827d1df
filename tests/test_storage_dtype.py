"""Vectors stored as float16: saved and loaded as such, queried in float32, never silently wrong."""

import numpy as np
import pytest

import w2v.vectors.rows
from w2v import KeyedVectors


def random_kv(n=500, dim=20, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    kv = KeyedVectors(dim, dtype=dtype)
    kv.add_vectors([f"w{i}" for i in range(n)], rng.standard_normal((n, dim)),
                   extras={"count": np.arange(n, 0, -1)})
    return kv


def upcast(kv):
    """The same stored values in a float32 KeyedVectors: what float16 queries must equal."""
    same = KeyedVectors(kv.vector_size)
    same.add_vectors(kv.index_to_key, kv.vectors.astype(np.float32), extras=kv.expandos)
    return same


@pytest.fixture(params=[False, True], ids=["one block", "many blocks"])
def half(request, monkeypatch):
    if request.param:  # conversion blocks of 7 rows: queries must stitch the blocks together
        monkeypatch.setattr(w2v.vectors.rows, "CONVERT_BLOCK_BYTES", 7 * 20 * 4)
    return random_kv(dtype=np.float16)


@pytest.mark.parametrize("mmap", [None, "r"])
def test_save_float16_loads_float16(tmp_path, mmap):
    kv = random_kv()
    full, compact = tmp_path / "full.kv", tmp_path / "half.kv"
    kv.save(full)
    kv.save(compact, dtype="float16")
    loaded = KeyedVectors.load(compact, mmap=mmap)
    assert loaded.vectors.dtype == np.float16
    np.testing.assert_array_equal(loaded.vectors, kv.vectors.astype(np.float16))
    assert loaded.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(loaded.expandos["count"], kv.expandos["count"])
    assert kv.vectors.dtype == np.float32  # saving in another type leaves the vectors as they were
    vector_bytes = kv.vectors.nbytes
    assert full.stat().st_size - compact.stat().st_size == pytest.approx(vector_bytes / 2, rel=0.01)
    KeyedVectors.load(compact).save(tmp_path / "back.kv", dtype=np.float32)
    assert KeyedVectors.load(tmp_path / "back.kv").vectors.dtype == np.float32


def test_queries_on_float16_equal_float32_queries_on_the_stored_values(half):
    reference = upcast(half)
    found, expected = half.most_similar("w3", topn=10), reference.most_similar("w3", topn=10)
    assert [key for key, _ in found] == [key for key, _ in expected]
    np.testing.assert_allclose([score for _, score in found], [score for _, score in expected], rtol=1e-6)
    np.testing.assert_allclose(half.most_similar("w3", topn=None), reference.most_similar("w3", topn=None),
                               rtol=1e-6, atol=1e-6)
    batch, expected = half.most_similar_batch(["w1", "w2", "w9"]), reference.most_similar_batch(["w1", "w2", "w9"])
    assert [[k for k, _ in r] for r in batch] == [[k for k, _ in r] for r in expected]
    cosmul = half.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"], topn=5)
    assert [k for k, _ in cosmul] == [k for k, _ in reference.most_similar_cosmul(["w1", "w2"], ["w3"], topn=5)]
    np.testing.assert_allclose(half.distances("w4"), reference.distances("w4"), atol=1e-6)
    np.testing.assert_allclose(half.distances("w4", ["w5", "w6"]), reference.distances("w4", ["w5", "w6"]),
                               atol=1e-6)
    assert half.similarity("w1", "w2") == pytest.approx(reference.similarity("w1", "w2"), abs=1e-6)
    assert half.rank("w1", "w2") == reference.rank("w1", "w2")
    np.testing.assert_allclose(half.norms, reference.norms, rtol=1e-6)


def test_norms_and_scores_are_float32_sums(half):
    """float16 accumulation would overflow here (a sum of squares over 65504) and give inf norms."""
    big = KeyedVectors(16, dtype=np.float16)
    big.add_vectors(["a", "b", "c"], [[300.0] * 16, [300.0] * 15 + [-300.0], [-1.0] * 16])
    assert big.norms is None
    assert big.similarity("a", "b") == pytest.approx(14 / 16)
    np.testing.assert_allclose(big.norms, [1200.0, 1200.0, 4.0])
    assert big.norms.dtype == np.float32
    assert big.most_similar("a", topn=1) == [("b", pytest.approx(0.875))]
    assert big.get_vector("a", norm=True).dtype == np.float32
    assert big.get_mean_vector(["a", "c"]).dtype == np.float32


def test_evaluation_on_float16_matches_float32_on_the_same_values(half, tmp_path):
    keys = half.index_to_key
    questions = tmp_path / "questions.txt"
    questions.write_text(": s\n" + "".join(f"{keys[i]} {keys[i + 1]} {keys[i + 2]} {keys[i + 3]}\n"
                                           for i in range(0, 80, 4)))
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("".join(f"{keys[i]}\t{keys[i + 1]}\t{i % 7}\n" for i in range(40)))
    reference = upcast(half)
    assert half.evaluate_word_analogies(questions)[0] == reference.evaluate_word_analogies(questions)[0]
    assert half.evaluate_word_pairs(pairs)[1][0] == pytest.approx(reference.evaluate_word_pairs(pairs)[1][0])


def test_values_beyond_float16_are_refused_not_made_infinite(tmp_path):
    kv = random_kv(n=5)
    kv["w2"] = [1e5] + [0.0] * 19
    with pytest.raises(ValueError, match=r"1e\+05\) is beyond the range of float16"):
        kv.save(tmp_path / "half.kv", dtype="float16")
    assert not (tmp_path / "half.kv").exists()
    half = random_kv(n=5, dtype=np.float16)
    with pytest.raises(ValueError, match="beyond the range of float16"):
        half.add_vector("huge", [-7e4] * 20)
    half.add_vector("inf", [np.inf] * 20)  # an infinity asked for is kept, as in float32


@pytest.mark.parametrize("dtype", ["int8", "uint16", "bool"])
def test_only_float_types_can_be_chosen(tmp_path, dtype):
    with pytest.raises(ValueError, match="dtype must be float16, float32 or float64"):
        random_kv(n=3).save(tmp_path / "x.kv", dtype=dtype)


def test_unit_normalize_all_keeps_the_storage_type():
    half = random_kv(n=10, dtype=np.float16)
    half.unit_normalize_all()
    assert half.vectors.dtype == np.float16
    np.testing.assert_allclose(np.linalg.norm(half.vectors.astype(np.float32), axis=1), 1, atol=2e-3)
