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

cdef extern from *:
    """
    /* The unit stride every wrapper passes, by address (Fortran BLAS takes pointers). A
       file-level constant, not a local: a local would be stored to the stack on every call
       (25 million stores in a 2 MB skip-gram epoch, measured with cachegrind). */
    static int W2V_BLAS_UNIT_STRIDE = 1;
    """
    int UNIT_STRIDE "W2V_BLAS_UNIT_STRIDE"


cdef inline real_t dot(int n, const real_t *x, const real_t *y) noexcept nogil:
    """x . y over n floats."""
    return sdot(&n, <real_t *>x, &UNIT_STRIDE, <real_t *>y, &UNIT_STRIDE)


cdef inline void axpy(int n, real_t a, const real_t *x, real_t *y) noexcept nogil:
    """y += a x over n floats."""
    saxpy(&n, &a, <real_t *>x, &UNIT_STRIDE, y, &UNIT_STRIDE)


cdef inline void axpy_pair(int n, real_t a, const real_t *x1, real_t *y1, const real_t *x2,
                           real_t *y2) noexcept nogil:
    """y1 += a x1, then y2 += a x2: the two updates of one word2vec output term. One call
    stores n and a once for both (two ``axpy`` calls store them twice: measured, 2.6 more
    instructions per call in the skip-gram kernel)."""
    saxpy(&n, &a, <real_t *>x1, &UNIT_STRIDE, y1, &UNIT_STRIDE)
    saxpy(&n, &a, <real_t *>x2, &UNIT_STRIDE, y2, &UNIT_STRIDE)


cdef inline void scal(int n, real_t a, real_t *x) noexcept nogil:
    """x *= a over n floats."""
    sscal(&n, &a, x, &UNIT_STRIDE)


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
    sgemv(trans, &n, &m, &alpha, <real_t *>a, &lda, <real_t *>x, &UNIT_STRIDE, &beta, y, &UNIT_STRIDE)


cdef inline void ger(int m, int n, real_t alpha, const real_t *x, const real_t *y,
                     real_t *a, int lda) noexcept nogil:
    """Row-major A (m x n) += alpha x y^T, x of m entries and y of n."""
    sger(&n, &m, &alpha, <real_t *>y, &UNIT_STRIDE, <real_t *>x, &UNIT_STRIDE, a, &lda)
