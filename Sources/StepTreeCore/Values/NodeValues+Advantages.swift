
extension NodeValues {
    /// Progress V(node) − V(parent) (PAV, "Rewarding Progress"); nil at the root or when either
    /// value is missing.
    public func progress(_ id: NodeID, _ kind: ValueKind) -> Double? {
        guard id != .root, let v = value(id, kind), let p = value(NodeID(tree[id].parent), kind) else { return nil }
        return v - p
    }

    /// Sibling-relative advantage: V(node) minus the count-weighted mean of V over its siblings
    /// (itself included) that have a value, divided by their standard deviation when `normalize`
    /// (GiGPO's anchor-state groups: the parent is the shared state; TreeRPO). A group of one, or
    /// a zero deviation when normalising, gives 0. Nil at the root or without a value.
    public func siblingAdvantage(_ id: NodeID, _ kind: ValueKind, normalize: Bool = false) -> Double? {
        guard id != .root, let v = value(id, kind) else { return nil }
        var n = 0.0, sum = 0.0, sq = 0.0
        for s in tree.children(of: NodeID(tree[id].parent)) {
            guard let x = value(s, kind) else { continue }
            let w = Double(tree[s].count)
            n += w; sum += w * x; sq += w * x * x
        }
        let mean = sum / n
        let a = v - mean
        guard normalize else { return a }
        let sd = (Swift.max(0, sq / n - mean * mean)).squareRoot()
        return sd > 1e-12 ? a / sd : 0
    }

    /// Whether `id` is a branch point: at least two of its children have a value of `kind`.
    public func isBranching(_ id: NodeID, _ kind: ValueKind) -> Bool {
        tree.children(of: id).lazy.filter { value($0, kind) != nil }.prefix(2).count == 2
    }

    /// Branch-gated TD (TEMPO): V(node) − V(parent) when the parent is a branch point, 0 on a
    /// non-branching edge (where TEMPO reduces to GRPO); nil at the root or without values.
    public func branchTD(_ id: NodeID, _ kind: ValueKind) -> Double? {
        guard let d = progress(id, kind) else { return nil }
        return isBranching(NodeID(tree[id].parent), kind) ? d : 0
    }

    /// Global advantage V(node) − V(root) (TreeRL's global term, TEMPO's prefix value against
    /// the group mean); nil without values.
    public func globalAdvantage(_ id: NodeID, _ kind: ValueKind) -> Double? {
        guard let v = value(id, kind), let r = value(.root, kind) else { return nil }
        return v - r
    }
}
