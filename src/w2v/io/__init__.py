"""Files: w2v's native format, the C tool's word2vec formats, and the file helpers they share.

``FormatError`` is the one exception every loader raises for a file it cannot read: the
native format, the C tool's text and binary formats, vocabulary (``key count``) files and
phrases files. A file that ends too early raises ``TruncatedFileError``, which is a
``FormatError`` and also an ``EOFError`` (what gensim raises for a truncated C file).
"""


class FormatError(ValueError):
    """The file is not a valid file of the format asked for (or is a newer version of it).

    It is a ``ValueError``, so code written for gensim's loaders (or for older w2v) that
    catches ``ValueError`` keeps working.

    Examples
    --------
    >>> issubclass(FormatError, ValueError)
    True
    """


class TruncatedFileError(FormatError, EOFError):
    """The file ends before the data its header or structure announces (it was cut short).

    Examples
    --------
    >>> issubclass(TruncatedFileError, FormatError), issubclass(TruncatedFileError, EOFError)
    (True, True)
    """
