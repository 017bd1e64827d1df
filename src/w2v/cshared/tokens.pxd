# cython: language_level=3
"""Token checks shared by the Cython modules that read sentences (``cimport`` only).

A ``.pxd`` of inline functions, so ``_vocab`` and ``_phrases`` give the same error for the
same mistake without a call across modules.
"""

from libc.stdint cimport int64_t


cdef inline list as_token_list(object sentence, int64_t sentence_number):
    """A sentence as a list of tokens; a str or bytes sentence is the classic mistake."""
    if type(sentence) is list:
        return <list>sentence
    if isinstance(sentence, (str, bytes)):
        raise TypeError(
            f"sentence {sentence_number} is a {type(sentence).__name__}, not a list of tokens: "
            "the corpus must be an iterable of sentences, each a list of str tokens "
            "(for example [line.split() for line in lines]); a flat list of words or a "
            "plain string would be read one character at a time")
    try:
        return list(sentence)
    except TypeError:
        raise TypeError(
            f"sentence {sentence_number} is a {type(sentence).__name__}, not a list of tokens: "
            "the corpus must be an iterable of sentences, each a list of str tokens") from None


cdef inline object token_type_error(object token, int64_t sentence_number):
    """The error for a token that is not a str."""
    return TypeError(
        f"sentence {sentence_number} holds a token of type {type(token).__name__} "
        f"({token!r}); tokens must be str")
