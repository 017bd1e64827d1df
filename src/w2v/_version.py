"""The single source of w2v's version (read by the build, the docs and ``w2v --version``)."""

__version__ = "0.2.0"
