# cython: language_level=3
"""The C tool's text format, written at C speed: float32 numbers as NumPy's ``str`` writes them.

A text vectors file holds each number as the shortest decimal that reads back to the same
float32, exactly what ``str(numpy.float32(x))`` gives (and so what gensim writes). Calling
``str`` for each of 30 million numbers takes half a minute; this module finds the same
digits with float64 arithmetic instead, about twenty times faster, and asks NumPy whenever
that arithmetic cannot be trusted to give the very same bytes:

* For 1e-4 <= |x| < 1e6 (positional notation in every NumPy version), the digit count p
  is the smallest for which ``round(|x| * 10**(p - 1 - e))``, scaled back, converts to the
  same float32. That is the shortest round-tripping decimal, and the nearest one, which is
  what NumPy's Dragon4 prints. Every product and quotient is one correctly rounded float64
  operation on exact operands (powers of ten up to 1e22 are exact in float64).
* NumPy's ``str`` is used instead for the numbers it writes in scientific notation
  (|x| < 1e-4, and |x| >= 1e6, where NumPy versions differ), NaN and infinities, powers of two
  (their rounding interval is lopsided, so the nearest decimal is not always the shortest),
  a scaled value within 1e-6 of a rounding tie (the float64 product could be on the wrong
  side) and a candidate that lands exactly between two float32 values (double rounding).
  Those are a few in ten thousand of a trained model's numbers.

``tests/test_formats.py`` compares every byte with ``str`` over millions of values.
"""

from libc.math cimport fabs, floor, frexp, ldexp
from libc.stdint cimport int64_t, uint32_t
from libc.string cimport memcpy

import numpy as np

cdef double[23] POWERS_OF_TEN
cdef int _i
for _i in range(23):
    POWERS_OF_TEN[_i] = 10.0 ** _i


cdef inline bint _between_two_floats(double candidate) noexcept:
    """Whether ``candidate`` is exactly halfway between two float32 values."""
    cdef int exponent
    cdef double mantissa = frexp(candidate, &exponent)  # candidate = mantissa * 2**exponent, 0.5 <= m < 1
    cdef double bits25 = ldexp(mantissa, 25)
    return bits25 == floor(bits25) and (<int64_t>bits25) % 2 == 1


cdef inline bint _below_power_of_ten(double value, int e) noexcept:
    """value < 10**e, for |e| <= 22 (one correctly rounded operation on exact operands)."""
    if e >= 0:
        return value < POWERS_OF_TEN[e]
    return value * POWERS_OF_TEN[-e] < 1.0


cdef inline int _round_trip(double value, float target, int e, int p, int64_t *digits) noexcept:
    """1 if the p-digit decimal nearest ``value`` (exponent e) reads back as ``target``, with
    its digits in ``digits``; 0 if not; -1 if float64 cannot decide it exactly."""
    cdef int k = p - 1 - e
    cdef double scaled = value * POWERS_OF_TEN[k] if k >= 0 else value / POWERS_OF_TEN[-k]
    cdef int64_t whole = <int64_t>scaled  # 10**(p-1) <= scaled < 10**p: truncation is floor
    cdef double fraction = scaled - <double>whole, candidate
    if fabs(fraction - 0.5) < 1e-6:
        return -1  # near a rounding tie: the float64 product may be on the wrong side
    digits[0] = whole + (fraction > 0.5)
    candidate = digits[0] / POWERS_OF_TEN[k] if k >= 0 else digits[0] * POWERS_OF_TEN[-k]
    if <float>candidate != target:
        return 0
    if <double>(<float>candidate) != candidate and _between_two_floats(candidate):
        return -1  # exactly between two float32 values: double rounding may have decided it
    return 1


