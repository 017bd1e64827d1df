"""The first hour with ``w2v train``: an unwritable output fails before training, compressed
corpora are read, and ``-verbose`` reports progress without a terminal."""

from __future__ import annotations

import bz2
import gzip
import os
import subprocess
import sys

import numpy as np
import pytest

from w2v import KeyedVectors

LINES = ["the quick brown fox jumps over the lazy dog", "a lazy dog sleeps all day long"] * 300


def w2v(*args: str, delay: float | None = None) -> subprocess.CompletedProcess:
    """Run the command line in a subprocess (no terminal), optionally with a shorter -verbose delay."""
    code = "import importlib, sys; cli = importlib.import_module('w2v.cli.main'); "
    if delay is not None:
        code += f"cli.VERBOSE_REPORT_DELAY = {delay}; "
    code += "sys.exit(cli.main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture()
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(LINES) + "\n")
    return path


@pytest.mark.parametrize("output, message", [
    ("missing-folder/vectors.bin", "does not exist"),
    (".", "is a directory"),
])
def test_an_unwritable_output_fails_before_training(corpus, tmp_path, output, message):
    result = w2v("train", "-train", str(corpus), "-output", str(tmp_path / output), "-min-count", "1")
    assert result.returncode == 1
    assert message in result.stderr and ".tmp" not in result.stderr
    assert "words in" not in result.stderr  # it never got to training
    assert "Traceback" not in result.stderr


def test_a_save_error_names_the_file_not_its_temporary(tmp_path):
    kv = KeyedVectors(2)
    kv.add_vectors(["a"], [[1.0, 2.0]])
    target = tmp_path / "missing" / "vectors.txt"
    with pytest.raises(FileNotFoundError) as raised:
        kv.save_word2vec_format(target)
    assert str(target) in str(raised.value) and ".tmp" not in str(raised.value)
    with pytest.raises(FileNotFoundError) as raised:
        kv.save(target)
    assert ".tmp" not in str(raised.value)


@pytest.mark.parametrize("suffix, opener", [(".gz", gzip.open), (".bz2", bz2.open)])
def test_train_reads_a_compressed_corpus(corpus, tmp_path, suffix, opener):
    packed = tmp_path / f"corpus.txt{suffix}"
    with opener(packed, "wt") as out:
        out.write(corpus.read_text())
    outputs = {}
    for name, source in (("plain", corpus), ("packed", packed)):
        outputs[name] = tmp_path / f"{name}.txt"
        result = w2v("train", "-train", str(source), "-output", str(outputs[name]), "-min-count", "1",
                     "-size", "8", "-iter", "2", "-threads", "1")
        assert result.returncode == 0, result.stderr
    plain = KeyedVectors.load_word2vec_format(outputs["plain"])
    packed_vectors = KeyedVectors.load_word2vec_format(outputs["packed"])
    assert plain.index_to_key == packed_vectors.index_to_key
    assert np.isfinite(packed_vectors.vectors).all() and packed_vectors.vectors.any()


def test_verbose_prints_progress_lines_without_a_terminal(corpus, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("\n".join(LINES * 20) + "\n")
    result = w2v("train", "-train", str(big), "-output", str(tmp_path / "v.txt"), "-min-count", "1",
                 "-size", "16", "-iter", "3", "-threads", "1", "-verbose", delay=0.001)
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stderr.splitlines() if "PROGRESS" in line]
    assert progress and all("words/s" in line and "alpha" in line for line in progress)
    for expected in ("retains", "EPOCH 1", "EPOCH 3", "training on"):
        assert expected in result.stderr, expected
    quiet = w2v("train", "-train", str(big), "-output", str(tmp_path / "q.txt"), "-min-count", "1",
                "-size", "16", "-iter", "1", "-threads", "1")
    assert "PROGRESS" not in quiet.stderr and "EPOCH" not in quiet.stderr


def test_verbose_on_a_compressed_corpus_with_read_vocab(corpus, tmp_path):
    vocab = tmp_path / "vocab.txt"
    assert w2v("train", "-train", str(corpus), "-output", str(tmp_path / "a.txt"), "-min-count", "1",
               "-save-vocab", str(vocab), "-iter", "1").returncode == 0
    packed = tmp_path / "corpus.txt.gz"
    with gzip.open(packed, "wt") as out:
        out.write(corpus.read_text())
    result = w2v("train", "-train", str(packed), "-output", str(tmp_path / "b.txt"), "-read-vocab", str(vocab),
                 "-min-count", "1", "-iter", "1", "-verbose")
    assert result.returncode == 0, result.stderr
    assert os.path.getsize(tmp_path / "b.txt") > 0
