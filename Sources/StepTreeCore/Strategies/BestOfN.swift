/// Best-of-N: N independent paths sampled step by step from the prompt, then one chosen by an
/// aggregation (OpenR's best-of-N methods; search-and-learn `best_of_n`).
///
/// The root is expanded with N samples; identical steps merge into one node with a count c, and
/// that node is then expanded with c samples, so exactly N paths are continued whatever merges.
public struct BestOfN: SearchStrategy {
    public struct Parameters: Codable, Hashable, Sendable {
        /// Number of paths N. Default 8 (OpenR README's BoN@8); range 1...65535.
        public var n: Int = 8
        /// How the final path is chosen. Default `majority` (OpenR `majority_vote`); with a PRM,
        /// `prm-min-vote` / `prm-last-vote` were OpenR's best (0.792 on MATH-500).
        public var aggregation: AnswerAggregation = .majority
        public init(n: Int = 8, aggregation: AnswerAggregation = .majority) {
            self.n = n
            self.aggregation = aggregation
        }
    }

    public let parameters: Parameters
    private let marker: AnswerMarker?
    private var started = false
    private var frontier: [NodeID] = []

    public init(parameters: Parameters, marker: AnswerMarker? = nil) {
        self.parameters = parameters
        self.marker = marker
    }

    public mutating func select(in tree: inout SearchTree, limit: Int) -> [Expansion] {
        guard limit > 0 else { return [] }
        if !started {
            started = true
            return [Expansion(node: .root, samples: max(1, parameters.n))]
        }
        let take = frontier.suffix(limit)
        frontier.removeLast(take.count)
        return take.reversed().map { Expansion(node: $0, samples: Int(tree[$0].count)) }
    }

    public mutating func integrate(_ expansion: Expansion, children: Range<Int>, in tree: inout SearchTree) {
        for c in tree.live(children) where !tree[c].flags.contains(.finished) { frontier.append(c) }
    }

    public func isComplete(_ tree: SearchTree) -> Bool { started && frontier.isEmpty }

    public func choose(in tree: SearchTree) -> NodeID? {
        parameters.aggregation.choose(among: tree.finishedLeaves(), in: tree, marker: marker)
    }
}
