"""Streaming corpora read every token, from plain and compressed files."""

import bz2
import gzip
import io
import lzma

import pytest

from w2v import LineSentence, PathLineSentences, Text8Corpus

TEXT = "the quick brown fox\n\njumps over the lazy dog\r\nand   runs\taway\nnaïve café\n"
TOKENS = TEXT.split()


@pytest.mark.parametrize("suffix,opener", [("", open), (".gz", gzip.open), (".bz2", bz2.open),
                                           (".xz", lzma.open)])
def test_line_sentence_reads_plain_and_compressed(tmp_path, suffix, opener):
    path = tmp_path / f"corpus.txt{suffix}"
    with opener(path, "wb") as handle:
        handle.write(TEXT.encode("utf-8"))
    sentences = list(LineSentence(path))
    assert sentences == [line.split() for line in TEXT.splitlines() if line.split()]
    assert list(LineSentence(str(path))) == sentences  # restartable, str path too


def test_line_sentence_splits_long_lines_without_losing_tokens():
    tokens = [f"w{i}" for i in range(25)]
    sentences = list(LineSentence(io.BytesIO(" ".join(tokens).encode()), max_sentence_length=10))
    assert [len(s) for s in sentences] == [10, 10, 5]
    assert sum(sentences, []) == tokens


def test_line_sentence_limit_and_text_files(tmp_path):
    assert list(LineSentence(io.StringIO("a b\nc\nd e\n"), limit=2)) == [["a", "b"], ["c"]]


def test_invalid_utf8_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"fine line\nbroken \xff\xfe line\n")
    with pytest.raises(ValueError, match=r"bad.txt, line 2"):
        list(LineSentence(path))
    assert list(LineSentence(path, errors="replace"))[1] == ["broken", "\ufffd\ufffd", "line"]


def test_text8_corpus_never_splits_words_at_block_boundaries(tmp_path):
    words = [f"word{i % 97}" for i in range(5000)]
    path = tmp_path / "text8"
    path.write_text(" ".join(words))
    for block_size in (7, 64, 1000):
        sentences = list(Text8Corpus(path, max_sentence_length=300, block_size=block_size))
        assert sum(sentences, []) == words
        assert all(len(s) == 300 for s in sentences[:-1])


def test_path_line_sentences_reads_every_file_in_order(tmp_path):
    (tmp_path / "b.txt").write_text("three four\n")
    with gzip.open(tmp_path / "a.txt.gz", "wt") as handle:
        handle.write("one two\n")
    assert list(PathLineSentences(tmp_path)) == [["one", "two"], ["three", "four"]]
    with pytest.raises(FileNotFoundError):
        PathLineSentences(tmp_path / "nope")


def test_bad_max_sentence_length():
    with pytest.raises(ValueError, match="max_sentence_length"):
        LineSentence(io.BytesIO(b""), max_sentence_length=0)
