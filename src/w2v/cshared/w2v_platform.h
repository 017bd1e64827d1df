/* Small portability shims for the kernels and the corpus-file reader. */
#ifndef W2V_PLATFORM_H
#define W2V_PLATFORM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Prefetch shims: ask the CPU to start loading a cache line we will need soon (no-ops
   where unsupported).

   W2V_PREFETCH_WRITE(p): a line we will read and then write. On x86-64 this is PREFETCHW
   where the CPU has it: the line arrives ready to be written. The rows the kernels prefetch
   are read and then updated, and the hot ones are being written by other threads too; an
   ordinary prefetch fetches them shared, and the write then needs a second coherence round
   trip to take ownership. GCC emits PREFETCHW for __builtin_prefetch(p, 1) only when the
   build targets it (-mprfchw), which a portable wheel must not assume, so the instruction
   is chosen once at load time from CPUID. Measured on 2 cores, dev corpus, 8 interleaved
   runs: 2-worker skip-gram 2 % faster, 1 worker and CBOW unchanged within noise.

   W2V_PREFETCH_READ(p): a line we will only read (phrase lookups). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <cpuid.h>
static int w2v_has_prefetchw __attribute__((unused)) = 0;
__attribute__((constructor)) static void w2v_detect_prefetchw(void) {
    unsigned int eax, ebx, ecx, edx;
    if (__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx))
        w2v_has_prefetchw = (int)((ecx >> 8) & 1u);  /* CPUID.80000001H:ECX.PRFCHW */
}
#define W2V_PREFETCH_WRITE(p)                                             \
    do {                                                                  \
        if (w2v_has_prefetchw)                                            \
            __asm__("prefetchw %0" : : "m"(*(const char *)(p)));          \
        else                                                              \
            __builtin_prefetch((const void *)(p), 1, 3);                  \
    } while (0)
#define W2V_PREFETCH_READ(p) __builtin_prefetch((const void *)(p), 0, 3)
#elif defined(__GNUC__) || defined(__clang__)
#define W2V_PREFETCH_WRITE(p) __builtin_prefetch((const void *)(p), 1, 3)
#define W2V_PREFETCH_READ(p) __builtin_prefetch((const void *)(p), 0, 3)
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <xmmintrin.h>
#define W2V_PREFETCH_WRITE(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#define W2V_PREFETCH_READ(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#else
#define W2V_PREFETCH_WRITE(p) ((void)(p))
#define W2V_PREFETCH_READ(p) ((void)(p))
#endif

#ifndef W2V_COMPILE_ARGS
#define W2V_COMPILE_ARGS ""
#endif

/* Open a file for reading bytes. The path is UTF-8 on Windows (converted to UTF-16 for
   _wfopen, so any file name works) and the file system's bytes elsewhere. */
#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
static FILE *w2v_fopen(const char *path) {
    int length = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
    wchar_t *wide;
    FILE *file;
    if (length <= 0) return NULL;
    wide = (wchar_t *)malloc(sizeof(wchar_t) * (size_t)length);
    if (wide == NULL) return NULL;
    MultiByteToWideChar(CP_UTF8, 0, path, -1, wide, length);
    file = _wfopen(wide, L"rb");
    free(wide);
    return file;
}
static int w2v_fseek(FILE *file, int64_t offset) { return _fseeki64(file, offset, SEEK_SET); }
static int64_t w2v_atomic_add(int64_t *target, int64_t value) {
    return (int64_t)InterlockedExchangeAdd64((volatile LONG64 *)target, (LONG64)value);
}
static int64_t w2v_atomic_load(const int64_t *target) { return *(const volatile int64_t *)target; }
static void w2v_pause(void) { Sleep(0); }
#else
#include <sys/types.h>
static FILE *w2v_fopen(const char *path) { return fopen(path, "rb"); }
static int w2v_fseek(FILE *file, int64_t offset) { return fseeko(file, (off_t)offset, SEEK_SET); }
static int64_t w2v_atomic_add(int64_t *target, int64_t value) {
    return __atomic_fetch_add(target, value, __ATOMIC_RELAXED);
}
static int64_t w2v_atomic_load(const int64_t *target) { return __atomic_load_n(target, __ATOMIC_RELAXED); }
#include <time.h>
/* Yield the core for a moment (a thread waiting for another thread's progress). */
static void w2v_pause(void) {
    struct timespec moment = {0, 50000};  /* 50 microseconds */
    nanosleep(&moment, NULL);
}
#endif

#endif
