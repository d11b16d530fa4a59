import Foundation

/// Reads tree files (schema `steptree.tree/1`): the library API for exporters, `inspect`,
/// `merge`, `--resume` and tests.
public enum TreeFileReader {
    /// A tree file's complete lines.
    public struct Contents: Sendable {
        public var records: [TreeRecord]
        /// The last line was incomplete (a write cut short by a kill) and was ignored.
        public var tornTail: Bool
        /// Bytes up to the end of the last complete line.
        public var validLength: Int
    }

    /// Reads every complete line. A last line without its newline, or one that does not parse,
    /// is a torn write and is ignored (`tornTail`); any other bad line is an error.
    /// - Throws: `StoreError.io` when the file cannot be read, `.malformedLine` naming `file:line`.
    public static func read(_ path: String) throws -> Contents {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.io, "\(path): cannot read tree file")
        }
        return try parse(data, path: path)
    }

    /// Parses tree-file bytes; `path` names them in errors.
    public static func parse(_ data: Data, path: String) throws -> Contents {
        var records: [TreeRecord] = []
        var torn = false
        var valid = 0
        var line = 0
        var start = data.startIndex
        let decoder = JSONDecoder()
        while start < data.endIndex {
            line += 1
            let nl = data[start...].firstIndex(of: UInt8(ascii: "\n"))
            let end = nl ?? data.endIndex
            let bytes = data[start..<end]
            let isLast = nl == nil || data.index(after: nl!) == data.endIndex
            if bytes.allSatisfy({ $0 == 32 || $0 == 13 }) {
                if nl == nil { break }
            } else if nl == nil {
                torn = true
                break
            } else {
                do {
                    let r = try decoder.decode(TreeRecord.self, from: Data(bytes))
                    guard r.schema == TreeRecord.schemaName else {
                        throw StoreError(.malformedLine, "\(path):\(line): schema '\(r.schema)', expected '\(TreeRecord.schemaName)'")
                    }
                    records.append(r)
                } catch let e as StoreError {
                    throw e
                } catch {
                    if isLast { torn = true; break }
                    throw StoreError(.malformedLine, "\(path):\(line): not a tree record (\(Self.describe(error)))")
                }
            }
            valid = data.distance(from: data.startIndex, to: end) + 1
            start = data.index(after: end)
        }
        return Contents(records: records, tornTail: torn, validLength: valid)
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "bad value at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: return "invalid JSON"
        default: return "\(error)"
        }
    }

    /// The records of several tree files of one run, deduplicated by problem id and ordered by
    /// problem position.
    /// - Throws: `StoreError.fingerprintMismatch` naming the first file of another run.
    public static func merge(_ paths: [String]) throws -> (records: [TreeRecord], duplicates: Int) {
        var seen = Set<String>()
        var records: [TreeRecord] = []
        var duplicates = 0
        var fingerprint: (digest: String, path: String)?
        for path in paths {
            for r in try TreeFileReader.read(path).records {
                if let fp = fingerprint, fp.digest != r.fingerprint {
                    throw StoreError(.fingerprintMismatch, "\(path): problem '\(r.problem.id)' comes from another run " +
                                     "(fingerprint \(r.fingerprint), \(fp.path) has \(fp.digest))")
                }
                fingerprint = fingerprint ?? (r.fingerprint, path)
                if !seen.insert(r.problem.id).inserted { duplicates += 1; continue }
                records.append(r)
            }
        }
        records.sort { $0.problem.index < $1.problem.index }
        return (records, duplicates)
    }
}
