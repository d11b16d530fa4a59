import COpenBLAS
import CStepTreeKernels
import Dispatch

/// The one matrix-product seam of the runtime: `Y[n, out] = X[n, in] · W[out, in]ᵀ`.
///
/// `.blas` calls OpenBLAS `cblas_sgemm` for F32 weights; F16/Q8_0 weights are read in place by
/// the C kernels for small `n` (decode), or dequantized a tile of rows at a time into a scratch
/// buffer for `sgemm` (prefill and batched decode). `.naive` is a plain Swift loop over rows
/// dequantized by `TensorType.dequantize`: the oracle tests compare everything against.
public enum Matmul: Sendable, Equatable {
    case blas
    case naive

    /// Above this many rows of `x`, packed weights go through tile dequantization and `sgemm`.
    static let smallBatch = 8
    /// Rows of a packed weight dequantized per `sgemm` tile.
    static let tileRows = 256

    /// - Parameters: `x` is `n × w.cols` row-major, `y` receives `n × w.rows`; `threads` splits
    ///   the quantized kernels' rows.
    /// - Complexity: O(n · w.rows · w.cols).
    func callAsFunction(_ x: UnsafePointer<Float>, _ w: WeightMatrix, _ y: UnsafeMutablePointer<Float>, n: Int, threads: Int = 1) {
        let (inDim, outDim) = (w.cols, w.rows)
        switch (self, w.storage) {
        case (.blas, .f32(let p)):
            Self.sgemm(x, p, y, n: n, inDim: inDim, outDim: outDim, ldy: outDim)
        case (.blas, .packed(let type, let p)) where n <= Self.smallBatch:
            let chunks = min(max(1, threads), max(1, outDim / 64))
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = outDim * c / chunks, hi = outDim * (c + 1) / chunks
                stk_matmul_rows(Int32(type.rawValue), p, x, y, Int32(n), Int32(inDim), Int32(outDim), Int32(lo), Int32(hi))
            }
        case (.blas, .packed(let type, let p)):
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: Self.tileRows * inDim)
            defer { tile.deallocate() }
            for lo in stride(from: 0, to: outDim, by: Self.tileRows) {
                let hi = min(outDim, lo + Self.tileRows)
                stk_dequantize_rows(Int32(type.rawValue), p, tile, Int32(inDim), Int32(lo), Int32(hi))
                Self.sgemm(x, tile, y + lo, n: n, inDim: inDim, outDim: hi - lo, ldy: outDim)
            }
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

    /// `y` (row stride `ldy`) = `x · wᵀ` for F32 `w` with `outDim` rows.
    private static func sgemm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              n: Int, inDim: Int, outDim: Int, ldy: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(outDim), Int32(inDim),
                    1, x, Int32(inDim), w, Int32(inDim), 0, y, Int32(ldy))
    }
}
