/// A step-level preference pair: two sibling steps after one shared prefix whose values differ
/// by at least a margin, each completed by a finished rollout below it (rStar-Math PPM pairs,
/// ReARTeR step preferences; completed sides suit TRL's DPO, which appends EOS to both).
public struct StepPair: Hashable, Sendable {
    /// The shared prefix's last node.
    public var parent: NodeID
    /// The sibling step with the higher value.
    public var chosen: NodeID
    /// The sibling step with the lower value.
    public var rejected: NodeID
    /// The two steps' values under the pair's `ValueKind`.
    public var chosenValue: Double
    public var rejectedValue: Double
    /// The finished rollouts completing each side: the best outcome below `chosen`, the worst
    /// below `rejected`.
    public var chosenLeaf: NodeID
    public var rejectedLeaf: NodeID
}

extension NodeValues {
    /// Every ordered sibling pair whose values under `kind` differ by at least `margin` (> 0),
    /// both sides with a finished rollout below; parents in node order, then sibling order.
    /// - Complexity: O(nodes × children² + subtree walks).
    public func stepPairs(_ kind: ValueKind, margin: Double) -> [StepPair] {
        let margin = Swift.max(margin, Double.leastNonzeroMagnitude)
        var out: [StepPair] = []
        for p in 0..<tree.count {
            let kids = tree.children(of: NodeID(UInt32(p))).compactMap { c in value(c, kind).map { (c, $0) } }
            guard kids.count >= 2 else { continue }
            var best: [NodeID: NodeID] = [:], worst: [NodeID: NodeID] = [:]
            for (c, _) in kids {
                let leaves = pathEnds(below: c).filter { tree[$0].flags.contains(.finished) }
                func outcome(_ l: NodeID, _ missing: Double) -> Double { self.outcome(l) ?? missing }
                best[c] = leaves.max { outcome($0, -1) < outcome($1, -1) }
                worst[c] = leaves.min { outcome($0, 2) < outcome($1, 2) }
            }
            for (a, va) in kids {
                for (b, vb) in kids where va - vb >= margin {
                    guard let la = best[a], let lb = worst[b] else { continue }
                    out.append(StepPair(parent: NodeID(UInt32(p)), chosen: a, rejected: b, chosenValue: va, rejectedValue: vb,
                                        chosenLeaf: la, rejectedLeaf: lb))
                }
            }
        }
        return out
    }
}
