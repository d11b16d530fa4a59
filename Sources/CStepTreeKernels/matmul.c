// Products with packed weights (see include/steptree_kernels.h). Each task takes a range of
// output rows; for each weight row it walks the rows of x four at a time, so the weight row is
// read from memory once per 64 rows of x and converted (F16) or loaded (Q8_0) once per four.
#include "internal.h"
#include "steptree_kernels.h"

#include <math.h>
#include <stdlib.h>

/// Rows of x one pass over a task's weight rows covers (bounds the x slice kept in cache).
enum { X_BLOCK = 64 };
/// Multiply-adds below which a product runs as one task (some microseconds of work).
#define SMALL_PRODUCT 65536.0

// A row kernel computes y[j * ldy] = dot(W row, x row j) for j in [0, NR) (NR = 1 or 4).
// F16: x rows are F32 with stride xs. Q8_0: x rows are int8 blocks (stride xs bytes) with
// scales xd (stride xs / 32).
typedef void (*f16_kernel)(const uint16_t *w, const float *x, size_t xs, int in_dim, float *y, int ldy);
typedef void (*q8_kernel)(const block_q8_0 *w, const int8_t *xq, const float *xd, size_t xs, int blocks, float *y,
                          int ldy);

// Portable versions.
static void f16_portable(const uint16_t *w, const float *x, size_t xs, int in_dim, float *y, int ldy, int nr) {
    for (int j = 0; j < nr; j++) {
        float sum = 0;
        for (int i = 0; i < in_dim; i++) sum += half_to_float(w[i]) * x[j * xs + i];
        y[j * ldy] = sum;
    }
}
static void f16_portable_1(const uint16_t *w, const float *x, size_t xs, int in_dim, float *y, int ldy) {
    f16_portable(w, x, xs, in_dim, y, ldy, 1);
}
static void f16_portable_2x4(const uint16_t *w, const float *x, size_t xs, int in_dim, float *y, int ldy) {
    f16_portable(w, x, xs, in_dim, y, ldy, 4);
    f16_portable(w + in_dim, x, xs, in_dim, y + 1, ldy, 4);
}

static void q8_portable(const block_q8_0 *w, const int8_t *xq, const float *xd, size_t xs, int blocks, float *y,
                        int ldy, int nr) {
    for (int j = 0; j < nr; j++) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            int32_t dot = 0;
            for (int i = 0; i < 32; i++) dot += (int32_t)w[b].q[i] * xq[j * xs + b * 32 + i];
            sum += (float)dot * (half_to_float(w[b].d) * xd[j * (xs / 32) + b]);
        }
        y[j * ldy] = sum;
    }
}
static void q8_portable_1(const block_q8_0 *w, const int8_t *xq, const float *xd, size_t xs, int blocks, float *y,
                          int ldy) {
    q8_portable(w, xq, xd, xs, blocks, y, ldy, 1);
}
static void q8_portable_4(const block_q8_0 *w, const int8_t *xq, const float *xd, size_t xs, int blocks, float *y,
                          int ldy) {
    q8_portable(w, xq, xd, xs, blocks, y, ldy, 4);
}

#if defined(__x86_64__)
AVX2 static void f16_avx2_1(const uint16_t *w, const float *x, size_t xs, int in_dim, float *y, int ldy) {
    (void)xs;
    (void)ldy;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= in_dim; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i))), _mm256_loadu_ps(x + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 8))), _mm256_loadu_ps(x + i + 8),
                               acc1);
    }
    float sum = hsum(_mm256_add_ps(acc0, acc1));
    for (; i < in_dim; i++) sum += half_to_float(w[i]) * x[i];
    y[0] = sum;
}

