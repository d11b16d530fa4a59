import Foundation
@testable import StepTreeRuntime

/// Writes GGUF v3 files for tests: metadata of any type, tensors in F32, F16, BF16 or Q8_0.
struct TestGGUFWriter {
    enum Value {
        case u32(UInt32), i32(Int32), f32(Float), bool(Bool), string(String)
        case strings([String]), i32s([Int32]), f32s([Float])
    }

    struct Tensor {
        var name: String
        var dims: [Int]
        var type: TensorType
        var values: [Float]
    }

    var metadata: [(String, Value)] = []
    var tensors: [Tensor] = []
    var alignment = 32

    mutating func set(_ key: String, _ value: Value) { metadata.append((key, value)) }

    mutating func add(_ name: String, dims: [Int], type: TensorType = .f32, values: [Float]) {
        precondition(dims.reduce(1, *) == values.count, name)
        tensors.append(Tensor(name: name, dims: dims, type: type, values: values))
    }

    func data() -> Data {
        var out = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out.append(contentsOf: Array(s.utf8)) }
        u32(0x4655_4747); u32(3); u64(UInt64(tensors.count)); u64(UInt64(metadata.count))
        for (key, value) in metadata {
            string(key)
            switch value {
            case .u32(let v): u32(4); u32(v)
            case .i32(let v): u32(5); u32(UInt32(bitPattern: v))
            case .f32(let v): u32(6); u32(v.bitPattern)
            case .bool(let v): u32(7); out.append(v ? 1 : 0)
            case .string(let s): u32(8); string(s)
            case .strings(let a): u32(9); u32(8); u64(UInt64(a.count)); a.forEach(string)
            case .i32s(let a): u32(9); u32(5); u64(UInt64(a.count)); a.forEach { u32(UInt32(bitPattern: $0)) }
            case .f32s(let a): u32(9); u32(6); u64(UInt64(a.count)); a.forEach { u32($0.bitPattern) }
            }
        }
        var blobs: [[UInt8]] = []
        var offset = 0
        for t in tensors {
            string(t.name)
            u32(UInt32(t.dims.count))
            t.dims.forEach { u64(UInt64($0)) }
            u32(t.type.rawValue)
            u64(UInt64(offset))
            let blob = Self.encode(t.values, as: t.type)
            blobs.append(blob)
            offset += (blob.count + alignment - 1) / alignment * alignment
        }
        while out.count % alignment != 0 { out.append(0) }
        for blob in blobs {
            out.append(contentsOf: blob)
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }

    func write(to path: String) throws { try data().write(to: URL(fileURLWithPath: path)) }

    /// ggml's encodings (Q8_0: per block of 32, scale = max|x| / 127 stored as F16, rounded int8s).
    static func encode(_ values: [Float], as type: TensorType) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: UInt16) { out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8)) }
        switch type {
        case .f32: for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        case .f16: for v in values { u16(Float16(v).bitPattern) }
        case .bf16: for v in values { u16(UInt16(v.bitPattern >> 16)) }
        case .q8_0:
            for b in stride(from: 0, to: values.count, by: 32) {
                let block = values[b..<(b + 32)]
                let d = (block.map(abs).max() ?? 0) / 127
                let dh = Float16(d)
                u16(dh.bitPattern)
                let inv = Float(dh) == 0 ? 0 : 1 / Float(dh)
                for v in block { out.append(UInt8(bitPattern: Int8(max(-127, min(127, (v * inv).rounded()))))) }
            }
        case .q4_0:
            for b in stride(from: 0, to: values.count, by: 32) {
                let block = Array(values[b..<(b + 32)])
                let extreme = block.max { abs($0) < abs($1) } ?? 0
                let dh = Float16(extreme / -8)
                u16(dh.bitPattern)
                let inv = Float(dh) == 0 ? 0 : 1 / Float(dh)
                func q(_ v: Float) -> UInt8 { UInt8(max(0, min(15, (v * inv + 8.5).rounded(.down)))) }
                for j in 0..<16 { out.append(q(block[j]) | q(block[j + 16]) << 4) }
            }
        }
        return out
    }
}
