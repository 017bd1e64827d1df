/* Small portability shims for the kernels. */
#ifndef W2V_PLATFORM_H
#define W2V_PLATFORM_H

/* Ask the CPU to start loading a cache line we will read soon (a no-op where unsupported). */
#if defined(__GNUC__) || defined(__clang__)
#define W2V_PREFETCH(p) __builtin_prefetch((const void *)(p), 1, 3)
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <xmmintrin.h>
#define W2V_PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#else
#define W2V_PREFETCH(p) ((void)(p))
#endif

#ifndef W2V_COMPILE_ARGS
#define W2V_COMPILE_ARGS ""
#endif

#endif