cdef int shortest_decimal(float x, char *out) noexcept:
    """Write ``str(numpy.float32(x))`` to ``out`` (24 bytes); return its length, or 0 when
    NumPy must be asked (see the module notes)."""
    cdef uint32_t bits
    memcpy(&bits, &x, 4)
    cdef uint32_t exponent_bits = (bits >> 23) & 0xFF
    cdef uint32_t mantissa = bits & 0x7FFFFF
    cdef double value
    cdef float target
    cdef int e, p, status, n = 0, i, length, binary_exponent
    cdef int64_t digits = 0, shorter
    cdef char text[16]
    if exponent_bits == 0 and mantissa == 0:
        if bits >> 31:
            out[0] = b'-'
            n = 1
        out[n] = b'0'
        out[n + 1] = b'.'
        out[n + 2] = b'0'
        return n + 3
    if exponent_bits == 0xFF or mantissa == 0:
        return 0
    value = fabs(<double>x)
    if not (1e-4 <= value < 1e6):
        return 0
    target = <float>value
    # The decimal exponent: log10(2) times the binary one is within one of it, then exact tests.
    frexp(value, &binary_exponent)
    e = <int>floor((binary_exponent - 1) * 0.30102999566398120)
    if _below_power_of_ten(value, e):
        e -= 1
    elif not _below_power_of_ten(value, e + 1):
        e += 1
    # More digits are never further from x, so the digit counts that round-trip are p..9 for
    # some p: most float32 values of trained vectors need 8 or 9, so start at 8 and go down.
    p = 8
    status = _round_trip(value, target, e, p, &digits)
    if status < 0:
        return 0
    if status == 0:
        p = 9
        if _round_trip(value, target, e, p, &digits) != 1:
            return 0
    else:
        while p > 1:
            status = _round_trip(value, target, e, p - 1, &shorter)
            if status < 0:
                return 0
            if status == 0:
                break
            p -= 1
            digits = shorter
    if digits == <int64_t>POWERS_OF_TEN[p]:  # rounded up to the next power of ten
        digits, p, e = 1, 1, e + 1
    length = 0
    while digits:  # the p digits, least significant first
        text[length] = <char>(48 + digits % 10)  # '0' + digit
        digits //= 10
        length += 1
    if bits >> 31:
        out[n] = b'-'
        n += 1
    if e >= 0:
        for i in range(e + 1):  # integer part, zeros after the last digit
            out[n] = text[length - 1 - i] if i < length else b'0'
            n += 1
        out[n] = b'.'
        n += 1
        if length <= e + 1:
            out[n] = b'0'
            n += 1
        for i in range(e + 1, length):
            out[n] = text[length - 1 - i]
            n += 1
    else:
        out[n] = b'0'
        out[n + 1] = b'.'
        n += 2
        for i in range(-e - 1):
            out[n] = b'0'
            n += 1
        for i in range(length):
            out[n] = text[length - 1 - i]
            n += 1
    return n


def text_lines(list keys, vectors, rows):
    """The text-format lines ``key v1 ... vd\\n`` of the given rows, as one bytes object.

    Parameters
    ----------
    keys : list of bytes
        The encoded key of each line, in output order.
    vectors : numpy.ndarray
        float32 (n, d) matrix.
    rows : numpy.ndarray
        The row of ``vectors`` for each key.

    Examples
    --------
    >>> text_lines([b"a", b"b"], np.array([[0.5, -1.0], [1e-5, 0.1]], dtype=np.float32), np.array([1, 0]))
    b'a 1e-05 0.1\\nb 0.5 -1.0\\n'
    """
    cdef const float[:, :] matrix = np.asarray(vectors, dtype=np.float32)
    cdef const int64_t[::1] order = np.ascontiguousarray(rows, dtype=np.int64)
    cdef Py_ssize_t n_lines = len(keys), size = matrix.shape[1], line, column
    cdef Py_ssize_t capacity = sum(len(key) for key in keys) + n_lines * (size * 24 + 2)
    cdef Py_ssize_t position = 0, length
    cdef bytes key, fallback
    cdef float number
    if order.shape[0] != n_lines:
        raise ValueError("one row per key is needed")
    buffer = bytearray(capacity)
    cdef char *out = buffer
    for line in range(n_lines):
        key = keys[line]
        memcpy(&out[position], <const char *>key, len(key))
        position += len(key)
        for column in range(size):
            out[position] = b' '
            position += 1
            number = matrix[order[line], column]
            length = shortest_decimal(number, &out[position])
            if length == 0:
                fallback = str(np.float32(number)).encode("ascii")
                length = len(fallback)
                memcpy(&out[position], <const char *>fallback, length)
            position += length
        out[position] = b'\n'
        position += 1
    return bytes(buffer[:position])


def format_float32(float x):
    """``str(numpy.float32(x))`` as bytes, computed here when possible (for tests).

    Examples
    --------
    >>> format_float32(0.1), format_float32(-2.0), format_float32(1e-5)
    (b'0.1', b'-2.0', b'1e-05')
    """
    cdef char text[24]
    cdef int length = shortest_decimal(x, text)
    if length == 0:
        return str(np.float32(x)).encode("ascii")
    return text[:length]


def fast_path(float x):
    """Whether ``format_float32`` computes ``x`` without asking NumPy (for tests)."""
    cdef char text[24]
    return shortest_decimal(x, text) > 0
