"""The command line, run as a user would: in a subprocess."""

import subprocess
import sys

import pytest


def w2v(*args, check=False):
    return subprocess.run([sys.executable, "-m", "w2v", *args], capture_output=True, text=True,
                          check=check, timeout=300)


def test_demo_gets_its_analogies_right():
    result = w2v("demo", check=True)
    assert "6 of 6 analogies right" in result.stdout
    assert "paris" in result.stdout


def test_demo_on_a_user_corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    lines = ["the man is the king of the land", "the woman is the queen of the land"] * 200
    path.write_text("\n".join(lines) + "\n")
    result = w2v("demo", "--corpus", str(path), "--epochs", "2", check=True)
    assert "Trained on" in result.stdout


def test_version():
    from w2v import __version__
    assert w2v("--version", check=True).stdout.strip() == f"w2v {__version__}"


@pytest.mark.parametrize("args,status,message", [
    (("demo", "--corpus", "/no/such/file.txt"), 1, "no such file"),
    (("demo", "--no-such-flag"), 2, "unrecognized arguments"),
    ((), 2, "required"),
])
def test_errors_are_one_line_without_traceback(args, status, message):
    result = w2v(*args)
    assert result.returncode == status
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ train, query, evaluate, convert


@pytest.fixture(scope="module")
def language(tmp_path_factory):
    """The demo's generated language as a text file, and its analogies as a questions file."""
    from w2v.cli.demo import demo_analogies, generate_language

    folder = tmp_path_factory.mktemp("language")
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in generate_language(12000)) + "\n")
    questions = folder / "questions.txt"
    questions.write_text(": demo\n" + "".join(" ".join(q) + "\n" for q in demo_analogies()))
    pairs = folder / "pairs.tsv"
    pairs.write_text("# word1\tword2\tscore\nparis\trome\t8.0\nking\tqueen\t9.0\nparis\tking\t1.0\n")
    return corpus, questions, pairs


@pytest.fixture(scope="module")
def trained(language, tmp_path_factory):
    corpus = language[0]
    output = tmp_path_factory.mktemp("trained") / "vectors.bin"
    vocab = output.with_name("vocab.txt")
    result = w2v("train", "-train", str(corpus), "-output", str(output), "-size", "40", "-window", "4",
                 "-binary", "1", "-iter", "10", "-min-count", "2", "-threads", "2", "-save-vocab", str(vocab))
    assert result.returncode == 0, result.stderr
    return output, vocab


def test_train_writes_c_binary_that_gensim_loads(trained):
    gensim = pytest.importorskip("gensim")
    from w2v import KeyedVectors

    output, vocab = trained
    theirs = gensim.models.KeyedVectors.load_word2vec_format(str(output), binary=True)
    ours = KeyedVectors.load_word2vec_format(str(output), binary=True)
    assert theirs.index_to_key == ours.index_to_key
    assert (theirs.vectors == ours.vectors).all()
    words = [line.split()[0] for line in vocab.read_text().splitlines()]
    assert words == ours.index_to_key


def test_similar_analogy_evaluate_convert_end_to_end(trained, language, tmp_path):
    output, _ = trained
    _, questions, pairs = language
    similar = w2v("similar", str(output), "paris", "--topn", "5", check=True)
    assert len(similar.stdout.splitlines()) == 5
    analogy = w2v("analogy", str(output), "france", "paris", "italy", "--topn", "1", check=True)
    assert analogy.stdout.split()[0] == "rome"
    evaluate = w2v("evaluate", str(output), "--analogies", str(questions), "--pairs", str(pairs), check=True)
    assert "Total accuracy" in evaluate.stdout and "spearman" in evaluate.stdout
    for name in ("vectors.txt", "vectors.txt.gz", "vectors.kv", "back.bin"):
        source = output if name == "vectors.txt" else tmp_path / "vectors.txt"
        w2v("convert", str(source), str(tmp_path / name), check=True)
    from w2v import KeyedVectors
    original = KeyedVectors.load_word2vec_format(str(output), binary=True)
    native = KeyedVectors.load(str(tmp_path / "vectors.kv"))
    back = KeyedVectors.load_word2vec_format(str(tmp_path / "back.bin"), binary=True)
    assert native.index_to_key == original.index_to_key == back.index_to_key
    assert abs(native.vectors - original.vectors).max() < 1e-5  # the text format rounds to 6 decimals