/// Two weight rows (w and w + in_dim) against four rows of x: y[j * ldy + r] for r in {0, 1}.
AVX2 static void f16_avx2_2x4(const uint16_t *w, const float *x, size_t xs, int in_dim, float *y, int ldy) {
    __m256 acc[2][4];
    for (int r = 0; r < 2; r++)
        for (int j = 0; j < 4; j++) acc[r][j] = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= in_dim; i += 8) {
        __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i)));
        __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + in_dim + i)));
        for (int j = 0; j < 4; j++) {
            __m256 xv = _mm256_loadu_ps(x + j * xs + i);
            acc[0][j] = _mm256_fmadd_ps(w0, xv, acc[0][j]);
            acc[1][j] = _mm256_fmadd_ps(w1, xv, acc[1][j]);
        }
    }
    for (int r = 0; r < 2; r++) {
        for (int j = 0; j < 4; j++) {
            float sum = hsum(acc[r][j]);
            for (int k = i; k < in_dim; k++) sum += half_to_float(w[r * in_dim + k]) * x[j * xs + k];
            y[j * ldy + r] = sum;
        }
    }
}

// One kernel body for both instruction sets. PREP(wq) is done once per weight block (shared by
// the rows of x); DOT(xp, wq, prep) is the block's eight 32-bit partial sums.
#define DEFINE_Q8_KERNELS(ISA, ATTR, PREP, DOT)                                                                      \
    ATTR static inline __m256 q8_##ISA##_block(const block_q8_0 *w, const int8_t *xq, float xd, __m256 acc) {       \
        __m256i wq = _mm256_loadu_si256((const __m256i *)w->q);                                                      \
        __m256i p = DOT(_mm256_loadu_si256((const __m256i *)xq), wq, PREP(wq));                                      \
        return _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(_cvtsh_ss(w->d) * xd), acc);                   \
    }                                                                                                                \
    ATTR static void q8_##ISA##_1(const block_q8_0 *w, const int8_t *xq, const float *xd, size_t xs, int blocks,     \
                                  float *y, int ldy) {                                                               \
        (void)xs;                                                                                                    \
        (void)ldy;                                                                                                   \
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(); /* two blocks in flight */                    \
        int b = 0;                                                                                                   \
        for (; b + 2 <= blocks; b += 2) {                                                                            \
            acc0 = q8_##ISA##_block(&w[b], xq + b * 32, xd[b], acc0);                                                \
            acc1 = q8_##ISA##_block(&w[b + 1], xq + b * 32 + 32, xd[b + 1], acc1);                                   \
        }                                                                                                            \
        if (b < blocks) acc0 = q8_##ISA##_block(&w[b], xq + b * 32, xd[b], acc0);                                    \
        y[0] = hsum(_mm256_add_ps(acc0, acc1));                                                                      \
    }                                                                                                                \
    ATTR static void q8_##ISA##_4(const block_q8_0 *w, const int8_t *xq, const float *xd, size_t xs, int blocks,     \
                                  float *y, int ldy) {                                                               \
        __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};        \
        size_t ds = xs / 32;                                                                                         \
        for (int b = 0; b < blocks; b++) {                                                                           \
            __m256i wq = _mm256_loadu_si256((const __m256i *)w[b].q), prep = PREP(wq);                               \
            __m256 dw = _mm256_set1_ps(_cvtsh_ss(w[b].d));                                                           \
            for (int j = 0; j < 4; j++) {                                                                            \
                __m256i p = DOT(_mm256_loadu_si256((const __m256i *)(xq + j * xs + b * 32)), wq, prep);              \
                acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_mul_ps(dw, _mm256_broadcast_ss(xd + j * ds + b)), \
                                         acc[j]);                                                                    \
            }                                                                                                        \
        }                                                                                                            \
        for (int j = 0; j < 4; j++) y[j * ldy] = hsum(acc[j]);                                                       \
    }

// AVX2: |x| (unsigned) times w with x's signs (signed) gives x * w byte by byte; pairs of
// products are summed to 16 bits (at most 2 * 127 * 127, no saturation), then to 32 bits.
AVX2 static inline __m256i avx2_prep(__m256i wq) { return wq; }
AVX2 static inline __m256i avx2_dot(__m256i xp, __m256i wq, __m256i unused) {
    (void)unused;
    return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(xp, xp), _mm256_sign_epi8(wq, xp)), _mm256_set1_epi16(1));
}
DEFINE_Q8_KERNELS(avx2, AVX2, avx2_prep, avx2_dot)

