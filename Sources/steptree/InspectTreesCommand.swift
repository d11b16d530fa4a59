import ArgumentParser
import Foundation
import StepTreeCore
import StepTreeStore

/// `steptree inspect TREES`: prints the trees of a tree file readably.
struct InspectTreesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print the trees of a tree file (steptree.tree/1) readably.",
        discussion: """
            Each problem: a header (id, solved, answer, nodes, cost), then its tree, one step per line \
            with the merged count (×n), prior, step score, outcome, visits and Q. Marks: ★ chosen \
            answer, ■ finished, ✗ pruned, ! failed, ~ rollout.

            \(ExitCodes.help)
            """)

    @Argument(help: "Tree file.")
    var trees: String

    @Option(help: "Only the problem with this id.")
    var problem: String?

    @Option(help: "Deepest step shown.")
    var depth: Int = 64

    @Flag(help: "Headers only, no trees.")
    var summary = false

    func run() async throws {
        do {
            print(try inspectTrees(path: trees, problem: problem, maxDepth: depth, headersOnly: summary), terminator: "")
        } catch let e as StoreError {
            stderr("error: \(e.message)")
            throw e.code == .io ? ExitCodes.failure : ExitCodes.input
        }
    }
}

/// The readable rendering of a tree file (callable by a combined `inspect` command).
/// - Throws: `StoreError` when the file cannot be read or a line is malformed.
func inspectTrees(path: String, problem: String? = nil, maxDepth: Int = 64, headersOnly: Bool = false) throws -> String {
    let contents = try TreeFileReader.read(path)
    var out = ""
    for rec in contents.records where problem == nil || rec.problem.id == problem {
        out += renderTree(rec, maxDepth: maxDepth, headersOnly: headersOnly)
    }
    if contents.tornTail { out += "(the last line of \(path) is torn and was ignored)\n" }
    if let problem, !contents.records.contains(where: { $0.problem.id == problem }) {
        throw StoreError(.missingField, "\(path): no problem with id '\(problem)'")
    }
    return out
}

/// One record as a header line and an indented tree.
func renderTree(_ rec: TreeRecord, maxDepth: Int, headersOnly: Bool) -> String {
    let strategy = rec.run["strategy"]?.stringValue ?? "?"
    let verdict = rec.judged ? (rec.solved ? "solved" : "wrong") : "unjudged"
    var out = "\(rec.problem.id)  \(verdict)  answer \(rec.answer.map { "\"\($0)\"" } ?? "none")"
    if let ref = rec.problem.reference { out += " (reference \"\(ref)\")" }
    out += "  nodes \(rec.nodes.count)  expansions \(rec.cost.expansions)  tokens \(rec.cost.generatedTokens)" +
        "  \(fmt(rec.cost.wallSeconds, 2)) s  \(strategy)"
    if let stop = rec.stopReason { out += "  [\(stop)]" }
    out += "\n"
    guard !headersOnly else { return out }
    var children: [UInt32: [TreeRecord.Node]] = [:]
    for n in rec.nodes { if let p = n.parent { children[p, default: []].append(n) } }
    func line(_ s: String) -> String {
        s.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\t", with: "⇥")
    }
    out += "  " + line(rec.nodes.first?.text ?? "") + "\n"
    func walk(_ id: UInt32, _ indent: String) {
        let kids = children[id] ?? []
        for (k, n) in kids.enumerated() {
            let last = k == kids.count - 1
            var marks = ""
            if rec.chosen == n.id { marks += "★" }
            if n.flags.contains("finished") { marks += "■" }
            if n.flags.contains("pruned") { marks += "✗" }
            if n.flags.contains("failed") { marks += "!" }
            if n.flags.contains("rollout") { marks += "~" }
            var stats = "p=\(fmt(n.prior, 2))"
            if n.count > 1 { stats = "×\(n.count) " + stats }
            if let s = n.score { stats += " score=\(fmt(s, 2))" }
            if let r = n.reward { stats += " outcome=\(fmt(r, 2))" }
            if n.visits > 0 { stats += " N=\(n.visits) Q=\(fmt(n.valueSum / Double(n.visits), 2))" }
            out += "  \(indent)\(last ? "└─" : "├─") \(marks.isEmpty ? "" : marks + " ")\(line(n.text))  [\(stats)]\n"
            if n.depth < maxDepth { walk(n.id, indent + (last ? "   " : "│  ")) }
            else if !(children[n.id] ?? []).isEmpty { out += "  \(indent)   …\n" }
        }
    }
    walk(0, "")
    return out
}
