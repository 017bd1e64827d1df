"""The ``w2v`` command: ``main`` parses the arguments and runs one subcommand.

``main`` builds the parser and the commands that need the vectors only (``similar``,
``analogy``, ``evaluate``, ``convert``, ``phrases``); ``demo`` trains and queries a planted
language.
"""

from w2v.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
