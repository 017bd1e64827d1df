"""Analogy and word-pair evaluation on small generated files with known answers."""

import numpy as np
import pytest

from w2v import KeyedVectors

DIM = 24


@pytest.fixture(scope="module")
def planted():
    """Countries and capitals related by one offset, plus unrelated words."""
    rng = np.random.default_rng(1)
    countries = rng.standard_normal((8, DIM))
    offset = rng.standard_normal(DIM) * 1.5
    keys = [f"country{i}" for i in range(8)] + [f"capital{i}" for i in range(8)]
    vectors = np.vstack([countries, countries + offset + 0.05 * rng.standard_normal((8, DIM))])
    keys += [f"noise{i}" for i in range(40)] + ["Capital3"]  # a case variant, less frequent
    vectors = np.vstack([vectors, rng.standard_normal((41, DIM))])
    kv = KeyedVectors(DIM)
    kv.add_vectors(keys, vectors.astype(np.float32))
    return kv


@pytest.fixture
def analogy_file(tmp_path):
    lines = ["# generated", ": capitals", ""]
    lines += [f"country{i} capital{i} country{j} capital{j}" for i in range(8) for j in range(8) if i != j]
    lines += [": with-unknown", "country1 capital1 country2 atlantis", "COUNTRY1 CAPITAL1 COUNTRY4 capital4"]
    path = tmp_path / "analogies.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_analogies_find_the_planted_answers(planted, analogy_file):
    score, sections = planted.evaluate_word_analogies(analogy_file)
    assert [s["section"] for s in sections] == ["capitals", "with-unknown", "Total accuracy"]
    assert len(sections[0]["correct"]) + len(sections[0]["incorrect"]) == 56
    assert score > 0.9
    assert sections[1]["correct"] == [("COUNTRY1", "CAPITAL1", "COUNTRY4", "CAPITAL4")]
    assert len(sections[-1]["correct"]) == len(sections[0]["correct"]) + 1


def test_analogies_match_gensim(planted, analogy_file):
    gensim = pytest.importorskip("gensim")
    # gensim reads neither comments nor blank lines.
    lines = analogy_file.read_text().splitlines()
    analogy_file.write_text("\n".join(line for line in lines if line and not line.startswith("#")) + "\n")
    gkv = gensim.models.KeyedVectors(DIM)
    gkv.add_vectors(planted.index_to_key, planted.vectors.copy())
    for dummy in (False, True):
        ours = planted.evaluate_word_analogies(analogy_file, dummy4unknown=dummy)
        theirs = gkv.evaluate_word_analogies(str(analogy_file), dummy4unknown=dummy)
        assert ours[0] == pytest.approx(theirs[0])
        assert ours[1] == theirs[1]


def test_dummy4unknown_counts_unknown_questions_wrong(planted, analogy_file):
    skipped = planted.evaluate_word_analogies(analogy_file)[1][1]
    counted = planted.evaluate_word_analogies(analogy_file, dummy4unknown=True)[1][1]
    assert len(skipped["incorrect"]) == 0
    assert counted["incorrect"] == [("COUNTRY1", "CAPITAL1", "COUNTRY2", "ATLANTIS")]


