import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif

/// Appends finished problems to a tree file, one line each, fsynced per problem, so a killed
/// run loses at most the line being written. With `resume`, problems already written under the
/// same fingerprint are reported in `completedIDs` (to skip), a torn last line is cut off, and a
/// file written under another fingerprint is refused.
public final class TreeFileWriter {
    public let path: String
    /// Ids of problems already in the file (resume).
    public let completedIDs: Set<String>
    /// A torn last line was found and removed (resume).
    public let droppedTornLine: Bool
    private let fd: Int32

    /// Opens `path` for appending.
    /// - Throws: `StoreError.io` when the file exists and `resume` is false, or cannot be opened;
    ///   `.fingerprintMismatch` listing the differing settings.
    public init(path: String, fingerprint: RunFingerprint, resume: Bool) throws {
        self.path = path
        var done = Set<String>()
        var torn = false
        let exists = FileManager.default.fileExists(atPath: path)
        if exists {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if !resume && size > 0 {
                throw StoreError(.exists, "\(path) exists; pass --resume to continue it or --overwrite to replace it")
            }
            if resume && size > 0 {
                let contents = try TreeFileReader.read(path)
                let digest = fingerprint.digest
                if let other = contents.records.first(where: { $0.fingerprint != digest }) {
                    let diff = RunFingerprint.differences(other.run, fingerprint.canonicalJSON())
                    throw StoreError(.fingerprintMismatch,
                                     "\(path): written by a different run (fingerprint \(other.fingerprint), this run \(digest)); " +
                                     "differences: \(diff.joined(separator: "; ")). Use another --out, or the same settings.")
                }
                done = Set(contents.records.map(\.problem.id))
                if contents.tornTail {
                    torn = true
                    guard truncate(path, off_t(contents.validLength)) == 0 else {
                        throw StoreError(.io, "\(path): cannot cut the torn last line (errno \(errno))")
                    }
                }
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw StoreError(.io, "\(path): cannot open for writing (errno \(errno))") }
        self.fd = fd
        completedIDs = done
        droppedTornLine = torn
    }

    deinit { close(fd) }

    /// Appends one record as a line and fsyncs.
    /// - Throws: `StoreError.io` naming the file.
    public func append(_ record: TreeRecord) throws {
        var data = try JSONEncoder().encode(record)
        data.append(UInt8(ascii: "\n"))
        try write(data)
    }

    /// Appends raw bytes (already-formed lines, `merge`) and fsyncs.
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var off = 0
            while off < buf.count {
                let n = systemWrite(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StoreError(.io, "\(path): write failed (errno \(errno))")
                }
                off += n
            }
        }
        guard fsync(fd) == 0 else { throw StoreError(.io, "\(path): fsync failed (errno \(errno))") }
    }
}
