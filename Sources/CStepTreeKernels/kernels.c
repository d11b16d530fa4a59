// Quantized matrix kernels (see include/steptree_kernels.h). Q8_0 blocks: an F16 scale and 32
// signed bytes, value = scale * byte (ggml's layout).
#include "steptree_kernels.h"

#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef struct {
    uint16_t d;
    int8_t q[32];
} block_q8_0;

static float half_to_float(uint16_t h) {
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

static size_t row_bytes(int type, int in_dim) {
    return type == STK_F16 ? (size_t)in_dim * 2 : (size_t)(in_dim / 32) * sizeof(block_q8_0);
}

// Portable versions.
static float dot_portable(int type, const void *row, const float *x, int in_dim) {
    float sum = 0;
    if (type == STK_F16) {
        const uint16_t *w = row;
        for (int i = 0; i < in_dim; i++) sum += half_to_float(w[i]) * x[i];
    } else {
        const block_q8_0 *b = row;
        for (int k = 0; k < in_dim / 32; k++) {
            float s = 0;
            for (int j = 0; j < 32; j++) s += (float)b[k].q[j] * x[k * 32 + j];
            sum += half_to_float(b[k].d) * s;
        }
    }
    return sum;
}

static void dequantize_portable(int type, const void *row, float *out, int in_dim) {
    if (type == STK_F16) {
        const uint16_t *w = row;
        for (int i = 0; i < in_dim; i++) out[i] = half_to_float(w[i]);
    } else {
        const block_q8_0 *b = row;
        for (int k = 0; k < in_dim / 32; k++) {
            float d = half_to_float(b[k].d);
            for (int j = 0; j < 32; j++) out[k * 32 + j] = d * (float)b[k].q[j];
        }
    }
}

static void attend_portable(const float *q, const float *keys, const float *values, const int32_t *rows, int count,
                            int kv_dim, int offset, int head_dim, float scale, float *scores, float *out) {
    float max_score = -INFINITY, sum = 0;
    for (int i = 0; i < count; i++) {
        const float *k = keys + (size_t)rows[i] * kv_dim + offset;
        float dot = 0;
        for (int d = 0; d < head_dim; d++) dot += q[d] * k[d];
        scores[i] = dot * scale;
        if (scores[i] > max_score) max_score = scores[i];
    }
    for (int i = 0; i < count; i++) {
        scores[i] = expf(scores[i] - max_score);
        sum += scores[i];
    }
    for (int d = 0; d < head_dim; d++) out[d] = 0;
    for (int i = 0; i < count; i++) {
        const float *v = values + (size_t)rows[i] * kv_dim + offset;
        float p = scores[i] / sum;
        for (int d = 0; d < head_dim; d++) out[d] += p * v[d];
    }
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma,f16c")))

AVX2 static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 static float dot_avx2(int type, const void *row, const float *x, int in_dim) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    if (type == STK_F16) {
        const uint16_t *w = row;
        int i = 0;
        for (; i + 16 <= in_dim; i += 16) {
            __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i)));
            __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 8)));
            acc0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), acc0);
            acc1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), acc1);
        }
        float sum = hsum(_mm256_add_ps(acc0, acc1));
        for (; i < in_dim; i++) sum += half_to_float(w[i]) * x[i];
        return sum;
    }
    const block_q8_0 *b = row;
    for (int k = 0; k < in_dim / 32; k++) {
        const float *xb = x + k * 32;
        __m256i q = _mm256_loadu_si256((const __m256i *)b[k].q);
        __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
        __m256 s = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), _mm256_loadu_ps(xb));
        s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), _mm256_loadu_ps(xb + 8), s);
        __m256 t = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), _mm256_loadu_ps(xb + 16));
        t = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), _mm256_loadu_ps(xb + 24), t);
        __m256 d = _mm256_set1_ps(_cvtsh_ss(b[k].d));
        acc0 = _mm256_fmadd_ps(d, s, acc0);
        acc1 = _mm256_fmadd_ps(d, t, acc1);
    }
    return hsum(_mm256_add_ps(acc0, acc1));
}

