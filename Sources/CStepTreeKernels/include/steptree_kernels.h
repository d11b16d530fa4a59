// Kernels of the StepTree runtime: matrix products that read F16 and Q8_0 weights in place (no
// F32 copy), attention over scattered KV cache rows, and the thread pool they run on. Each
// kernel has AVX2/FMA/F16C versions (plus AVX-512 VNNI for int8 dot products) chosen at run
// time, and a portable C version.
#ifndef STEPTREE_KERNELS_H
#define STEPTREE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Weight encodings the kernels read: ggml type numbers, and Q8_0 regrouped by `stk_q8_0_regroup`.
enum { STK_F16 = 1, STK_Q8_0 = 8, STK_Q8_0_X8 = 108 };

/// A fixed set of threads; the calling thread takes part in every job.
typedef struct stk_pool stk_pool;

/// A pool of `threads` threads in all (the caller plus `threads - 1` workers).
stk_pool *stk_pool_create(int threads);
void stk_pool_destroy(stk_pool *pool);
/// Threads taking part in each job (1 for a NULL pool).
int stk_pool_threads(const stk_pool *pool);
/// Calls fn(ctx, task, thread) once for each task in [0, tasks), spread over the pool's threads
/// (`thread` in [0, threads) names the one running it; 0 is the caller); returns when all have
/// finished. A NULL pool runs them on the caller.
void stk_pool_run(stk_pool *pool, void (*fn)(void *ctx, int task, int thread), void *ctx, int tasks);

/// y[t * ldy + o] = dot(W row o, x row t) for o in [0, out_dim), t in [0, n), on the pool: W is
/// `out_dim x in_dim` in `type`, x is `n x in_dim` F32. in_dim must be a multiple of 32 for Q8_0,
/// whose products quantize each row of x to 32-value blocks first (`stk_quantize_rows`) and
/// take integer dot products, scaled by both blocks' scales.
void stk_matmul(stk_pool *pool, int type, const void *w, const float *x, float *y, int n, int in_dim, int out_dim,
                int ldy);

/// 1 when the CPU runs the kernels for `STK_Q8_0_X8` weights (AVX-512 VNNI).
int stk_q8_0_regroup_supported(void);

/// Copies a Q8_0 matrix (`rows` a multiple of 8, `in_dim` of 32) into the `STK_Q8_0_X8` layout,
/// the same bytes regrouped so that one vpdpbusd works on eight rows: for each group of eight
/// rows and each block, the eight F16 scales, then for each 4-byte slice of the block the
/// eight rows' slices. `dst` must hold rows * in_dim / 32 * 34 bytes.
void stk_q8_0_regroup(const void *src, void *dst, int rows, int in_dim);

/// Quantizes `n` rows of `in_dim` floats (a multiple of 32) to 32-value blocks: per block
/// d = max|x| / 127 and q = x * (1 / d) rounded to the nearest integer, ties to even (0 when d is 0).
void stk_quantize_rows(const float *x, int8_t *q, float *d, int n, int in_dim);

/// Converts rows [row0, row1) of W (`in_dim` values each) to F32, written from `out` on.
void stk_dequantize_rows(int type, const void *w, float *out, int in_dim, int row0, int row1);

/// Scaled dot-product attention of one query head over `count` cached rows: row `rows[i]` of
/// `keys`/`values` (row stride `kv_dim`) at `offset`, `head_dim` values each. `scores` is scratch
/// for `count` floats; `out` receives `head_dim` floats.
void stk_attend(const float *q, const float *keys, const float *values, const int32_t *rows, int count, int kv_dim,
                int offset, int head_dim, float scale, float *scores, float *out);

/// The instruction set the kernels use: 0 portable C, 1 AVX2/FMA/F16C, 2 the same plus AVX-512 VNNI;
/// the best the CPU has, unless limited.
int stk_kernel_level(void);

/// Uses no instruction set above `level` on the calling thread from now on (2 lifts the limit), so
/// tests can run every version on one machine; returns the level now in use there. A matmul
/// chooses its kernels on the thread that calls it, so the limit covers its pool tasks too; a
/// kernel called from a pool task directly (attention, dequantization) follows the pool thread's
/// own level. Weights already regrouped for `STK_Q8_0_X8` keep their VNNI kernels.
int stk_limit_kernel_level(int level);

#endif
