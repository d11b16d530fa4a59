// Conversions of packed weights to F32 and attention over cached rows (see
// include/steptree_kernels.h).
#include "internal.h"
#include "steptree_kernels.h"

#include <math.h>

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
    if (head_dim % 8 == 0 && stk_kernel_level() >= 1) {
        attend_avx2(q, keys, values, rows, count, kv_dim, offset, head_dim, scale, scores, out);
        return;
    }
#endif
    attend_portable(q, keys, values, rows, count, kv_dim, offset, head_dim, scale, scores, out);
}

/// Row `o` of a STK_Q8_0_X8 matrix (see stk_q8_0_regroup).
static void dequantize_regrouped(const uint8_t *w, int o, float *out, int in_dim) {
    int blocks = in_dim / 32, r = o % 8;
    for (int b = 0; b < blocks; b++) {
        const uint8_t *g = w + ((size_t)(o / 8) * blocks + b) * 8 * sizeof(block_q8_0);
        uint16_t h;
        memcpy(&h, g + 2 * r, 2);
        float d = half_to_float(h);
        for (int i = 0; i < 32; i++) out[b * 32 + i] = d * (float)(int8_t)g[16 + 32 * (i / 4) + 4 * r + i % 4];
    }
}

void stk_dequantize_rows(int type, const void *w, float *out, int in_dim, int row0, int row1) {
    if (type == STK_Q8_0_X8) {
        for (int o = row0; o < row1; o++) dequantize_regrouped(w, o, out + (size_t)(o - row0) * in_dim, in_dim);
        return;
    }
    size_t stride = row_bytes(type, in_dim);
    int fast = stk_kernel_level() >= 1;
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
