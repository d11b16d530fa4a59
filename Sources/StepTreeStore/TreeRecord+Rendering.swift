import Foundation

extension TreeRecord {
    /// The record as a header line (id, verdict, answer, cost) and an indented tree, one step per
    /// line with its merged count (×n), prior, step score, outcome, visits and Q. Marks: ★ chosen
    /// answer, ■ finished, ✗ pruned, ! failed, ~ rollout.
    public func rendered(maxDepth: Int = 64, headersOnly: Bool = false) -> String {
        let rec = self
        let strategy = rec.run["strategy"]?.string ?? "?"
        let verdict = rec.judged ? (rec.solved ? "solved" : "wrong") : "unjudged"
        var out = "\(rec.problem.id)  \(verdict)  answer \(rec.answer.map { "\"\($0)\"" } ?? "none")"
        if let ref = rec.problem.reference { out += " (reference \"\(ref)\")" }
        out += "  nodes \(rec.nodes.count)  expansions \(rec.cost.expansions)  tokens \(rec.cost.generatedTokens)" +
            "  \(Self.fixed(rec.cost.wallSeconds, 2)) s  \(strategy)"
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
                var stats = "p=\(Self.fixed(n.prior, 2))"
                if n.count > 1 { stats = "×\(n.count) " + stats }
                if let s = n.score { stats += " score=\(Self.fixed(s, 2))" }
                if let r = n.reward { stats += " outcome=\(Self.fixed(r, 2))" }
                if n.visits > 0 { stats += " N=\(n.visits) Q=\(Self.fixed(n.valueSum / Double(n.visits), 2))" }
                out += "  \(indent)\(last ? "└─" : "├─") \(marks.isEmpty ? "" : marks + " ")\(line(n.text))  [\(stats)]\n"
                if n.depth < maxDepth { walk(n.id, indent + (last ? "   " : "│  ")) }
                else if !(children[n.id] ?? []).isEmpty { out += "  \(indent)   …\n" }
            }
        }
        walk(0, "")
        return out
    }

    static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
}
