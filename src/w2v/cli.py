"""The ``w2v`` command line (also ``python -m w2v``).

Each subcommand is a function ``run_<name>(args) -> int`` registered in ``build_parser``.
Errors a user can cause (missing file, bad value) print one line on stderr and exit 1;
argparse reports bad flags itself with exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from w2v._version import __version__


class CommandError(Exception):
    """A problem to report in one line, without a traceback."""


def run_demo(args: argparse.Namespace) -> int:
    from w2v.demo import main_demo

    return main_demo(args.corpus, args.workers, args.epochs)


def run_show_config(args: argparse.Namespace) -> int:
    from w2v import show_config

    show_config()
    return 0


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

    show_config = commands.add_parser(
        "show-config", help="print how w2v was built (compiler, flags, BLAS) and what it runs with",
        description="Print w2v's build (compiler, flags, the NumPy/SciPy/Cython it was built "
                    "against) and run-time configuration (versions, BLAS libraries and their "
                    "threads, CPUs). Include it in bug reports.")
    show_config.set_defaults(handler=run_show_config)
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
