import Foundation
import StepTreeCore
import StepTreeStore

/// One exported row: a JSON object (written with sorted keys, one per line).
public typealias ExportRow = [String: JSON]

/// Turns stored trees into trainer files. Values are recomputed from each tree
/// (`NodeValues`), so one search serves every format.
///
/// Files by format: `Exporter+Steps.swift` (trl-prm, math-shepherd), `Exporter+Pairs.swift`
/// (trl-dpo), `Exporter+Samples.swift` (omegaprm), `Exporter+Rollouts.swift` (verl,
/// token-advantages, sft).
public enum Exporter {
    /// What an export wrote.
    public struct Summary: Sendable {
        /// Rows written.
        public var rows = 0
        /// Problems (tree records) read.
        public var problems = 0
        /// Problems that gave no rows because they lack the values the format needs.
        public var problemsWithoutRows = 0
        /// A torn last line of an input was ignored.
        public var tornTail = false
    }

    /// The rows of `trees` in `format`.
    /// - Throws: `ExportError.missingField` naming what no tree has (outcomes, step scores,
    ///   visits) or the first problem that lacks what the format needs (token ids, a reference).
    public static func rows(_ trees: [LoadedTree], format: ExportFormat, options: ExportOptions) throws -> [ExportRow] {
        let kind: ValueKind = format.takesValue ? options.value : .mc
        if format != .verl && !trees.isEmpty && !trees.contains(where: { $0.values.hasAny(kind) }) {
            throw ExportError(.missingField, "\(trees[0].location): no tree has \(Self.requirement(kind)), which " +
                              "\(format.rawValue) with --value \(kind.rawValue) needs")
        }
        switch format {
        case .trlPRM: return try trees.flatMap { try stepRows($0, options, mathShepherd: false) }
        case .mathShepherd: return try trees.flatMap { try stepRows($0, options, mathShepherd: true) }
        case .trlDPO: return trees.flatMap { pairRows($0, options) }
        case .omegaprm: return balanced(trees.flatMap { sampleRows($0, options) }, options)
        case .verl: return try trees.map { try verlRow($0, options) }
        case .tokenAdvantages: return try trees.flatMap { try tokenRows($0, options) }
        case .sft: return trees.flatMap { sftRows($0, options) }
        }
    }

    /// What a value kind needs in the tree, for messages.
    static func requirement(_ kind: ValueKind) -> String {
        switch kind {
        case .mc: return "a finished path with an outcome verdict ('reward'; search with an outcome verifier, e.g. --verifier countdown)"
        case .q: return "MCTS visits ('visits'/'valueSum': search with --strategy mcts)"
        case .prm, .min: return "a step score ('score': search with a step verifier or PRM)"
        }
    }

    /// Reads `inputs`, writes the rows of `format` to `out` (JSON lines), and says what it wrote.
    /// - Throws: `ExportError` (`.io`, `.schema`, `.missingField`, `.badOption`).
    public static func export(inputs: [String], format: ExportFormat, options: ExportOptions, out: String) throws -> Summary {
        if format == .verl && !out.hasSuffix(".json") {
            throw ExportError(.badOption, "\(out): verl reads only .json (JSON lines) or .parquet files; name the output *.json")
        }
        var summary = Summary()
        var trees: [LoadedTree] = []
        for path in inputs {
            let loaded = try LoadedTree.load(path)
            trees += loaded.trees
            summary.tornTail = summary.tornTail || loaded.tornTail
        }
        let rows = try self.rows(trees, format: format, options: options)
        var data = Data()
        for row in rows { data.append(try encode(row)); data.append(UInt8(ascii: "\n")) }
        let covered = Set(rows.compactMap { $0["problem_id"]?.string ?? $0["extra_info"]?["problem_id"]?.string })
        summary.rows = rows.count
        summary.problems = trees.count
        summary.problemsWithoutRows = trees.count - covered.count
        do { try data.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw ExportError(.io, "\(out): cannot write (\(error.localizedDescription))")
        }
        return summary
    }

    /// One row as compact JSON with sorted keys.
    public static func encode(_ row: ExportRow) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try e.encode(JSON.object(row))
    }

    /// A finite number, or null (JSON has no NaN).
    static func number(_ x: Double?) -> JSON {
        guard let x, x.isFinite else { return .null }
        return .number(x)
    }

    /// The rollouts of a tree that carry an outcome, in node order.
    static func rewardedLeaves(_ t: LoadedTree) -> [NodeID] {
        t.values.pathEnds().filter { t.values.outcome($0) != nil }
    }
}