def test_queries_read_stdin_without_words(trained):
    output, _ = trained
    result = subprocess.run([sys.executable, "-m", "w2v", "similar", str(output), "--topn", "2"],
                            input="paris\nnosuchword\nrome\nEXIT\n", capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 4
    assert "nosuchword" in result.stderr


def test_train_native_model_continues_and_reads_vocab(trained, language, tmp_path):
    from w2v import Word2Vec

    corpus = language[0]
    _, vocab = trained
    model_path = tmp_path / "model.w2v"
    w2v("train", "--input", str(corpus), "--output", str(model_path), "--sg", "--vector-size", "16",
        "--epochs", "1", "--read-vocab", str(vocab), "--threads", "1", check=True)
    model = Word2Vec.load(str(model_path))
    assert model.sg == 1 and model.vector_size == 16
    assert model.wv.index_to_key == [line.split()[0] for line in vocab.read_text().splitlines()]
    assert w2v("similar", str(model_path), "paris", "--topn", "3", check=True).stdout


@pytest.mark.parametrize("args,message", [
    (("train", "-train", "/no/such.txt", "-output", "x.bin"), "no such file"),
    (("similar", "/no/such.bin", "paris"), "no such file"),
    (("analogy", "/no/such.bin", "a", "b"), "three words"),
    (("evaluate", "/no/such.bin"), "--analogies"),
])
def test_cli_errors_are_one_line(args, message):
    result = w2v(*args)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_word_is_one_line_error(trained):
    result = w2v("similar", str(trained[0]), "nosuchword")
    assert result.returncode == 1 and "nosuchword" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["train", "similar", "analogy", "evaluate", "convert", "demo"])
def test_every_subcommand_has_help(command):
    result = w2v(command, "--help", check=True)
    assert "usage: w2v " + command in result.stdout


def test_bad_train_flag_value_exits_2():
    result = w2v("train", "-train", "x", "-output", "y", "-hs", "2")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_convert_to_float16(trained, tmp_path):
    from w2v import KeyedVectors

    output, _ = trained
    half = tmp_path / "half.kv"
    result = w2v("convert", str(output), str(half), "--dtype", "float16", check=True)
    assert "float16" in result.stderr
    loaded = KeyedVectors.load(str(half))
    original = KeyedVectors.load_word2vec_format(str(output), binary=True)
    assert loaded.vectors.dtype == "float16" and loaded.index_to_key == original.index_to_key
    refused = w2v("convert", str(output), str(tmp_path / "half.bin"), "--dtype", "float16")
    assert refused.returncode == 1 and "native format" in refused.stderr and "Traceback" not in refused.stderr


def test_similar_answers_from_an_index_and_refuses_a_damaged_one(trained, tmp_path):
    pytest.importorskip("faiss")
    from w2v import KeyedVectors
    from w2v.index import AnnIndex

    output, _ = trained
    index_path = tmp_path / "vectors.ann"
    AnnIndex.build(KeyedVectors.load_word2vec_format(str(output), binary=True)).save(index_path)
    exact = w2v("similar", str(output), "paris", "--topn", "3", check=True).stdout
    indexed = w2v("similar", str(output), "paris", "--topn", "3", "--index", str(index_path), check=True).stdout
    assert indexed.split()[::2] == exact.split()[::2]
    index_path.write_bytes(index_path.read_bytes()[:-10])
    damaged = w2v("similar", str(output), "paris", "--index", str(index_path))
    assert damaged.returncode == 1 and "Traceback" not in damaged.stderr
    assert str(index_path) in damaged.stderr and "truncated" in damaged.stderr
