"""Files: w2v's native format, the C tool's word2vec formats, and the file helpers they share.

``FormatError`` is the one exception every loader raises for a file it cannot read.
"""


class FormatError(ValueError):
    """The file is not a valid file of the format asked for (or is a newer version of it).

    Examples
    --------
    >>> issubclass(FormatError, ValueError)
    True
    """
