import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where one tensor lives in a GGUF file.
public struct GGUFTensorInfo: Sendable {
    /// The tensor name, e.g. `blk.0.attn_q.weight`.
    public var name: String
    /// ggml order: `dims[0]` is the innermost (row length).
    public var dims: [Int]
    /// Element encoding.
    public var type: TensorType
    /// Offset from the start of the data section.
    public var offset: Int
    /// Bytes of data (checked to lie within the file).
    public var byteCount: Int
    /// Number of values.
    public var elementCount: Int { dims.reduce(1, *) }
}

/// A GGUF v2/v3 file: header, metadata, tensor infos, and the memory-mapped data section.
///
/// Every length, count and offset is checked against the file size with overflow checks;
/// errors name the file, the byte offset and the tensor or key being read.
public final class GGUFFile: @unchecked Sendable {
    /// The file path, used in every error message.
    public let path: String
    /// GGUF format version (2 or 3).
    public let version: UInt32
    /// Metadata in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    private let index: [String: Int]
    private let values: [String: GGUFValue]
    private let base: UnsafeRawPointer
    private let size: Int
    private let dataStart: Int

    /// Maps `path` read-only and parses its header. Tensor data is not copied.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw RuntimeError(.io, "\(path): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RuntimeError(.io, "\(path): cannot stat") }
        let size = Int(st.st_size)
        self.size = size
        guard size >= 24 else { throw RuntimeError(.malformed, "\(path): \(size) bytes is too short for a GGUF header") }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw RuntimeError(.io, "\(path): cannot map \(size) bytes")
        }
        let base = UnsafeRawPointer(map)
        self.base = base
        var ok = false
        defer { if !ok { munmap(UnsafeMutableRawPointer(mutating: base), size) } }

        var r = Reader(base: base, size: size, path: path)
        guard try r.u32() == 0x4655_4747 else { throw RuntimeError(.malformed, "\(path): not a GGUF file (bad magic at offset 0)") }
        version = try r.u32()
        guard version == 2 || version == 3 else {
            throw RuntimeError(.unsupported, "\(path): GGUF version \(version) at offset 4 (only 2 and 3 are supported)")
        }
        let tensorCount = try r.count("tensor count", limit: size / 8)
        let kvCount = try r.count("metadata count", limit: size / 8)
        var metadata: [(key: String, value: GGUFValue)] = []
        for _ in 0..<kvCount {
            let at = r.offset
            let key = try r.string("metadata key at offset \(at)")
            metadata.append((key, try r.value(type: try r.u32(), context: "metadata '\(key)'")))
        }
        self.metadata = metadata
        values = Dictionary(metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })

        var infos: [GGUFTensorInfo] = []
        for _ in 0..<tensorCount {
            let at = r.offset
            let name = try r.string("tensor name at offset \(at)")
            let nDims = try r.u32()
            guard nDims >= 1 && nDims <= 4 else {
                throw RuntimeError(.malformed, "\(path): tensor '\(name)' at offset \(at) has \(nDims) dimensions")
            }
            var dims: [Int] = []
            var elements = 1
            for _ in 0..<nDims {
                let d = try r.count("dimension of tensor '\(name)'", limit: Int(Int32.max))
                let (e, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw RuntimeError(.malformed, "\(path): tensor '\(name)' at offset \(at): element count overflows") }
                elements = e
                dims.append(d)
            }
            let rawType = try r.u32()
            guard let type = TensorType(rawValue: rawType) else {
                throw RuntimeError(.unsupported, "\(path): tensor '\(name)' at offset \(at) has ggml type \(rawType) (supported: F32, F16, BF16, Q8_0, Q4_0)")
            }
            let offset = try r.count("offset of tensor '\(name)'", limit: Int.max)
            guard let bytes = type.byteCount(elements: elements), dims[0] % type.blockElements == 0 else {
                throw RuntimeError(.malformed, "\(path): tensor '\(name)': \(dims) is not a whole number of \(type.name) blocks")
            }
            infos.append(GGUFTensorInfo(name: name, dims: dims, type: type, offset: offset, byteCount: bytes))
        }
        let alignment = values[GGUFKey.alignment.rawValue]?.intValue ?? 32
        guard alignment > 0 && alignment.nonzeroBitCount == 1 else {
            throw RuntimeError(.malformed, "\(path): general.alignment \(alignment) is not a power of two")
        }
        let dataStart = (r.offset + alignment - 1) / alignment * alignment
        self.dataStart = dataStart
        for info in infos {
            let (start, o1) = dataStart.addingReportingOverflow(info.offset)
            let (end, o2) = start.addingReportingOverflow(info.byteCount)
            guard !o1, !o2, end <= size else {
                throw RuntimeError(.malformed, "\(path): tensor '\(info.name)' data at offset \(info.offset) (+\(info.byteCount) bytes) is not within the file (\(size) bytes)")
            }
            guard info.offset % alignment == 0 else {
                throw RuntimeError(.malformed, "\(path): tensor '\(info.name)' offset \(info.offset) is not aligned to \(alignment)")
            }
        }
        tensors = infos
        index = Dictionary(infos.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        ok = true
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    /// The file's size in bytes.
    public var fileSize: Int { size }

    /// The metadata value for `key` (the last one if repeated).
    public subscript(key: String) -> GGUFValue? { values[key] }

    /// The tensor named `name`, if present.
    public func tensor(_ name: String) -> GGUFTensorInfo? { index[name].map { tensors[$0] } }

    /// Raw bytes of a tensor in the mapping (valid while this file lives).
    public func data(of info: GGUFTensorInfo) -> UnsafeRawPointer { base + dataStart + info.offset }

    /// Tells the OS that the whole pages of a tensor's bytes are not needed now (they leave this
    /// process's resident memory and are read from the file again if touched): for tensors the
    /// runtime has copied into another layout.
    public func releasePages(of info: GGUFTensorInfo) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = dataStart + info.offset, end = start + (info.type.byteCount(elements: info.elementCount) ?? 0)
        let first = (start + page - 1) / page * page, last = end / page * page
        guard last > first else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + first), last - first, MADV_DONTNEED)
    }

    /// Bounds-checked little-endian reader over the mapping.
    private struct Reader {
        let base: UnsafeRawPointer
        let size: Int
        let path: String
        var offset = 0

        mutating func take(_ n: Int, _ what: String) throws -> UnsafeRawPointer {
            let (end, overflow) = offset.addingReportingOverflow(n)
            guard n >= 0, !overflow, end <= size else {
                throw RuntimeError(.malformed, "\(path): truncated reading \(what) at offset \(offset) (needs \(n) bytes, file has \(size))")
            }
            defer { offset = end }
            return base + offset
        }
        mutating func u32() throws -> UInt32 { try take(4, "u32").loadUnaligned(as: UInt32.self) }
        mutating func u64() throws -> UInt64 { try take(8, "u64").loadUnaligned(as: UInt64.self) }
        mutating func count(_ what: String, limit: Int) throws -> Int {
            let at = offset
            let v = try u64()
            guard v <= UInt64(limit) else { throw RuntimeError(.malformed, "\(path): \(what) \(v) at offset \(at) is out of range") }
            return Int(v)
        }
        mutating func string(_ what: String) throws -> String {
            let n = try count("length of \(what)", limit: size)
            let p = try take(n, what)
            return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
        }
        mutating func value(type: UInt32, context: String) throws -> GGUFValue {
            switch type {
            case 0: return .uint(UInt64(try take(1, context).load(as: UInt8.self)))
            case 1: return .int(Int64(try take(1, context).load(as: Int8.self)))
            case 2: return .uint(UInt64(try take(2, context).loadUnaligned(as: UInt16.self)))
            case 3: return .int(Int64(try take(2, context).loadUnaligned(as: Int16.self)))
            case 4: return .uint(UInt64(try u32()))
            case 5: return .int(Int64(Int32(bitPattern: try u32())))
            case 6: return .float(Double(Float(bitPattern: try u32())))
            case 7: return .bool(try take(1, context).load(as: UInt8.self) != 0)
            case 8: return .string(try string(context))
            case 9:
                let elementType = try u32()
                guard elementType != 9 else { throw RuntimeError(.unsupported, "\(path): \(context): nested arrays at offset \(offset)") }
                let n = try count("length of \(context)", limit: size)
                var items: [GGUFValue] = []
                items.reserveCapacity(n)
                for _ in 0..<n { items.append(try value(type: elementType, context: context)) }
                return .array(items)
            case 10: return .uint(try u64())
            case 11: return .int(Int64(bitPattern: try u64()))
            case 12: return .float(Double(bitPattern: try u64()))
            default: throw RuntimeError(.malformed, "\(path): \(context): unknown value type \(type) at offset \(offset - 4)")
            }
        }
    }
}
