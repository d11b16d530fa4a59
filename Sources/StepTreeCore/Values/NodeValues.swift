/// Which per-node value the derived quantities (progress, advantages, labels, pairs) are built on.
public enum ValueKind: String, Codable, Hashable, Sendable, CaseIterable {
    /// Monte Carlo value: mean outcome of the rollouts below the node (Math-Shepherd,
    /// TEMPO/P2T "tree-estimated mean prefix value", ReST-MCTS*, OmegaPRM's MC).
    case mc
    /// Backed-up MCTS value `valueSum / visits` (AlphaZero, OpenR).
    case q
    /// The node's step score from a step verifier / PRM.
    case prm
    /// Min-form value (PURE): mean over the rollouts below of min over k ≥ t of r_k.
    case min
}

/// Values of every node of one stored tree, computed once from the tree (never during search).
///
/// A rollout ends at a finished node or at a step a step verifier rejected (`pruned`, never
/// expanded); `outcome(_:)` gives its outcome. A node stands for `count` identical samples, so
/// every statistic weights it by its count.
public struct NodeValues: Sendable {
    /// The tree the values were computed from.
    public let tree: SearchTree
    /// Rollouts with an outcome ending at or below each node (count-weighted).
    public private(set) var rollouts: [Int]
    /// Of those, the ones whose outcome is correct (≥ 0.5).
    public private(set) var correct: [Int]
    private var outcomeSum: [Double]
    private var minSum: [Double]
    private var minCount: [Int]

    /// Computes the MC and min-form tables.
    /// - Complexity: O(rollout ends × depth).
    public init(tree: SearchTree) {
        self.tree = tree
        let n = tree.count
        rollouts = Array(repeating: 0, count: n)
        correct = Array(repeating: 0, count: n)
        outcomeSum = Array(repeating: 0, count: n)
        minSum = Array(repeating: 0, count: n)
        minCount = Array(repeating: 0, count: n)
        for end in Self.pathEnds(of: tree) {
            let c = Int(tree[end].count)
            let outcome = Self.outcome(of: end, in: tree)
            var running: Double? = nil
            var cur = end.rawValue
            while cur != UInt32.max {
                let k = Int(cur)
                let rec = tree.records[k]
                if let o = outcome {
                    rollouts[k] += c
                    outcomeSum[k] += Double(c) * o
                    if o >= 0.5 { correct[k] += c }
                }
                // PURE: r_k is the step score, the outcome standing in for a last step without one.
                let stepReward: Double? = rec.hasScore ? Double(rec.score) : (k == end.index ? outcome : nil)
                if let s = stepReward { running = Swift.min(running ?? s, s) }
                if let m = running {
                    minSum[k] += Double(c) * m
                    minCount[k] += c
                }
                cur = rec.parent
            }
        }
    }

    /// Where paths end: finished nodes and rejected (pruned) steps that were never expanded.
    /// - Complexity: O(nodes).
    public func pathEnds() -> [NodeID] { Self.pathEnds(of: tree) }

    static func pathEnds(of tree: SearchTree) -> [NodeID] {
        (0..<tree.count).compactMap { i in
            let f = tree.records[i].flags
            return f.contains(.finished) || (f.contains(.pruned) && !f.contains(.expanded)) ? NodeID(UInt32(i)) : nil
        }
    }

    /// The outcome of a path end:
    /// - a finished node: its reward (an `ok` outcome verdict), or 0 when a guiding outcome
    ///   verifier could not read its answer (`unparseable`: an unreadable answer is wrong), else nil
    ///   (timeouts and errors never count as wrong);
    /// - a rejected step (pruned by a step verifier, unfinished): 0, since the rollout ends there
    ///   without an answer;
    /// - any other node: nil.
    public func outcome(_ id: NodeID) -> Double? { Self.outcome(of: id, in: tree) }

    static func outcome(of id: NodeID, in tree: SearchTree) -> Double? {
        let r = tree[id]
        guard r.flags.contains(.finished) else {
            return r.flags.contains(.pruned) && !r.flags.contains(.expanded) ? 0 : nil
        }
        if r.hasReward { return Double(r.reward) }
        let unreadable = tree.verdicts[id.rawValue]?.contains {
            $0.kind == .outcome && $0.outcome.status == .unparseable && !$0.evaluator.hasPrefix("judge:")
        }
        return unreadable == true ? 0 : nil
    }

    /// Completed MCTS visits of `id`.
    public func visits(_ id: NodeID) -> Int { Int(tree[id].visits) }

    /// MC value: mean outcome of the rollouts ending below `id`; nil when none has an outcome.
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

    /// PURE's min-form value V(s_t) = min over k ≥ t of r_k, averaged over the rollouts
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
