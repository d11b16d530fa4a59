extension SearchTree {
    /// Starts a visit along the path root → `leaf`: increments each node's in-flight counter
    /// (virtual loss, lc0's `TryStartScoreUpdate`), so concurrent selections avoid this path.
    /// - Complexity: O(depth).
    public mutating func beginVisit(at leaf: NodeID) {
        var cur = leaf.rawValue
        while cur != NodeID.noneRaw {
            records[Int(cur)].inFlight &+= 1
            cur = records[Int(cur)].parent
        }
    }

    /// Cancels a visit started with `beginVisit` (lc0's `CancelScoreUpdate`).
    /// - Complexity: O(depth).
    public mutating func cancelVisit(at leaf: NodeID) {
        var cur = leaf.rawValue
        while cur != NodeID.noneRaw {
            records[Int(cur)].inFlight &-= 1
            cur = records[Int(cur)].parent
        }
    }

    /// Backs `value` up from `leaf` to the root: each node gains one visit and `value`; when the
    /// visit was started with `beginVisit`, its in-flight count is released too (lc0's
    /// `FinalizeScoreUpdate`). No sign flip: every node is the same player (OpenR
    /// `update_recursive`).
    /// - Complexity: O(depth).
    public mutating func backup(_ value: Double, from leaf: NodeID, started: Bool) {
        var cur = leaf.rawValue
        while cur != NodeID.noneRaw {
            let i = Int(cur)
            records[i].visits &+= 1
            records[i].valueSum += value
            if started { records[i].inFlight &-= 1 }
            cur = records[i].parent
        }
    }
}