// With AVX-512 VNNI, x arrives offset to unsigned bytes (x + 128): one vpdpbusd sums groups of
// four (x + 128) * w products into 32 bits, starting from -128 * (the same groups of w), which
// one more vpdpbusd per weight block gives.
VNNI static inline __m256i vnni_offset(__m256i wq) {
    return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8((char)0x80), wq));
}
VNNI static inline __m256i vnni_dot(__m256i xp, __m256i wq, __m256i offset) { return _mm256_dpbusd_epi32(offset, xp, wq); }
DEFINE_Q8_KERNELS(vnni, VNNI, vnni_offset, vnni_dot)

// STK_Q8_0_X8 weights: each vpdpbusd multiplies one 4-byte slice of an x block (broadcast, offset
// to unsigned as above) with the same slice of eight weight rows, so after eight of them each
// lane holds one row's whole block product, and one convert and one FMA finish eight rows.
enum { GROUP_BLOCK_BYTES = 8 * 34 };

#define DEFINE_X8_KERNEL(NR)                                                                                          \
    VNNI static void q8x8_vnni_##NR(const uint8_t *w, const int8_t *xq, const float *xd, size_t xs, int blocks,       \
                                    float *y, int ldy) {                                                              \
        __m256 acc[NR];                                                                                               \
        for (int j = 0; j < NR; j++) acc[j] = _mm256_setzero_ps();                                                    \
        size_t ds = xs / 32;                                                                                          \
        for (int b = 0; b < blocks; b++) {                                                                            \
            const uint8_t *g = w + (size_t)b * GROUP_BLOCK_BYTES;                                                     \
            __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)g));                                        \
            __m256i wv[8], offset = _mm256_setzero_si256();                                                           \
            for (int k = 0; k < 8; k++) {                                                                             \
                wv[k] = _mm256_loadu_si256((const __m256i *)(g + 16 + 32 * k));                                       \
                offset = _mm256_dpbusd_epi32(offset, _mm256_set1_epi8((char)0x80), wv[k]);                            \
            }                                                                                                         \
            offset = _mm256_sub_epi32(_mm256_setzero_si256(), offset);                                                \
            for (int j = 0; j < NR; j++) {                                                                            \
                const int8_t *xb = xq + j * xs + (size_t)b * 32;                                                      \
                __m256i p0 = offset, p1 = _mm256_setzero_si256();                                                     \
                for (int k = 0; k < 8; k += 2) {                                                                      \
                    int32_t s0, s1;                                                                                   \
                    memcpy(&s0, xb + 4 * k, 4);                                                                       \
                    memcpy(&s1, xb + 4 * k + 4, 4);                                                                   \
                    p0 = _mm256_dpbusd_epi32(p0, _mm256_set1_epi32(s0), wv[k]);                                       \
                    p1 = _mm256_dpbusd_epi32(p1, _mm256_set1_epi32(s1), wv[k + 1]);                                   \
                }                                                                                                     \
                acc[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(p0, p1)),                               \
                                         _mm256_mul_ps(dw, _mm256_broadcast_ss(xd + j * ds + b)), acc[j]);            \
            }                                                                                                         \
        }                                                                                                             \
        for (int j = 0; j < NR; j++) _mm256_storeu_ps(y + (size_t)j * ldy, acc[j]);                                   \
    }

DEFINE_X8_KERNEL(1)
DEFINE_X8_KERNEL(4)
#endif

static int detected_level(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
        int vnni = avx2 && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
        cached = vnni ? 2 : avx2 ? 1 : 0;
    }
    return cached;
#else
    return 0;
#endif
}

static _Thread_local int level_limit = 2;  // per thread, so a test's limit leaves other threads alone

int stk_kernel_level(void) {
    int level = detected_level();
    return level < level_limit ? level : level_limit;
}

