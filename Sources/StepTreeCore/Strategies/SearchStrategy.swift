/// One request a strategy wants: sample `samples` children of `node`.
public struct Expansion: Hashable, Sendable {
    public var node: NodeID
    public var samples: Int
    /// Sample at temperature 0 (greedy decoding, greedy rollouts).
    public var greedy: Bool
    /// The children are part of an MCTS rollout (flagged `.rollout`, no tree statistics).
    public var rollout: Bool
    /// Generate the samples in two phases and drop weak partial steps (nil: in one request).
    public var earlyRejection: EarlyRejection?

    public init(node: NodeID, samples: Int, greedy: Bool = false, rollout: Bool = false,
                earlyRejection: EarlyRejection? = nil) {
        self.node = node
        self.samples = samples
        self.greedy = greedy
        self.rollout = rollout
        self.earlyRejection = earlyRejection
    }
}

/// Decides where a tree spends its next expansions. Synchronous, no I/O: the `SearchSession`
/// turns expansions into generator requests, adds the children, has them verified (scores set,
/// rejected steps flagged `.pruned`), then hands them back through `integrate`.
///
/// A strategy is made per problem by `StrategyRegistry`. The session marks a selected node
/// `.expanding` until its children arrive, so a strategy never issues the same node twice.
public protocol SearchStrategy {
    /// Up to `limit` expansions to request now. Each node must be an open leaf of `tree`.
    mutating func select(in tree: inout SearchTree, limit: Int) -> [Expansion]
    /// The children of `expansion.node` were added and verified; `children` is empty when
    /// generation failed or returned nothing usable.
    mutating func integrate(_ expansion: Expansion, children: Range<Int>, in tree: inout SearchTree)
    /// A selected expansion will never be integrated (the budget ran out or the run stopped):
    /// undo whatever `select` started for it (virtual loss).
    mutating func abandon(_ expansion: Expansion, in tree: inout SearchTree)
    /// The session stops issuing expansions (budget): release what was prepared but not issued.
    mutating func stop(in tree: inout SearchTree)
    /// True when the strategy wants no more expansions.
    func isComplete(_ tree: SearchTree) -> Bool
    /// The finished node whose path is the answer, or nil when no path finished.
    func choose(in tree: SearchTree) -> NodeID?
}

extension SearchStrategy {
    public mutating func abandon(_ expansion: Expansion, in tree: inout SearchTree) {}
    public mutating func stop(in tree: inout SearchTree) {}
}

extension SearchTree {
    /// Children of a just-integrated expansion that are still in play (not pruned).
    func live(_ children: Range<Int>) -> [NodeID] {
        children.compactMap { records[$0].flags.contains(.pruned) ? nil : NodeID(index: $0) }
    }
}
