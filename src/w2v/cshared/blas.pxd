# cython: language_level=3
"""Row-major single-precision BLAS, written once for every kernel (``cimport`` only).

``scipy.linalg.cython_blas`` is Fortran BLAS: column-major, every argument a pointer. The
kernels keep their matrices row-major (a word's vector is one contiguous row), and a
row-major matrix is the column-major transpose of itself, so each wrapper below computes its
row-major operation as the transposed column-major one: C = op(A) op(B) becomes
C^T = op(B)^T op(A)^T, i.e. the operands and their transposes swap. The rule is applied here
and nowhere else. Leading dimensions (``lda``...) are row strides, in floats.

Every wrapper is inline and runs without the GIL; none allocates.
"""

from scipy.linalg.cython_blas cimport saxpy, sdot, sgemm, sgemv, sger, sscal

ctypedef float real_t


cdef inline real_t dot(int n, const real_t *x, const real_t *y) noexcept nogil:
    """x . y over n floats."""
    cdef int one = 1
    return sdot(&n, <real_t *>x, &one, <real_t *>y, &one)


cdef inline void axpy(int n, real_t a, const real_t *x, real_t *y) noexcept nogil:
    """y += a x over n floats."""
    cdef int one = 1
    saxpy(&n, &a, <real_t *>x, &one, y, &one)


cdef inline void scal(int n, real_t a, real_t *x) noexcept nogil:
    """x *= a over n floats."""
    cdef int one = 1
    sscal(&n, &a, x, &one)


cdef inline void gemm(bint transpose_a, bint transpose_b, int m, int n, int k, real_t alpha,
                      const real_t *a, int lda, const real_t *b, int ldb, real_t beta,
                      real_t *c, int ldc) noexcept nogil:
    """Row-major C (m x n) = alpha op(A) op(B) + beta C, op(A) m x k and op(B) k x n."""
    cdef char *trans_a = "T" if transpose_a else "N"
    cdef char *trans_b = "T" if transpose_b else "N"
    sgemm(trans_b, trans_a, &n, &m, &k, &alpha, <real_t *>b, &ldb, <real_t *>a, &lda, &beta, c, &ldc)


cdef inline void gemv(bint transpose, int m, int n, real_t alpha, const real_t *a, int lda,
                      const real_t *x, real_t beta, real_t *y) noexcept nogil:
    """Row-major y = alpha op(A) x + beta y for A m x n: op(A) = A (y has m entries) or A^T (n)."""
    cdef char *trans = "N" if transpose else "T"
    cdef int one = 1
    sgemv(trans, &n, &m, &alpha, <real_t *>a, &lda, <real_t *>x, &one, &beta, y, &one)


cdef inline void ger(int m, int n, real_t alpha, const real_t *x, const real_t *y,
                     real_t *a, int lda) noexcept nogil:
    """Row-major A (m x n) += alpha x y^T, x of m entries and y of n."""
    cdef int one = 1
    sger(&n, &m, &alpha, <real_t *>y, &one, <real_t *>x, &one, a, &lda)
