/// The hot, fixed-size part of a node, stored in the tree's arena. Fields are ordered largest to
/// smallest (lc0's `Node` layout rule); the size is pinned by a test (`stride <= 48`).
///
/// Cold payload (text, token ids, logprobs, verdicts) lives in `SearchTree`'s side tables,
/// indexed by the same `NodeID`.
public struct NodeRecord: Hashable, Sendable {
    /// Sum of backed-up values (MCTS); `valueSum / visits` is the node's Q.
    public var valueSum: Double = 0
    /// Parent node, `UInt32.max` for the root.
    public var parent: UInt32 = NodeID.noneRaw
    /// First child; children occupy `firstChild ..< firstChild + childCount`.
    public var firstChild: UInt32 = NodeID.noneRaw
    /// Completed visits (backups through this node).
    public var visits: UInt32 = 0
    /// Prior probability among siblings: count × exp(mean token logprob), normalised (OpenR).
    public var prior: Float = 1
    /// Step score from a step verifier / PRM (the last step's score); NaN when none.
    public var score: Float = .nan
    /// Outcome score of a finished path from an outcome verifier; NaN when none.
    public var reward: Float = .nan
    public var childCount: UInt16 = 0
    /// Steps from the root (the root has depth 0).
    public var depth: UInt16 = 0
    /// Visits started through this node and not yet backed up (virtual loss).
    public var inFlight: UInt16 = 0
    /// How many identical sibling samples were merged into this node (at least 1).
    public var count: UInt16 = 1
    public var flags: NodeFlags = []

    public init() {}

    /// Q = valueSum / visits, or nil before the first visit.
    public var meanValue: Double? { visits == 0 ? nil : valueSum / Double(visits) }
    public var hasScore: Bool { !score.isNaN }
    public var hasReward: Bool { !reward.isNaN }
    /// Range of child indices in the arena (empty for a leaf).
    @inline(__always) public var childIndices: Range<Int> {
        childCount == 0 ? 0..<0 : Int(firstChild)..<Int(firstChild) + Int(childCount)
    }
}
