/// The ggml tensor element types this runtime reads, with their block layout.
///
/// Quantized types store blocks of `blockElements` values in `blockBytes` bytes; F32/F16/BF16
/// are blocks of one. Every type is dequantized to F32 rows by `dequantize(_:count:into:)`.
public enum TensorType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q8_0 = 8
    case bf16 = 30

    /// The ggml name, as `steptree inspect` and llama.cpp print it.
    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .q4_0: return "Q4_0"
        case .q8_0: return "Q8_0"
        case .bf16: return "BF16"
        }
    }

    /// Elements per block.
    public var blockElements: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q8_0: return 32
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 18
        case .q8_0: return 34
        }
    }

    /// Bytes needed for `elements` values, or nil when `elements` is not a whole number of
    /// blocks or the size overflows.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockElements == 0 else { return nil }
        let (bytes, overflow) = (elements / blockElements).multipliedReportingOverflow(by: blockBytes)
        return overflow ? nil : bytes
    }

    /// Converts `count` values (a whole number of blocks) starting at `source` to F32.
    public func dequantize(_ source: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32:
            out.update(from: source.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            for i in 0..<count { out[i] = halfToFloat(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            for i in 0..<count {
                out[i] = Float(bitPattern: UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .q8_0:
            for b in 0..<(count / 32) {
                let block = source + b * 34
                let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
                for j in 0..<32 { out[b * 32 + j] = d * Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) }
            }
        case .q4_0:
            for b in 0..<(count / 32) {
                let block = source + b * 18
                let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
                for j in 0..<16 {
                    let q = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                    out[b * 32 + j] = d * Float(Int(q & 0x0F) - 8)
                    out[b * 32 + j + 16] = d * Float(Int(q >> 4) - 8)
                }
            }
        }
    }
}

/// IEEE half (binary16) bits to Float, subnormals and infinities included.
@inline(__always)
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = UInt32(h >> 10) & 0x1F
    let mant = UInt32(h & 0x03FF)
    if exp == 0 {
        if mant == 0 { return Float(bitPattern: sign) }
        let magnitude = Float(mant) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
    return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
}
