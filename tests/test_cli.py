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