int stk_limit_kernel_level(int level) {
    level_limit = level < 0 ? 0 : level;
    return stk_kernel_level();
}

int stk_q8_0_regroup_supported(void) { return stk_kernel_level() == 2; }

void stk_q8_0_regroup(const void *src, void *dst, int rows, int in_dim) {
    int blocks = in_dim / 32;
    const block_q8_0 *w = src;
    for (int g = 0; g < rows / 8; g++) {
        for (int b = 0; b < blocks; b++) {
            uint8_t *out = (uint8_t *)dst + ((size_t)g * blocks + b) * 8 * sizeof(block_q8_0);
            for (int r = 0; r < 8; r++) {
                const block_q8_0 *blk = &w[(size_t)(8 * g + r) * blocks + b];
                memcpy(out + 2 * r, &blk->d, 2);
                for (int k = 0; k < 8; k++) memcpy(out + 16 + 32 * k + 4 * r, blk->q + 4 * k, 4);
            }
        }
    }
}

static void quantize_block_portable(const float *x, int8_t *q, float *d) {
    float amax = 0;
    for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(x[i]));
    float scale = amax / 127, inverse = scale != 0 ? 1 / scale : 0;
    for (int i = 0; i < 32; i++) q[i] = (int8_t)nearbyintf(x[i] * inverse);  // ties to even
    *d = scale;
}

#if defined(__x86_64__)
AVX2 static void quantize_block_avx2(const float *x, int8_t *q, float *d) {
    __m256 v[4], m = _mm256_setzero_ps();
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int i = 0; i < 4; i++) {
        v[i] = _mm256_loadu_ps(x + 8 * i);
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[i]));
    }
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    float scale = _mm_cvtss_f32(h) / 127, inverse = scale != 0 ? 1 / scale : 0;
    __m256i n[4];
    for (int i = 0; i < 4; i++) {
        n[i] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[i], _mm256_set1_ps(inverse)),
                                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    // Pack to bytes; the packs interleave 128-bit lanes, the permute restores the order.
    __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(n[0], n[1]), _mm256_packs_epi32(n[2], n[3]));
    packed = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)q, packed);
    *d = scale;
}
#endif

void stk_quantize_rows(const float *x, int8_t *q, float *d, int n, int in_dim) {
    void (*quantize_block)(const float *, int8_t *, float *) = quantize_block_portable;
#if defined(__x86_64__)
    if (stk_kernel_level() >= 1) quantize_block = quantize_block_avx2;
#endif
    size_t blocks = (size_t)n * (in_dim / 32);
    for (size_t b = 0; b < blocks; b++) quantize_block(x + b * 32, q + b * 32, d + b);
}

typedef struct {
    int type;
    const char *w;
    size_t stride;
    const float *x;
    const int8_t *xq;
    const float *xd;
    float *y;
    int n, in_dim, out_dim, ldy, rows_per_task;
    f16_kernel f16_1, f16_2x4;
    q8_kernel q8_1, q8_4;
} matmul_job;

