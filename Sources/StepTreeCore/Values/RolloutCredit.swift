/// Credit for one rollout (root → a finished node or a rejected step), step by step: the outcome advantage
/// relative to the tree's group of rollouts (GRPO) plus TEMPO's branch-gated TD correction, and
/// R^3L's split into a shared prefix and a divergent suffix.
public struct RolloutCredit: Hashable, Sendable {
    /// Where the rollout ends; it stands for `tree[leaf].count` identical samples.
    public var leaf: NodeID
    /// The rollout's steps, first step first (the root excluded).
    public var steps: [NodeID]
    /// The rollout's outcome (`NodeValues.outcome`).
    public var outcome: Double
    /// (outcome − group mean), divided by the group's standard deviation when normalised.
    public var outcomeAdvantage: Double
    /// Per step: `outcomeAdvantage` + the step's branch-gated TD (0 off branch points).
    public var stepAdvantages: [Double]
    /// Per step: true in the divergent suffix (below the deepest branch point on the path, where
    /// contrastive signal exists), false in the prefix shared with other rollouts (R^3L).
    public var divergent: [Bool]
    /// Per step: true when the step leaves a branch point (TEMPO's TD term can be non-zero).
    public var afterBranch: [Bool]

    /// Token-level arrays: each step's advantage and masks repeated over its token ids; nil when
    /// a step has no token ids (the generator returned none).
    /// - Complexity: O(tokens).
    public func perToken(in tree: SearchTree) -> (tokens: [Int32], advantages: [Double], divergentMask: [Int], branchMask: [Int])? {
        var toks: [Int32] = [], adv: [Double] = [], div: [Int] = [], br: [Int] = []
        for (i, s) in steps.enumerated() {
            let t = tree.tokens[s.index]
            if t.isEmpty { return nil }
            toks += t
            adv += repeatElement(stepAdvantages[i], count: t.count)
            div += repeatElement(divergent[i] ? 1 : 0, count: t.count)
            br += repeatElement(afterBranch[i] ? 1 : 0, count: t.count)
        }
        return (toks, adv, div, br)
    }
}

extension NodeValues {
    /// Credit for every rollout with an outcome, in node order.
    ///
    /// Group = all such rollouts of the tree, count-weighted. A branch point for the masks is a
    /// node with at least two children that have rollouts below them; the TD term uses `kind`.
    /// - Parameter normalize: divide outcome advantages by the group's standard deviation
    ///   (GRPO); a zero deviation leaves them undivided.
    /// - Complexity: O(finished leaves × depth × branching).
    public func rolloutCredits(_ kind: ValueKind = .mc, normalize: Bool = true) -> [RolloutCredit] {
        let leaves = pathEnds().filter { outcome($0) != nil }
        var n = 0.0, sum = 0.0, sq = 0.0
        for l in leaves {
            let w = Double(tree[l].count), r = outcome(l)!
            n += w; sum += w * r; sq += w * r * r
        }
        let mean = n > 0 ? sum / n : 0
        let sd = n > 0 ? Swift.max(0, sq / n - mean * mean).squareRoot() : 0
        return leaves.map { leaf in
            let path = tree.path(to: leaf)
            let steps = Array(path.dropFirst())
            let r = outcome(leaf)!
            let a = normalize && sd > 1e-12 ? (r - mean) / sd : r - mean
            var branchDepth = 0
            for node in path.dropLast() where splitsRollouts(node) { branchDepth = Int(tree[node].depth) }
            return RolloutCredit(
                leaf: leaf, steps: steps, outcome: r, outcomeAdvantage: a,
                stepAdvantages: steps.map { a + (branchTD($0, kind) ?? 0) },
                divergent: steps.map { Int(tree[$0].depth) > branchDepth },
                afterBranch: steps.map { isBranching(NodeID(tree[$0].parent), kind) })
        }
    }

    /// Whether at least two children of `id` have rollouts with outcomes below them.
    func splitsRollouts(_ id: NodeID) -> Bool {
        tree.children(of: id).lazy.filter { self.rollouts[$0.index] > 0 }.prefix(2).count == 2
    }

    /// Path ends (finished nodes, rejected steps) at or below `id`, in node order.
    /// - Complexity: O(subtree).
    public func pathEnds(below id: NodeID) -> [NodeID] {
        var out: [NodeID] = [], stack = [id]
        while let x = stack.popLast() {
            let f = tree[x].flags
            if f.contains(.finished) || (f.contains(.pruned) && !f.contains(.expanded)) { out.append(x) }
            stack += tree.children(of: x)
        }
        return out.sorted()
    }
}
