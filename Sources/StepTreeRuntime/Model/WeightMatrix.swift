/// A weight matrix, `rows × cols` row-major (a GGUF tensor with `dims = [cols, rows]`): F32 rows,
/// or F16/Q8_0 rows read in place by the quantized kernels.
struct WeightMatrix {
    enum Storage {
        case f32(UnsafePointer<Float>)
        case packed(TensorType, UnsafeRawPointer)
    }

    let storage: Storage
    let rows: Int
    let cols: Int

    /// Writes row `r` as F32 to `out` (`cols` floats).
    func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        switch storage {
        case .f32(let p): out.update(from: p + r * cols, count: cols)
        case .packed(let type, let p): type.dequantize(p + r * type.byteCount(elements: cols)!, count: cols, into: out)
        }
    }
}
