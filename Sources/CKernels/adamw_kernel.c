#include "adamw_kernel.h"

// Same bits on every path: no a·b + c may become a fused multiply-add (the AVX path would
// otherwise differ from the scalar one on processors with FMA).
#pragma clang fp contract(off)
#pragma STDC FP_CONTRACT OFF

#include <stdatomic.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

/// One element, in PyTorch's order: m, v, then θ·decay − (step·m) / (√v / root2 + ε).
static inline void update_one(float *p, float *g, float *m, float *v, size_t i, const miaudit_adamw_scalars *s,
                              int clear) {
    float gi = g[i];
    if (clear) g[i] = 0;
    float mi = s->beta1 * m[i] + s->one_minus_beta1 * gi;
    float vi = s->beta2 * v[i] + s->one_minus_beta2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * s->decay - s->step_size * mi / (__builtin_sqrtf(vi) / s->root_correction2 + s->epsilon);
}

static void update_scalar(float *p, float *g, float *m, float *v, size_t start, size_t n,
                          const miaudit_adamw_scalars *s, int clear) {
    for (size_t i = start; i < n; i++) update_one(p, g, m, v, i, s, clear);
}

#if defined(__x86_64__)
static void update_sse(float *p, float *g, float *m, float *v, size_t n, const miaudit_adamw_scalars *s, int clear) {
    const __m128 b1 = _mm_set1_ps(s->beta1), c1 = _mm_set1_ps(s->one_minus_beta1);
    const __m128 b2 = _mm_set1_ps(s->beta2), c2 = _mm_set1_ps(s->one_minus_beta2);
    const __m128 eps = _mm_set1_ps(s->epsilon), decay = _mm_set1_ps(s->decay);
    const __m128 step = _mm_set1_ps(s->step_size), root2 = _mm_set1_ps(s->root_correction2);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128 gi = _mm_loadu_ps(g + i);
        if (clear) _mm_storeu_ps(g + i, _mm_setzero_ps());
        __m128 mi = _mm_add_ps(_mm_mul_ps(b1, _mm_loadu_ps(m + i)), _mm_mul_ps(c1, gi));
        __m128 vi = _mm_add_ps(_mm_mul_ps(b2, _mm_loadu_ps(v + i)), _mm_mul_ps(_mm_mul_ps(c2, gi), gi));
        _mm_storeu_ps(m + i, mi);
        _mm_storeu_ps(v + i, vi);
        __m128 denominator = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), root2), eps);
        __m128 pi = _mm_sub_ps(_mm_mul_ps(_mm_loadu_ps(p + i), decay), _mm_div_ps(_mm_mul_ps(step, mi), denominator));
        _mm_storeu_ps(p + i, pi);
    }
    update_scalar(p, g, m, v, i, n, s, clear);
}

__attribute__((target("avx")))
static void update_avx(float *p, float *g, float *m, float *v, size_t n, const miaudit_adamw_scalars *s, int clear) {
    const __m256 b1 = _mm256_set1_ps(s->beta1), c1 = _mm256_set1_ps(s->one_minus_beta1);
    const __m256 b2 = _mm256_set1_ps(s->beta2), c2 = _mm256_set1_ps(s->one_minus_beta2);
    const __m256 eps = _mm256_set1_ps(s->epsilon), decay = _mm256_set1_ps(s->decay);
    const __m256 step = _mm256_set1_ps(s->step_size), root2 = _mm256_set1_ps(s->root_correction2);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        if (clear) _mm256_storeu_ps(g + i, _mm256_setzero_ps());
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(c1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 denominator = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), root2), eps);
        __m256 pi = _mm256_sub_ps(_mm256_mul_ps(_mm256_loadu_ps(p + i), decay),
                                  _mm256_div_ps(_mm256_mul_ps(step, mi), denominator));
        _mm256_storeu_ps(p + i, pi);
    }
    update_scalar(p, g, m, v, i, n, s, clear);
}

/// AVX needs the CPUID bit and the OS saving the YMM registers (XCR0 bits 1 and 2).
static int has_avx(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & bit_AVX) || !(c & bit_OSXSAVE)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6;
}
#endif

miaudit_adamw_path miaudit_adamw_best_path(void) {
#if defined(__x86_64__)
    // CPUID traps to the hypervisor in a virtual machine: ask once. Racing threads store the same value.
    static _Atomic int cached = -1;
    int path = atomic_load_explicit(&cached, memory_order_relaxed);
    if (path < 0) {
        path = has_avx() ? MIAUDIT_ADAMW_AVX : MIAUDIT_ADAMW_SSE;
        atomic_store_explicit(&cached, path, memory_order_relaxed);
    }
    return (miaudit_adamw_path)path;
#else
    return MIAUDIT_ADAMW_SCALAR;
#endif
}

void miaudit_adamw_update(float *parameters, float *gradient, float *first_moment, float *second_moment,
                          size_t count, const miaudit_adamw_scalars *scalars, int clear_gradient,
                          miaudit_adamw_path path) {
    miaudit_adamw_path best = miaudit_adamw_best_path();
    if (path == MIAUDIT_ADAMW_BEST || path > best) path = best;
    switch (path) {
#if defined(__x86_64__)
    case MIAUDIT_ADAMW_AVX:
        update_avx(parameters, gradient, first_moment, second_moment, count, scalars, clear_gradient);
        return;
    case MIAUDIT_ADAMW_SSE:
        update_sse(parameters, gradient, first_moment, second_moment, count, scalars, clear_gradient);
        return;
#endif
    default:
        update_scalar(parameters, gradient, first_moment, second_moment, 0, count, scalars, clear_gradient);
    }
}
