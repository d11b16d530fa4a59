/// Which per-node value the derived quantities (progress, advantages, labels, pairs) are built on.
public enum ValueKind: String, Codable, Hashable, Sendable, CaseIterable {
    /// Monte Carlo value: mean outcome of the finished rollouts below the node (Math-Shepherd,
    /// TEMPO/P2T "tree-estimated mean prefix value", ReST-MCTS*, OmegaPRM's MC).
    case mc
    /// Backed-up MCTS value `valueSum / visits` (AlphaZero, OpenR).
    case q
    /// The node's step score from a step verifier / PRM.
    case prm
    /// Min-form value (PURE): mean over the finished rollouts below of min over k ≥ t of r_k.
    case min
}

/// Values of every node of one stored tree, computed once from the tree (never during search).
///
/// Outcomes are those of finished nodes (`outcome(_:)`): the `reward` of an `ok` outcome
/// verdict, 0 for an unreadable answer; timed-out or failed verdicts never count as wrong. A finished node stands for `count` identical
/// rollouts, so every statistic weights it by its count.
public struct NodeValues: Sendable {
    public let tree: SearchTree
    /// Finished rollouts with an outcome at or below each node (count-weighted).
    public private(set) var rollouts: [Int]
    /// Of those, the ones whose outcome is correct (reward ≥ 0.5).
    public private(set) var correct: [Int]
    private var outcomeSum: [Double]
    private var minSum: [Double]
    private var minCount: [Int]

    /// Computes the MC and min-form tables.
    /// - Complexity: O(finished leaves × depth).
    public init(tree: SearchTree) {
        self.tree = tree
        let n = tree.count
        rollouts = Array(repeating: 0, count: n)
        correct = Array(repeating: 0, count: n)
        outcomeSum = Array(repeating: 0, count: n)
        minSum = Array(repeating: 0, count: n)
        minCount = Array(repeating: 0, count: n)
        for i in 0..<n {
            let r = tree.records[i]
            guard r.flags.contains(.finished) else { continue }
            let c = Int(r.count)
            let outcome = Self.outcome(of: NodeID(UInt32(i)), in: tree)
            var running: Double? = nil
            var cur = UInt32(i)
            while cur != UInt32.max {
                let k = Int(cur)
                let rec = tree.records[k]
                if let o = outcome {
                    rollouts[k] += c
                    outcomeSum[k] += Double(c) * o
                    if o >= 0.5 { correct[k] += c }
                }
                // PURE: r_k is the step score, the outcome standing in for a finished step without one.
                let stepReward: Double? = rec.hasScore ? Double(rec.score) : (k == i ? outcome : nil)
                if let s = stepReward { running = Swift.min(running ?? s, s) }
                if let m = running {
                    minSum[k] += Double(c) * m
                    minCount[k] += c
                }
                cur = rec.parent
            }
        }
    }

    /// The outcome of a finished node: its reward (an `ok` outcome verdict), or 0 when a guiding
    /// outcome verifier could not read its answer (`unparseable`: an unreadable answer is wrong);
    /// nil for unfinished nodes and when no verdict counts (timeouts, errors, none).
    public func outcome(_ id: NodeID) -> Double? { Self.outcome(of: id, in: tree) }

    static func outcome(of id: NodeID, in tree: SearchTree) -> Double? {
        let r = tree[id]
        guard r.flags.contains(.finished) else { return nil }
        if r.hasReward { return Double(r.reward) }
        let unreadable = tree.verdicts[id.rawValue]?.contains {
            $0.kind == .outcome && $0.outcome.status == .unparseable && !$0.evaluator.hasPrefix("judge:")
        }
        return unreadable == true ? 0 : nil
    }

    /// Completed MCTS visits of `id`.
    public func visits(_ id: NodeID) -> Int { Int(tree[id].visits) }

    /// MC value: mean outcome of the finished rollouts below `id`; nil when none has an outcome.
    public func mc(_ id: NodeID) -> Double? {
        rollouts[id.index] == 0 ? nil : outcomeSum[id.index] / Double(rollouts[id.index])
    }

    /// Hard label (Math-Shepherd "hard estimation"): true when some rollout below reaches a
    /// correct answer; nil without rollouts.
    public func hardLabel(_ id: NodeID) -> Bool? { rollouts[id.index] == 0 ? nil : correct[id.index] > 0 }

    /// Backed-up MCTS Q = valueSum / visits; nil before the first visit.
    public func q(_ id: NodeID) -> Double? { tree[id].meanValue }

    /// The step score a step verifier / PRM gave `id`; nil when none did.
    public func prm(_ id: NodeID) -> Double? { tree[id].hasScore ? Double(tree[id].score) : nil }

    /// PURE's min-form value V(s_t) = min over k ≥ t of r_k, averaged over the finished rollouts
    /// below `id` (each rollout fixes the future steps k); nil when no step on them has a score.
    public func minForm(_ id: NodeID) -> Double? {
        minCount[id.index] == 0 ? nil : minSum[id.index] / Double(minCount[id.index])
    }

    /// The value of `id` under `kind`.
    public func value(_ id: NodeID, _ kind: ValueKind) -> Double? {
        switch kind {
        case .mc: return mc(id)
        case .q: return q(id)
        case .prm: return prm(id)
        case .min: return minForm(id)
        }
    }

    /// Whether any node of the tree has a value of `kind` (exporters name what is missing).
    public func hasAny(_ kind: ValueKind) -> Bool {
        (0..<tree.count).contains { value(NodeID(UInt32($0)), kind) != nil }
    }
}
