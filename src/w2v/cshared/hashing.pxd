# cython: language_level=3
"""FNV-1a, the one string hash of the compiled modules (``cimport`` only).

It keys the corpus-file word table and seeds each word's initial vector, so it must never
change: initial vectors, and with them every trained model, depend on it.
"""

from libc.stdint cimport int64_t, uint64_t


cdef inline uint64_t fnv1a(const void *data, int64_t length) noexcept nogil:
    """The 64-bit FNV-1a hash of ``length`` bytes."""
    cdef const unsigned char *bytes_ = <const unsigned char *>data
    cdef uint64_t h = <uint64_t>0xCBF29CE484222325ULL
    cdef int64_t i
    for i in range(length):
        h = (h ^ bytes_[i]) * <uint64_t>0x100000001B3ULL
    return h
