import CStepTreeKernels

/// A weight matrix, `rows × cols` row-major (a GGUF tensor with `dims = [cols, rows]`): F32 rows,
/// F16/Q8_0 rows read in place by the quantized kernels, or Q8_0 rows regrouped by eights for the
/// AVX-512 VNNI kernels (`stk_q8_0_regroup`).
struct WeightMatrix {
    enum Storage {
        case f32(UnsafePointer<Float>)
        case packed(TensorType, UnsafeRawPointer)
        case regroupedQ8_0(UnsafeRawPointer)
    }

    let storage: Storage
    let rows: Int
    let cols: Int

    /// Writes row `r` as F32 to `out` (`cols` floats).
    func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        switch storage {
        case .f32(let p): out.update(from: p + r * cols, count: cols)
        case .packed(let type, let p): type.dequantize(p + r * type.byteCount(elements: cols)!, count: cols, into: out)
        case .regroupedQ8_0(let p): stk_dequantize_rows(Int32(STK_Q8_0_X8), p, out, Int32(cols), Int32(r), Int32(r + 1))
        }
    }
}