static void matmul_task(void *ctx, int task, int thread) {
    (void)thread;
    const matmul_job *j = ctx;
    int lo = task * j->rows_per_task, hi = lo + j->rows_per_task < j->out_dim ? lo + j->rows_per_task : j->out_dim;
    for (int t0 = 0; t0 < j->n; t0 += X_BLOCK) {
        int t1 = t0 + X_BLOCK < j->n ? t0 + X_BLOCK : j->n;
#if defined(__x86_64__)
        if (j->type == STK_Q8_0_X8) {  // lo and hi are multiples of 8
            int blocks = j->in_dim / 32;
            for (int o = lo; o < hi; o += 8) {
                const uint8_t *group = (const uint8_t *)j->w + (size_t)(o / 8) * blocks * GROUP_BLOCK_BYTES;
                for (int t = t0; t < t1;) {
                    int four = t + 4 <= t1;
                    (four ? q8x8_vnni_4 : q8x8_vnni_1)(group, j->xq + (size_t)t * j->in_dim, j->xd + (size_t)t * blocks,
                                                       (size_t)j->in_dim, blocks, j->y + (size_t)t * j->ldy + o, j->ldy);
                    t += four ? 4 : 1;
                }
            }
            continue;
        }
#endif
        for (int o = lo; o < hi; o++) {
            const void *row = j->w + (size_t)o * j->stride;
            if (j->type == STK_F16 && o + 1 < hi && t1 - t0 >= 4) {  // two weight rows at a time
                int t = t0;
                for (; t + 4 <= t1; t += 4) {
                    j->f16_2x4(row, j->x + (size_t)t * j->in_dim, (size_t)j->in_dim, j->in_dim, j->y + (size_t)t * j->ldy + o, j->ldy);
                }
                for (; t < t1; t++) {
                    for (int r = 0; r < 2; r++) {
                        j->f16_1((const uint16_t *)row + r * j->in_dim, j->x + (size_t)t * j->in_dim, (size_t)j->in_dim, j->in_dim,
                                 j->y + (size_t)t * j->ldy + o + r, j->ldy);
                    }
                }
                o++;
                continue;
            }
            for (int t = t0; t < t1;) {
                int four = t + 4 <= t1 && j->type != STK_F16;
                float *y = j->y + (size_t)t * j->ldy + o;
                if (j->type == STK_F16) {
                    j->f16_1(row, j->x + (size_t)t * j->in_dim, (size_t)j->in_dim, j->in_dim, y, j->ldy);
                } else {
                    (four ? j->q8_4 : j->q8_1)(row, j->xq + (size_t)t * j->in_dim, j->xd + (size_t)t * (j->in_dim / 32),
                                               (size_t)j->in_dim, j->in_dim / 32, y, j->ldy);
                }
                t += four ? 4 : 1;
            }
        }
    }
}

void stk_matmul(stk_pool *pool, int type, const void *w, const float *x, float *y, int n, int in_dim, int out_dim,
                int ldy) {
    matmul_job job = {type, w, row_bytes(type, in_dim), x, NULL, NULL, y, n, in_dim, out_dim, ldy, 0,
                      f16_portable_1, f16_portable_2x4, q8_portable_1, q8_portable_4};
    int offset_x = type == STK_Q8_0_X8;  // the VNNI kernels take x + 128 as unsigned bytes
#if defined(__x86_64__)
    int level = stk_kernel_level();
    offset_x |= level == 2 && type == STK_Q8_0;
    if (level >= 1) {
        job.f16_1 = f16_avx2_1;
        job.f16_2x4 = f16_avx2_2x4;
        job.q8_1 = level == 2 ? q8_vnni_1 : q8_avx2_1;
        job.q8_4 = level == 2 ? q8_vnni_4 : q8_avx2_4;
    }
#endif
    int8_t *xq = NULL;
    float *xd = NULL;
    if (type == STK_Q8_0 || type == STK_Q8_0_X8) {
        xq = malloc((size_t)n * in_dim);
        xd = malloc((size_t)n * (in_dim / 32) * sizeof(float));
        stk_quantize_rows(x, xq, xd, n, in_dim);
        if (offset_x) {
            for (size_t i = 0; i < (size_t)n * in_dim; i++) xq[i] = (int8_t)(xq[i] ^ 0x80);  // x + 128 as bytes
        }
        job.xq = xq;
        job.xd = xd;
    }
    // About eight tasks per thread so a descheduled thread delays little; at least 16 rows each
    // (a multiple of 8). Products too small to pay for handing out tasks run on the caller.
    int threads = stk_pool_threads(pool);
    int per = (out_dim + threads * 8 - 1) / (threads * 8);
    job.rows_per_task = per < 16 ? 16 : (per + 7) / 8 * 8;
    if ((double)n * in_dim * out_dim < SMALL_PRODUCT) job.rows_per_task = out_dim;
    stk_pool_run(pool, matmul_task, &job, (out_dim + job.rows_per_task - 1) / job.rows_per_task);
    free(xq);
    free(xd);
}
