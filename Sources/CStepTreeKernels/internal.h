// Shared between the kernel files; not part of the module's interface.
#ifndef STEPTREE_KERNELS_INTERNAL_H
#define STEPTREE_KERNELS_INTERNAL_H

#include <stdint.h>
#include <string.h>

/// A Q8_0 block (ggml's layout): an F16 scale and 32 signed bytes, value = scale * byte.
typedef struct {
    uint16_t d;
    int8_t q[32];
} block_q8_0;

static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
    if (exp == 0) {
        float m = (float)mant * 5.9604644775390625e-8f;  // 2^-24
        return sign ? -m : m;
    }
    bits = exp == 31 ? (sign | 0x7F800000 | (mant << 13)) : (sign | ((exp + 112) << 23) | (mant << 13));
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/// Bytes of one weight row (for STK_Q8_0_X8: the average; its rows are interleaved by eights).
static inline size_t row_bytes(int type, int in_dim) {
    return type == 1 ? (size_t)in_dim * 2 : (size_t)(in_dim / 32) * sizeof(block_q8_0);
}

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define VNNI __attribute__((target("avx2,fma,f16c,avx512vl,avx512vnni")))

AVX2 static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#endif

#endif
