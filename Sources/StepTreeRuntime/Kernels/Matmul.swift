import COpenBLAS
import CStepTreeKernels

/// The one matrix-product seam of the runtime: `Y[n, out] = X[n, in] · W[out, in]ᵀ`.
///
/// `.blas` reads F16/Q8_0 weights in place with the C kernels (`stk_matmul`) for up to
/// `smallBatch` rows of `x` (decode, batched decode of siblings); Q8_0 products quantize each row
/// of `x` to 32-value blocks first and take integer dot products, as llama.cpp does. Q8_0 weights
/// regrouped for AVX-512 VNNI always take the kernels, which outrun `sgemm` at any `n`. Larger
/// products (prefill, wide batches) go to single-threaded OpenBLAS `sgemm` calls, one per tile of
/// weight rows, spread over the pool; packed tiles are dequantized into per-thread scratch first.
/// `.naive` is a plain Swift loop over rows dequantized by `TensorType.dequantize`, in F32: the
/// oracle tests compare everything against (the Q8_0 kernels within the error their quantization
/// of `x` allows).
public enum Matmul: Sendable, Equatable {
    case blas
    case naive

    /// Up to this many rows of `x`, packed weights go through the C kernels; above, `sgemm` is faster.
    static let smallBatch = 16
    /// Most weight rows per `sgemm` tile of packed weights.
    static let tileRows = 256
    /// Multiply-adds below which an F32 product is one `sgemm` call on the caller.
    static let smallProduct = 1 << 16

    /// - Parameters: `x` is `n × w.cols` row-major, `y` receives `n × w.rows`; `pool` runs the
    ///   packed-weight kernels (on the caller alone when nil).
    /// - Complexity: O(n · w.rows · w.cols).
    func callAsFunction(_ x: UnsafePointer<Float>, _ w: WeightMatrix, _ y: UnsafeMutablePointer<Float>, n: Int,
                        pool: ThreadPool? = nil) {
        let (inDim, outDim) = (w.cols, w.rows)
        switch (self, w.storage) {
        case (.blas, .packed(let type, let p)) where n <= Self.smallBatch:
            stk_matmul(pool?.pointer, Int32(type.rawValue), p, x, y, Int32(n), Int32(inDim), Int32(outDim), Int32(outDim))
        case (.blas, .regroupedQ8_0(let p)):
            stk_matmul(pool?.pointer, Int32(STK_Q8_0_X8), p, x, y, Int32(n), Int32(inDim), Int32(outDim), Int32(outDim))
        case (.blas, _):
            Self.tiledSgemm(x, w, y, n: n, pool: pool)
        case (.naive, _):
            let row = UnsafeMutablePointer<Float>.allocate(capacity: inDim)
            defer { row.deallocate() }
            for o in 0..<outDim {
                w.row(o, into: row)
                for r in 0..<n {
                    let xr = x + r * inDim
                    var sum: Float = 0
                    for i in 0..<inDim { sum += xr[i] * row[i] }
                    y[r * outDim + o] = sum
                }
            }
        }
    }

    /// `y = x · wᵀ` as `sgemm` calls over tiles of `w`'s rows, about two tiles per thread so a
    /// descheduled thread delays little. OpenBLAS runs single-threaded (`ThreadPool` sets it).
    private static func tiledSgemm(_ x: UnsafePointer<Float>, _ w: WeightMatrix, _ y: UnsafeMutablePointer<Float>,
                                   n: Int, pool: ThreadPool?) {
        let (inDim, outDim) = (w.cols, w.rows)
        let threads = pool?.threads ?? 1
        var tile = max(16, (outDim + 2 * threads - 1) / (2 * threads))
        if case .f32 = w.storage {
            // One call when one thread does it all or the product is too small to split.
            tile = threads == 1 || n * inDim * outDim < Self.smallProduct ? outDim : tile
        } else {
            tile = min(tileRows, tile)
        }
        let tiles = (outDim + tile - 1) / tile
        func product(_ scratch: UnsafeMutablePointer<Float>?) {
            let body = { (task: Int, thread: Int) in
                let lo = task * tile, hi = min(outDim, lo + tile)
                func dequantizedProduct(_ kernelType: Int32, _ p: UnsafeRawPointer) {
                    let buffer = scratch! + thread * tile * inDim
                    stk_dequantize_rows(kernelType, p, buffer, Int32(inDim), Int32(lo), Int32(hi))
                    sgemm(x, buffer, y + lo, n: n, inDim: inDim, outDim: hi - lo, ldy: outDim)
                }
                switch w.storage {
                case .f32(let p):
                    sgemm(x, p + lo * inDim, y + lo, n: n, inDim: inDim, outDim: hi - lo, ldy: outDim)
                case .packed(let type, let p):
                    dequantizedProduct(Int32(type.rawValue), p)
                case .regroupedQ8_0(let p):
                    dequantizedProduct(Int32(STK_Q8_0_X8), p)
                }
            }
            if let pool { pool.run(tasks: tiles, body) } else { for t in 0..<tiles { body(t, 0) } }
        }
        if case .f32 = w.storage { return product(nil) }
        if let pool { return pool.withScratch(perThread: tile * inDim, product) }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tile * inDim)
        defer { scratch.deallocate() }
        product(scratch)
    }

    /// `y` (row stride `ldy`) = `x · wᵀ` for F32 `w` with `outDim` rows.
    private static func sgemm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              n: Int, inDim: Int, outDim: Int, ldy: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(outDim), Int32(inDim),
                    1, x, Int32(inDim), w, Int32(inDim), 0, y, Int32(ldy))
    }
}