AVX2 static void dequantize_avx2(int type, const void *row, float *out, int in_dim) {
    if (type == STK_F16) {
        const uint16_t *w = row;
        int i = 0;
        for (; i + 8 <= in_dim; i += 8) _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i))));
        for (; i < in_dim; i++) out[i] = half_to_float(w[i]);
        return;
    }
    const block_q8_0 *b = row;
    for (int k = 0; k < in_dim / 32; k++) {
        __m256 d = _mm256_set1_ps(_cvtsh_ss(b[k].d));
        for (int j = 0; j < 32; j += 8) {
            __m128i q = _mm_loadl_epi64((const __m128i *)(b[k].q + j));
            _mm256_storeu_ps(out + k * 32 + j, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))));
        }
    }
}
#endif

#if defined(__x86_64__)
AVX2 static void attend_avx2(const float *q, const float *keys, const float *values, const int32_t *rows, int count,
                             int kv_dim, int offset, int head_dim, float scale, float *scores, float *out) {
    float max_score = -INFINITY, sum = 0;
    for (int i = 0; i < count; i++) {
        const float *k = keys + (size_t)rows[i] * kv_dim + offset;
        __m256 acc = _mm256_setzero_ps();
        for (int d = 0; d < head_dim; d += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(k + d), acc);
        scores[i] = hsum(acc) * scale;
        if (scores[i] > max_score) max_score = scores[i];
    }
    for (int i = 0; i < count; i++) {
        scores[i] = expf(scores[i] - max_score);
        sum += scores[i];
    }
    for (int d = 0; d < head_dim; d += 8) {
        __m256 acc = _mm256_setzero_ps();
        for (int i = 0; i < count; i++) {
            const float *v = values + (size_t)rows[i] * kv_dim + offset + d;
            acc = _mm256_fmadd_ps(_mm256_set1_ps(scores[i]), _mm256_loadu_ps(v), acc);
        }
        _mm256_storeu_ps(out + d, _mm256_mul_ps(acc, _mm256_set1_ps(1.0f / sum)));
    }
}
#endif

void stk_attend(const float *q, const float *keys, const float *values, const int32_t *rows, int count, int kv_dim,
                int offset, int head_dim, float scale, float *scores, float *out) {
#if defined(__x86_64__)
    if (head_dim % 8 == 0 && stk_uses_avx2()) {
        attend_avx2(q, keys, values, rows, count, kv_dim, offset, head_dim, scale, scores, out);
        return;
    }
#endif
    attend_portable(q, keys, values, rows, count, kv_dim, offset, head_dim, scale, scores, out);
}

int stk_uses_avx2(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return cached;
#else
    return 0;
#endif
}

void stk_matmul_rows(int type, const void *w, const float *x, float *y, int n, int in_dim, int ldy, int row0, int row1) {
    size_t stride = row_bytes(type, in_dim);
    int fast = stk_uses_avx2();
    for (int o = row0; o < row1; o++) {
        const char *row = (const char *)w + (size_t)o * stride;
        for (int t = 0; t < n; t++) {
#if defined(__x86_64__)
            y[(size_t)t * ldy + o] = fast ? dot_avx2(type, row, x + (size_t)t * in_dim, in_dim)
                                          : dot_portable(type, row, x + (size_t)t * in_dim, in_dim);
#else
            (void)fast;
            y[(size_t)t * ldy + o] = dot_portable(type, row, x + (size_t)t * in_dim, in_dim);
#endif
        }
    }
}

void stk_dequantize_rows(int type, const void *w, float *out, int in_dim, int row0, int row1) {
    size_t stride = row_bytes(type, in_dim);
    int fast = stk_uses_avx2();
    for (int o = row0; o < row1; o++) {
        const char *row = (const char *)w + (size_t)o * stride;
        float *dst = out + (size_t)(o - row0) * in_dim;
#if defined(__x86_64__)
        if (fast) { dequantize_avx2(type, row, dst, in_dim); continue; }
#endif
        (void)fast;
        dequantize_portable(type, row, dst, in_dim);
    }
}