def test_case_variants_never_answer_and_case_sensitive_mode(planted, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(": s\ncountry3 capital3 country3 capital3\n")
    # The answer would be capital3 itself, which is a query word: its variant Capital3 may not
    # answer either, so the question is wrong whatever the vectors.
    assert planted.evaluate_word_analogies(path)[0] == 0.0
    path.write_text(": s\nCOUNTRY1 CAPITAL1 COUNTRY2 CAPITAL2\n")
    score, sections = planted.evaluate_word_analogies(path, case_insensitive=False)
    assert score == 0.0 and sections[-1]["incorrect"] == []  # every word unknown: skipped


def random_questions(kv, rng, n=60):
    words = kv.index_to_key[:16]
    return [tuple(rng.choice(words, size=3, replace=False)) for _ in range(n)]


@pytest.mark.parametrize("function", ["most_similar", "most_similar_cosmul"])
def test_batched_answers_equal_one_query_at_a_time(planted, tmp_path, function):
    rng = np.random.default_rng(7)
    lines = [": random"]
    for a, b, c in random_questions(planted, rng):
        answer = getattr(planted, function)(positive=[b, c], negative=[a], topn=1)[0][0]
        lines.append(f"{a} {b} {c} {answer}")
    path = tmp_path / "q.txt"
    path.write_text("\n".join(lines) + "\n")
    score = planted.evaluate_word_analogies(path, similarity_function=function)[0]
    assert score == 1.0
    other = {"most_similar": "most_similar_cosmul", "most_similar_cosmul": "most_similar"}[function]
    # The other objective disagrees on some questions: similarity_function is really used.
    assert planted.evaluate_word_analogies(path, similarity_function=other)[0] < 1.0


def test_restrict_vocab_limits_questions_and_answers(planted, analogy_file):
    score, sections = planted.evaluate_word_analogies(analogy_file, restrict_vocab=8)
    assert score == 0.0 and sections[-1]["correct"] == sections[-1]["incorrect"] == []


@pytest.mark.parametrize("method, content, message", [
    ("evaluate_word_analogies", ": s\na b c\n", "line 2: expected 4 words"),
    ("evaluate_word_analogies", "a b c d\n", "line 1: question before the first"),
    ("evaluate_word_analogies", ": s\na b c d e\n", "line 2"),
    ("evaluate_word_pairs", "a\tb\n", "line 1: expected 3 fields"),
    ("evaluate_word_pairs", "# c\na\tb\tnot-a-number\n", "line 2"),
])
def test_malformed_lines_are_errors_naming_the_line(planted, tmp_path, method, content, message):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        getattr(planted, method)(path)


def test_unknown_similarity_function_is_an_error(planted, analogy_file):
    with pytest.raises(ValueError, match="similarity_function"):
        planted.evaluate_word_analogies(analogy_file, similarity_function="cosine")


# ------------------------------------------------------------------ word pairs

@pytest.fixture
def pairs_file(planted, tmp_path):
    rng = np.random.default_rng(3)
    lines = ["# word1\tword2\tscore"]
    keys = planted.index_to_key[:30]
    for _ in range(40):
        a, b = rng.choice(keys, size=2, replace=False)
        # A monotone function of the model's own similarity: Spearman is exactly 1.
        lines.append(f"{a}\t{b}\t{np.exp(planted.similarity(a, b)):.6f}")
    lines += ["", "country1\tatlantis\t5.0"]
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_word_pairs_known_correlation(planted, pairs_file):
    pearson, spearman, oov = planted.evaluate_word_pairs(pairs_file)
    assert spearman[0] == pytest.approx(1.0)
    assert 0.9 < pearson[0] <= 1.0 and pearson[1] < 1e-6
    assert oov == pytest.approx(100 / 41)


def test_word_pairs_match_gensim(planted, pairs_file):
    gensim = pytest.importorskip("gensim")
    gkv = gensim.models.KeyedVectors(DIM)
    gkv.add_vectors(planted.index_to_key, planted.vectors.copy())
    for dummy in (False, True):
        ours = planted.evaluate_word_pairs(pairs_file, dummy4unknown=dummy)
        theirs = gkv.evaluate_word_pairs(str(pairs_file), dummy4unknown=dummy)
        np.testing.assert_allclose(ours[0], tuple(theirs[0]), rtol=1e-5)
        np.testing.assert_allclose(ours[1], tuple(theirs[1]), rtol=1e-5)
        assert ours[2] == pytest.approx(theirs[2])




def test_no_scorable_pair_is_an_error(planted, tmp_path):
    path = tmp_path / "oov.tsv"
    path.write_text("x\ty\t1.0\n")
    with pytest.raises(ValueError, match="no word pair"):
        planted.evaluate_word_pairs(path)
