import Foundation
import StepTreeCore
import StepTreeStore

/// One problem's stored tree, rebuilt and valued, with where it came from (for messages).
public struct LoadedTree: Sendable {
    /// The stored line.
    public let record: TreeRecord
    /// The tree rebuilt from it.
    public let tree: SearchTree
    /// The tree's values.
    public let values: NodeValues
    /// `file:line` of the record.
    public let location: String

    /// Rebuilds the tree of `record`.
    /// - Throws: `ExportError.schema` when the stored nodes do not form a valid tree.
    public init(record: TreeRecord, location: String) throws {
        self.record = record
        self.location = location
        do {
            tree = try record.makeTree()
        } catch {
            throw ExportError(.schema, "\(location): problem '\(record.problem.id)': \(error)")
        }
        values = NodeValues(tree: tree)
    }

    /// The run's step delimiter (the fingerprint's `stop`), "\n" when absent.
    public var delimiter: String { record.run["stop"]?.string ?? "\n" }

    /// `location` and the problem id, to start messages.
    public var name: String { "\(location): problem '\(record.problem.id)'" }

    /// A step's text without its trailing delimiter.
    public func stepWithoutDelimiter(_ id: NodeID) -> String {
        let t = tree.texts[id.index], d = delimiter
        return !d.isEmpty && t.hasSuffix(d) ? String(t.dropLast(d.count)) : t
    }

    /// Raw step texts (delimiters as generated) from below `ancestor` down to `id`, joined.
    public func text(from ancestor: NodeID, to id: NodeID) -> String {
        var parts: [String] = []
        var cur = id
        while cur != ancestor && cur != .root {
            parts.append(tree.texts[cur.index])
            cur = NodeID(tree[cur].parent)
        }
        return parts.reversed().joined()
    }

    /// Reads every record of a tree file, with its line number.
    /// - Throws: `ExportError.io`, or `.schema` naming `file:line` for a record of another schema
    ///   version or a line that is not a tree record.
    public static func load(_ path: String) throws -> (trees: [LoadedTree], tornTail: Bool) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExportError(.io, "\(path): cannot read tree file")
        }
        let contents: TreeFileReader.Contents
        do {
            contents = try TreeFileReader.parse(data, path: path)
        } catch let e as StoreError {
            throw schemaError(in: data, path: path) ?? ExportError(.schema, e.message)
        }
        // The reader takes a last line that does not decode for a torn write; one that is whole
        // JSON of another schema is not.
        if contents.tornTail, let e = schemaError(in: data, path: path) { throw e }
        let lines = recordLines(data)
        var trees: [LoadedTree] = []
        for (i, r) in contents.records.enumerated() {
            trees.append(try LoadedTree(record: r, location: "\(path):\(i < lines.count ? lines[i] : i + 1)"))
        }
        return (trees, contents.tornTail)
    }

    /// Line numbers of the non-blank lines, in order.
    static func recordLines(_ data: Data) -> [Int] {
        var out: [Int] = [], line = 1, blank = true
        for b in data {
            if b == UInt8(ascii: "\n") {
                if !blank { out.append(line) }
                line += 1
                blank = true
            } else if b != 32 && b != 13 {
                blank = false
            }
        }
        if !blank { out.append(line) }
        return out
    }

    /// A clear message for the first line whose `schema` is missing or not ours, if any.
    static func schemaError(in data: Data, path: String) -> ExportError? {
        struct Probe: Decodable { var schema: String? }
        for (n, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { $0 != 32 && $0 != 13 }) else { continue }
            guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(line)) else { continue }
            guard let schema = probe.schema else {
                return ExportError(.schema, "\(path):\(n + 1): no 'schema' field: not a steptree tree file " +
                                   "(this build reads \(TreeRecord.schemaName))")
            }
            if schema != TreeRecord.schemaName {
                return ExportError(.schema, "\(path):\(n + 1): tree file schema '\(schema)' is not supported; " +
                                   "this build reads \(TreeRecord.schemaName)")
            }
        }
        return nil
    }
}
