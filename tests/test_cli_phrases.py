"""``w2v phrases`` (word2phrase's equivalent), run as a user would: in a subprocess."""

import random
import subprocess
import sys

import pytest


def w2v(*args, check=False):
    return subprocess.run([sys.executable, "-m", "w2v", *args], capture_output=True, text=True,
                          check=check, timeout=120)


def random_lines(n_lines, planted, every, seed=0):
    """Lines of random words (w0..w199), with ``planted`` inserted in every ``every``-th line."""
    rng = random.Random(seed)
    lines = []
    for i in range(n_lines):
        words = [f"w{rng.randrange(200)}" for _ in range(8)]
        if i % every == 0:
            words[3:3] = planted.split()
        lines.append(" ".join(words))
    return lines


@pytest.fixture
def corpus(tmp_path):
    lines = random_lines(4000, "new york", 20)
    lines = [line + (" los angeles" if i % 25 == 1 else "") for i, line in enumerate(lines)]
    lines[5:5] = ["", ""]  # empty lines are kept
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path, lines


@pytest.mark.parametrize("style", ["c", "long"])
def test_phrases_joins_planted_pairs_and_keeps_lines(tmp_path, corpus, style):
    path, lines = corpus
    out = tmp_path / "out.txt"
    if style == "c":
        args = ("-train", str(path), "-output", str(out), "-min-count", "5", "-threshold", "100")
    else:
        args = ("--input", str(path), "--output", str(out), "--min-count", "5", "--threshold", "100",
                "--delimiter", "+")
    result = w2v("phrases", *args, check=True)
    assert result.stderr == ""
    written = out.read_text().split("\n")[:-1]
    assert len(written) == len(lines)
    joint = "_" if style == "c" else "+"
    assert written[0].split()[3] == f"new{joint}york"
    assert written[1].split()[-1] == f"los{joint}angeles"
    assert written[0].replace(joint, " ") == lines[0]
    assert {token for line in written for token in line.split() if joint in token} == \
        {f"new{joint}york", f"los{joint}angeles"}
    assert [line for line in written if not line] == [line for line in lines if not line]


def test_running_twice_gives_trigrams(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(random_lines(4000, "new york times", 20)) + "\n")
    once, twice = tmp_path / "once.txt", tmp_path / "twice.txt"
    w2v("phrases", "-train", str(path), "-output", str(once), "-threshold", "20", check=True)
    w2v("phrases", "-train", str(once), "-output", str(twice), "-threshold", "20", check=True)
    assert "new_york_times" in twice.read_text().split()


def test_debug_prints_a_summary(tmp_path, corpus):
    path, _ = corpus
    result = w2v("phrases", "-train", str(path), "-output", str(tmp_path / "o.txt"), "-debug", "1", check=True)
    assert "Words in train file" in result.stderr


def test_help_lists_the_c_flags():
    result = w2v("phrases", "--help", check=True)
    for flag in ("-train", "-output", "-min-count", "-threshold", "--input", "--delimiter"):
        assert flag in result.stdout


@pytest.mark.parametrize("args,status,message", [
    (("phrases", "-train", "/no/such/file.txt", "-output", "x.txt"), 1, "no such file"),
    (("phrases", "-output", "x.txt"), 2, "required"),
    (("phrases", "-train", "{corpus}", "-output", "{out}", "--no-such-flag"), 2, "unrecognized arguments"),
    (("phrases", "-train", "{corpus}", "-output", "{out}", "-threshold", "0"), 1, "threshold should be positive"),
    (("phrases", "-train", "{corpus}", "-output", "{out}", "--scoring", "npmi", "-threshold", "5"), 1,
     "between -1 and 1"),
    (("phrases", "-train", "{corpus}", "-output", "{out}", "-min-count", "many"), 2, "invalid int value"),
    (("phrases", "-train", "{corpus}", "-output", "/no/such/dir/out.txt"), 1, "No such file or directory"),
])
def test_errors_are_one_line_without_traceback(tmp_path, corpus, args, status, message):
    args = [a.format(corpus=corpus[0], out=tmp_path / "out.txt") for a in args]
    result = w2v(*args)
    assert result.returncode == status
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    if status == 1:
        assert result.stderr.count("\n") == 1
    assert not (tmp_path / "out.txt").exists()
