"""Files: w2v's native format, the C tool's word2vec formats, and the file helpers they share.

``FormatError`` is the one exception every loader raises for a file it cannot read: the
native format, the C tool's text and binary formats, vocabulary (``key count``) files and
phrases files. A file that ends too early raises ``TruncatedFileError``, which is a
``FormatError`` and also an ``EOFError`` (what gensim raises for a truncated C file); a key
that is not valid text under ``unicode_errors="strict"`` raises ``UndecodableKeyError``, a
``FormatError`` and also a ``UnicodeDecodeError`` (gensim's error there).
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


class UndecodableKeyError(FormatError, UnicodeDecodeError):
    """A key or vocabulary line is not valid in the file's encoding (``unicode_errors="strict"``).

    It is also the ``UnicodeDecodeError`` gensim raises there, with the same ``encoding``,
    ``object``, ``start``, ``end`` and ``reason``; its message says where the bad bytes are.

    Examples
    --------
    >>> try:
    ...     b"caf\\xe9".decode("utf-8")
    ... except UnicodeDecodeError as cause:
    ...     error = UndecodableKeyError("words.txt, line 3: not valid UTF-8", cause)
    >>> isinstance(error, FormatError), isinstance(error, UnicodeDecodeError), str(error)
    (True, True, 'words.txt, line 3: not valid UTF-8')
    """

    def __init__(self, message: str, cause: UnicodeDecodeError) -> None:
        UnicodeDecodeError.__init__(self, cause.encoding, cause.object, cause.start, cause.end, cause.reason)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # pickled across processes (multiprocessing) with its message
        return type(self), (self.message, UnicodeDecodeError(self.encoding, self.object, self.start, self.end,
                                                             self.reason))
