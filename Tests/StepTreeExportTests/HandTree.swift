import StepTreeCore
import StepTreeTestSupport

/// The hand-computable tree most value tests use:
///
///     root ─ A (#1, count 2, score 0.9) ─ "answer: 1" (#3, score 0.8, reward 1)
///          │                           └ "answer: 2" (#4, score 0.3, reward 0)
///          └ B (#2, score 0.2) ─ C (#5, score 0.1) ─ "answer: 3" (#6, reward 0, no score)
///
/// MC: #3 1, #4 0, A 1/2, #6 0, C 0, B 0, root 1/3. MCTS backups of 1, 0, 0 from #3, #4, #6.
enum HandTree {
    static let a = NodeID(1), b = NodeID(2), a1 = NodeID(3), a2 = NodeID(4), c = NodeID(5), leaf = NodeID(6)

    static func make() -> SearchTree {
        var t = SearchTree(prompt: "nums: 1 2 target: 3\n", promptTokens: [7, 8])
        let terminal: (String) -> Bool = { $0.hasPrefix("answer:") }
        t.expand(.root, with: [SessionRunner.sample("a\n"), SessionRunner.sample("b\n"), SessionRunner.sample("a\n")],
                 isTerminal: terminal)
        t.expand(a, with: [SessionRunner.sample("answer: 1\n"), SessionRunner.sample("answer: 2\n")], isTerminal: terminal)
        t.expand(b, with: [SessionRunner.sample("c\n")], isTerminal: terminal)
        t.expand(c, with: [SessionRunner.sample("answer: 3\n")], isTerminal: terminal)
        for (node, s) in [(a, 0.9), (b, 0.2), (a1, 0.8), (a2, 0.3), (c, 0.1)] {
            t.addVerdict(NodeVerdict(evaluator: "prm", kind: .step, outcome: .init(status: .ok, score: s)), to: node)
        }
        for (node, r) in [(a1, 1.0), (a2, 0.0), (leaf, 0.0)] {
            t.addVerdict(NodeVerdict(evaluator: "check", kind: .outcome, outcome: .init(status: .ok, score: r)), to: node)
            t.backup(r, from: node, started: false)
        }
        return t
    }
}
