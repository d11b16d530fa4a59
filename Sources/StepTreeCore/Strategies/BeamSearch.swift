/// Step-level beam search with search-and-learn semantics (`sal/search/beam_search.py`).
///
/// N is the number of samples per round and M the beam width: the prompt is expanded with N
/// samples; each round the unfinished candidates are ranked by their aggregated step score and
/// the top N/M are kept (ties broken by path log-probability); each kept beam is expanded M times, giving N candidates again. Finished
/// candidates are collected; the search stops when N paths finished, after `maxIterations`
/// rounds, or when no candidate is left. (OpenR's beam search differs: its beam size is the
/// number of final paths and every kept node gets `tree_max_width` samples.)
public struct BeamSearch: SearchStrategy {
    public struct Parameters: Codable, Hashable, Sendable {
        /// Samples per round N. Default 8; must be a multiple of `beamWidth`.
        public var n: Int = 8
        /// Beam width M: expansions per kept beam. Default 4 (search-and-learn `beam_width`).
        public var beamWidth: Int = 4
        /// Ranking of candidates by step scores. Default `last` (search-and-learn `agg_strategy`).
        public var aggregation: StepAggregation = .last
        /// Rounds before stopping. Default 40 (search-and-learn `num_iterations`).
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
        /// Beams kept per round, N/M (at least 1).
        public var kept: Int { max(1, n / max(1, beamWidth)) }
    }

    public let parameters: Parameters
    private var round = 0
    private var started = false
    private var toIssue: [NodeID] = []
    private var outstanding = 0
    private var candidates: [NodeID] = []
    private var completed: [NodeID] = []
    private var done = false
    /// Beams kept in each finished round (tests check it is exactly N/M when enough candidates).
    public private(set) var keptPerRound: [Int] = []

    public init(parameters: Parameters) { self.parameters = parameters }

    public mutating func select(in tree: inout SearchTree, limit: Int) -> [Expansion] {
        guard !done, limit > 0 else { return [] }
        if !started {
            started = true
            outstanding = 1
            return [Expansion(node: .root, samples: max(1, parameters.n), earlyRejection: parameters.earlyRejection)]
        }
        let take = toIssue.prefix(limit)
        toIssue.removeFirst(take.count)
        outstanding += take.count
        return take.map { Expansion(node: $0, samples: max(1, parameters.beamWidth), earlyRejection: parameters.earlyRejection) }
    }

    public mutating func integrate(_ expansion: Expansion, children: Range<Int>, in tree: inout SearchTree) {
        outstanding -= 1
        for c in tree.live(children) {
            if tree[c].flags.contains(.finished) { completed.append(c) } else { candidates.append(c) }
        }
        if outstanding == 0 && toIssue.isEmpty { endRound(tree) }
    }

    public mutating func abandon(_ expansion: Expansion, in tree: inout SearchTree) {
        outstanding -= 1
    }

    private mutating func endRound(_ tree: SearchTree) {
        round += 1
        if completed.count >= parameters.n || round >= parameters.maxIterations || candidates.isEmpty {
            done = true
            return
        }
        let agg = parameters.aggregation
        // Equal scores (common with a binary step verifier) go to the more likely path, as in
        // likelihood-ranked beam search; then to the lower id, so the order is deterministic.
        let scored = candidates.map { (id: $0, score: agg.score(of: $0, in: tree), likelihood: tree.pathLogprob(to: $0)) }
        let ranked = scored.sorted {
            if $0.score != $1.score { return $0.score > $1.score }
            if $0.likelihood != $1.likelihood { return $0.likelihood > $1.likelihood }
            return $0.id < $1.id
        }
        toIssue = ranked.prefix(parameters.kept).map(\.id)
        keptPerRound.append(toIssue.count)
        candidates.removeAll(keepingCapacity: true)
    }

    public func isComplete(_ tree: SearchTree) -> Bool { done }

    public func choose(in tree: SearchTree) -> NodeID? {
        let agg = parameters.aggregation
        return completed.max { a, b in
            let (sa, sb) = (agg.score(of: a, in: tree), agg.score(of: b, in: tree))
            return sa != sb ? sa < sb : a > b
        }
    }
}
