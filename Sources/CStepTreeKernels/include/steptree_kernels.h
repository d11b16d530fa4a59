// Quantized matrix kernels of the StepTree runtime: products and conversions that read F16 and
// Q8_0 weights in place (no F32 copy). Each has an AVX2/FMA/F16C version chosen at run time and
// a portable C version.
#ifndef STEPTREE_KERNELS_H
#define STEPTREE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Weight encodings the kernels read (ggml type numbers).
enum { STK_F16 = 1, STK_Q8_0 = 8 };

/// y[t * ldy + o] = dot(W row o, x row t) for o in [row0, row1) and t in [0, n): W is
/// `rows x in_dim` in `type`, x is `n x in_dim` F32. in_dim must be a multiple of 32 for Q8_0.
void stk_matmul_rows(int type, const void *w, const float *x, float *y, int n, int in_dim, int ldy,
                     int row0, int row1);

/// Converts rows [row0, row1) of W (`in_dim` values each) to F32, written from `out` on.
void stk_dequantize_rows(int type, const void *w, float *out, int in_dim, int row0, int row1);

/// Scaled dot-product attention of one query head over `count` cached rows: row `rows[i]` of
/// `keys`/`values` (row stride `kv_dim`) at `offset`, `head_dim` values each. `scores` is scratch
/// for `count` floats; `out` receives `head_dim` floats.
void stk_attend(const float *q, const float *keys, const float *values, const int32_t *rows, int count, int kv_dim,
                int offset, int head_dim, float scale, float *scores, float *out);

/// 1 when the AVX2/FMA/F16C versions are in use.
int stk_uses_avx2(void);

#endif
