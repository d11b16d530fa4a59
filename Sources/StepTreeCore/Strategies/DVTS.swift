/// Diverse verifier tree search (search-and-learn `sal/search/diverse_verifier_tree_search.py`):
/// N/M independent subtrees, each a greedy-by-PRM beam.
///
/// The prompt is expanded with N/M samples; each distinct first step roots a subtree (identical
/// first steps merge, so there may be fewer). Each subtree then repeatedly expands its tip M
/// times and moves to the best child by step score (ties: higher prior); it ends when that child
/// finishes, when every child is pruned, or after `maxIterations` steps. The final answer is the
/// best subtree result by `aggregation`.
public struct DVTS: SearchStrategy {
    public struct Parameters: Codable, Hashable, Sendable {
        /// Total samples per round N. Default 8.
        public var n: Int = 8
        /// Expansions per subtree step M (and N/M subtrees). Default 4 (search-and-learn `beam_width`).
        public var beamWidth: Int = 4
        /// Final choice among subtree results. Default `last` (search-and-learn `agg_strategy`).
        public var aggregation: StepAggregation = .last
        /// Steps per subtree before stopping. Default 40 (search-and-learn `num_iterations`).
        public var maxIterations: Int = 40
        /// Score candidates after their first K tokens and drop weak ones before they finish
        /// (partial reward modelling, see `EarlyRejection`). Default nil: off.
        public var earlyRejection: EarlyRejection?
        public init(n: Int = 8, beamWidth: Int = 4, aggregation: StepAggregation = .last, maxIterations: Int = 40,
                    earlyRejection: EarlyRejection? = nil) {
            self.n = n
            self.beamWidth = beamWidth
            self.aggregation = aggregation
            self.maxIterations = maxIterations
            self.earlyRejection = earlyRejection
        }
    }

    public let parameters: Parameters
    private var started = false
    private var rootDone = false
    private var tips: [NodeID] = []
    private var steps: [NodeID: Int] = [:]
    private var completed: [NodeID] = []

    public init(parameters: Parameters) { self.parameters = parameters }

    public mutating func select(in tree: inout SearchTree, limit: Int) -> [Expansion] {
        guard limit > 0 else { return [] }
        if !started {
            started = true
            return [Expansion(node: .root, samples: max(1, parameters.n / max(1, parameters.beamWidth)),
                              earlyRejection: parameters.earlyRejection)]
        }
        let take = tips.prefix(limit)
        tips.removeFirst(take.count)
        return take.map { Expansion(node: $0, samples: max(1, parameters.beamWidth), earlyRejection: parameters.earlyRejection) }
    }

    public mutating func integrate(_ expansion: Expansion, children: Range<Int>, in tree: inout SearchTree) {
        let live = tree.live(children)
        if expansion.node == .root && !rootDone {
            rootDone = true
            for c in live {
                if tree[c].flags.contains(.finished) { completed.append(c) } else { tips.append(c); steps[c] = 1 }
            }
            return
        }
        let taken = steps.removeValue(forKey: expansion.node) ?? 0
        let best = live.max { a, b in
            let (sa, sb) = (tree[a].hasScore ? tree[a].score : -1, tree[b].hasScore ? tree[b].score : -1)
            return sa != sb ? sa < sb : (tree[a].prior != tree[b].prior ? tree[a].prior < tree[b].prior : a > b)
        }
        guard let best else { return }
        if tree[best].flags.contains(.finished) {
            completed.append(best)
        } else if taken + 1 < parameters.maxIterations {
            tips.append(best)
            steps[best] = taken + 1
        }
    }

    public func isComplete(_ tree: SearchTree) -> Bool { started && rootDone && tips.isEmpty }

    public func choose(in tree: SearchTree) -> NodeID? {
        let agg = parameters.aggregation
        return completed.max { a, b in
            let (sa, sb) = (agg.score(of: a, in: tree), agg.score(of: b, in: tree))
            return sa != sb ? sa < sb : a > b
        }
    }
}
