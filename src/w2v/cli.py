"""The ``w2v`` command line (also ``python -m w2v``).

Each subcommand is a function ``run_<name>(args) -> int`` registered in ``build_parser``.
Errors a user can cause (missing file, bad value) print one line on stderr and exit 1;
argparse reports bad flags itself with exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence

from w2v._version import __version__


class CommandError(Exception):
    """A problem to report in one line, without a traceback."""


def run_demo(args: argparse.Namespace) -> int:
    from w2v.demo import main_demo

    return main_demo(args.corpus, args.workers, args.epochs)


def _token_lines(path: str) -> Iterator[list[str]]:
    """The tokens of each line of ``path``, empty lines included (bytes kept by surrogateescape)."""
    from w2v.fileio import open_binary

    with open_binary(path) as f:
        for line in f:
            yield line.decode("utf-8", "surrogateescape").split()


def run_phrases(args: argparse.Namespace) -> int:
    from w2v.fileio import atomic_write
    from w2v.phrases import Phrases

    if not os.path.isfile(args.input):
        raise CommandError(f"no such file: {args.input}")
    phrases = Phrases(_token_lines(args.input), min_count=args.min_count, threshold=args.threshold,
                      max_vocab_size=args.max_vocab_size, delimiter=args.delimiter, scoring=args.scoring)
    frozen = phrases.freeze()  # joining needs only the phrases, and is faster on them
    lines = joined = 0
    with atomic_write(args.output) as out:
        for tokens in _token_lines(args.input):
            phrased = frozen[tokens]
            joined += len(tokens) - len(phrased)
            out.write(" ".join(phrased).encode("utf-8", "surrogateescape") + b"\n")
            lines += 1
    if args.debug > 0:
        print(f"Words in train file: {phrases.corpus_word_count}; {phrases}; {frozen}; "
              f"lines: {lines}, tokens joined away: {joined}", file=sys.stderr)
    return 0


def _add_phrases_command(commands: argparse._SubParsersAction) -> None:
    phrases = commands.add_parser(
        "phrases", allow_abbrev=False,
        help="join frequent word pairs into phrases, like word2phrase",
        description="Count the words and word pairs of a text file, then write it again with "
                    "each pair that scores above the threshold joined into one token (new york "
                    "-> new_york). Score: (count(ab) - min_count) / (count(a) count(b)) * N, "
                    "N the number of words (word2phrase's formula). Run it on its own output "
                    "to get longer phrases. The C tool's single-dash flags work too.")
    phrases.add_argument("-train", "--input", dest="input", required=True, metavar="FILE",
                         help="text to read, one sentence per line (.gz/.bz2/.xz decompressed)")
    phrases.add_argument("-output", "--output", dest="output", required=True, metavar="FILE",
                         help="where to write the text with phrases joined")
    phrases.add_argument("-min-count", "--min-count", dest="min_count", type=int, default=5, metavar="N",
                         help="discount in the score; pairs seen fewer times never join (default 5)")
    phrases.add_argument("-threshold", "--threshold", dest="threshold", type=float, default=100.0,
                         metavar="X", help="join pairs scoring above this; higher means fewer "
                                           "phrases (default 100)")
    phrases.add_argument("--delimiter", default="_", help="joins the words of a phrase (default _)")
    phrases.add_argument("--scoring", choices=["default", "original", "npmi"], default="default",
                         help="default: word2phrase's score; original: gensim's (vocabulary size "
                              "for N); npmi: normalised PMI, threshold in [-1, 1]")
    phrases.add_argument("--max-vocab-size", type=int, default=40000000, metavar="N",
                         help="prune the rarest words and pairs beyond this many (default 40000000)")
    phrases.add_argument("-debug", "--debug", dest="debug", type=int, default=0, metavar="N",
                         help="1 or more: print a summary on stderr (default 0)")
    phrases.set_defaults(handler=run_phrases)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="w2v", description="Train and use word2vec embeddings.")
    parser.add_argument("--version", action="version", version=f"w2v {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    demo = commands.add_parser(
        "demo", help="train on a generated language with planted relations and show the result",
        description="Train on a small generated language with planted relations (countries "
                    "and capitals, male and female, singular and plural), then print "
                    "neighbours and analogies. With --corpus, train on your own text file.")
    demo.add_argument("--corpus", metavar="FILE", help="a text file to train on instead")
    demo.add_argument("--workers", type=int, default=2, help="training threads (default 2)")
    demo.add_argument("--epochs", type=int, default=None, help="passes over the corpus")
    demo.set_defaults(handler=run_demo)
    _add_phrases_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    try:
        return args.handler(args)
    except (CommandError, OSError, ValueError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"w2v {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"w2v {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
