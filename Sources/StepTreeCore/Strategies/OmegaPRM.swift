#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// OmegaPRM process-label collection (Luo et al. 2024, "Improve Mathematical Reasoning in Language
/// Models by Automated Process Supervision"; constants from OpenR `data/omegaPRM_v2` and
/// mengfn/omegaprm-data-generation): Monte Carlo estimates from k rollouts per prefix, and a
/// binary search over a wrong rollout's steps for its first error instead of estimating every step.
///
/// The loop: estimate the root (k rollouts). Every estimated prefix s with MC(s) > 0 puts its
/// wrong rollouts r into a candidate pool; the pair maximising
/// `α^(1−MC(s)) · β^(len(r)/L) + c · √(Σ N) / (1 + N(s))` is taken, and its steps after s are
/// searched: estimate the middle prefix; MC > 0 moves right (the error is later), MC = 0 moves
/// left. `firstErrorSearch = linear` estimates every step instead (Math-Shepherd's per-step MC),
/// the baseline the binary search is measured against. Values and labels are read off the tree
/// afterwards (`NodeValues.mc`); positive/negative balancing happens at export.
///
/// A node's children are appended once, so every rollout step samples k candidates and continues
/// only as many as the rollout needs; the spare candidates are the first steps of a later
/// estimate of that prefix, which therefore never re-expands a node.
public struct OmegaPRM: SearchStrategy {
    /// How the first wrong step of a rollout is located.
    public enum FirstErrorSearch: String, Codable, Hashable, Sendable, CaseIterable {
        /// Binary search over the rollout's steps (OmegaPRM).
        case binary
        /// Estimate every step in order (Math-Shepherd per-step MC estimation).
        case linear
    }

    public struct Parameters: Codable, Hashable, Sendable {
        /// Rollouts per MC estimate, k. Default 8 (paper-aligned, mengfn; OpenR uses 16). Range 1...65535.
        public var rolloutsPerEstimate: Int = 8
        /// Rollouts started per problem at most. Default 200 (OpenR `rollout_budget`).
        public var rolloutBudget: Int = 200
        /// First-error searches per problem at most. Default 100 (paper-aligned iterations, mengfn).
        public var searches: Int = 100
        /// α in Q = α^(1−MC) · β^(len/L). Default 0.5 (OpenR, mengfn).
        public var alpha: Double = 0.5
        /// β in Q. Default 0.9 (OpenR, mengfn).
        public var beta: Double = 0.9
        /// L in Q, in tokens (words when a step has no token ids). Default 500 (OpenR, mengfn).
        public var lengthScale: Double = 500
        /// c in U = c · √(Σ N) / (1 + N(s)). Default 0.125 (OpenR `c_puct`, mengfn).
        public var cPuct: Double = 0.125
        /// Binary (OmegaPRM) or linear (per-step MC) first-error search. Default binary.
        public var firstErrorSearch: FirstErrorSearch = .binary

        public init(rolloutsPerEstimate: Int = 8, rolloutBudget: Int = 200, searches: Int = 100, alpha: Double = 0.5,
                    beta: Double = 0.9, lengthScale: Double = 500, cPuct: Double = 0.125,
                    firstErrorSearch: FirstErrorSearch = .binary) {
            self.rolloutsPerEstimate = rolloutsPerEstimate
            self.rolloutBudget = rolloutBudget
            self.searches = searches
            self.alpha = alpha
            self.beta = beta
            self.lengthScale = lengthScale
            self.cPuct = cPuct
            self.firstErrorSearch = firstErrorSearch
        }
    }

    /// A first-error search over the steps of one wrong rollout.
    struct Search {
        /// Interior steps of the rollout below its state (the wrong leaf excluded).
        var steps: [NodeID]
        var lo: Int
        var hi: Int
        var probe: Int?
    }

    public let parameters: Parameters
    private let marker: AnswerMarker?
    /// Rollouts started (each estimate starts up to k).
    public private(set) var rolloutsStarted = 0
    /// First-error searches started.
    public private(set) var searchesStarted = 0
    /// Prefixes whose MC was estimated by this strategy, in order.
    public private(set) var estimated: [NodeID] = []
    private var started = false
    private var queue: [Expansion] = []
    /// Rollouts each issued or queued expansion must continue.
    private var need: [NodeID: Int] = [:]
    /// The prefix being estimated and its expansions not yet integrated.
    private var active: (node: NodeID, open: Int)?
    private var search: Search?
    /// Wrong rollout end (a wrong answer or a rejected step) → the deepest estimated prefix
    /// above it with MC > 0.
    private var pool: [NodeID: NodeID] = [:]
    /// Times each prefix was chosen as a search's state.
    private var chosen: [NodeID: Int] = [:]
    /// Wrong leaves already searched; never put back into the pool.
    private var searched: Set<NodeID> = []

    public init(parameters: Parameters, marker: AnswerMarker? = nil) {
        self.parameters = parameters
        self.marker = marker
    }

    private var k: Int { max(1, parameters.rolloutsPerEstimate) }

    public mutating func select(in tree: inout SearchTree, limit: Int) -> [Expansion] {
        if !started {
            started = true
            begin(.root, tree: tree)
        }
        while queue.isEmpty && active == nil && advance(tree) {}
        let out = Array(queue.prefix(limit))
        queue.removeFirst(out.count)
        return out
    }

    /// Starts the next estimate (or finishes searches whose probes are already estimated).
    /// Returns false when there is nothing left to do.
    private mutating func advance(_ tree: SearchTree) -> Bool {
        if var s = search {
            let next: Int?
            switch parameters.firstErrorSearch {
            case .binary: next = s.lo <= s.hi ? (s.lo + s.hi) / 2 : nil
            case .linear: next = s.lo < s.steps.count ? s.lo : nil
            }
            guard let p = next else { search = nil; return true }
            s.probe = p
            search = s
            let node = s.steps[p]
            if estimated.contains(node) { resolve(node, tree: tree); return true }
            guard rolloutsStarted + k <= parameters.rolloutBudget else { search = nil; return false }
            if !begin(node, tree: tree) { resolve(node, tree: tree) }
            return true
        }
        guard searchesStarted < parameters.searches, rolloutsStarted + k <= parameters.rolloutBudget else { return false }
        let values = NodeValues(tree: tree)
        let total = Double(chosen.values.reduce(0, +))
        var best: (leaf: NodeID, state: NodeID, score: Double)?
        for (leaf, state) in pool.sorted(by: { $0.key < $1.key }) {
            let mc = values.mc(state) ?? 0
            var len = 0.0
            var cur = leaf
            while cur != state {
                len += Double(tree.tokens[cur.index].isEmpty ? tree.texts[cur.index].split(separator: " ").count
                                                             : tree.tokens[cur.index].count)
                cur = NodeID(tree[cur].parent)
            }
            let n = Double(chosen[state] ?? 0)
            let score = pow(parameters.alpha, 1 - mc) * pow(parameters.beta, len / parameters.lengthScale)
                + parameters.cPuct * total.squareRoot() / (1 + n)
            if best == nil || score > best!.score { best = (leaf, state, score) }
        }
        guard let pick = best else { return false }
        pool[pick.leaf] = nil
        searched.insert(pick.leaf)
        chosen[pick.state, default: 0] += 1
        searchesStarted += 1
        let steps = Array(tree.path(to: pick.leaf).dropFirst(Int(tree[pick.state].depth) + 1).dropLast())
        search = Search(steps: steps, lo: 0, hi: steps.count - 1, probe: nil)
        return true
    }

    /// Starts estimating `node`: expands it when open, else continues its spare children.
    /// Returns false when nothing could be started (no spare children left).
    @discardableResult
    private mutating func begin(_ node: NodeID, tree: SearchTree) -> Bool {
        var open = 0
        if tree.isOpenLeaf(node) {
            enqueue(node, rollouts: k)
            rolloutsStarted += k
            open = 1
        } else {
            var total = 0
            var spare: [NodeID] = []
            for c in tree.children(of: node) {
                if tree.isOpenLeaf(c) { spare.append(c) } else { total += Int(tree[c].count) }
            }
            for c in spare where total < k {
                let take = min(Int(tree[c].count), k - total)
                enqueue(c, rollouts: take)
                rolloutsStarted += take
                total += take
                open += 1
            }
        }
        guard open > 0 else { return false }
        active = (node, open)
        return true
    }

    private mutating func enqueue(_ node: NodeID, rollouts: Int) {
        need[node] = rollouts
        queue.append(Expansion(node: node, samples: k))
    }

    public mutating func integrate(_ expansion: Expansion, children: Range<Int>, in tree: inout SearchTree) {
        var remaining = need.removeValue(forKey: expansion.node) ?? 0
        if let a = active, a.open > 0 {
            var open = a.open - 1
            // In sample order; a finished or rejected child is a rollout that has ended.
            for c in children where remaining > 0 {
                let take = min(Int(tree.records[c].count), remaining)
                remaining -= take
                if tree.isOpenLeaf(NodeID(UInt32(c))) {
                    enqueue(NodeID(UInt32(c)), rollouts: take)
                    open += 1
                }
            }
            active = (a.node, open)
            if open == 0 { complete(a.node, tree: tree) }
        }
    }

    /// An estimate is in: update the candidate pool, then the search that asked for it.
    private mutating func complete(_ node: NodeID, tree: SearchTree) {
        active = nil
        estimated.append(node)
        let values = NodeValues(tree: tree)
        let mc = values.mc(node) ?? 0
        for leaf in values.pathEnds(below: node) {
            guard let outcome = values.outcome(leaf) else { continue }
            if mc == 0 || searched.contains(leaf) {
                pool[leaf] = nil
            } else if outcome < 0.5 && tree[leaf].depth >= tree[node].depth + 2 {
                pool[leaf] = node
            } else {
                pool[leaf] = nil
            }
        }
        if search?.probe.map({ search!.steps[$0] }) == node { resolve(node, tree: tree) }
    }

    /// Moves the search on from its probe, whose MC is known.
    private mutating func resolve(_ node: NodeID, tree: SearchTree) {
        guard var s = search, let p = s.probe else { return }
        s.probe = nil
        if parameters.firstErrorSearch == .linear {
            s.lo = p + 1
        } else if (NodeValues(tree: tree).mc(node) ?? 0) > 0 {
            s.lo = p + 1
        } else {
            s.hi = p - 1
        }
        search = s
    }

    public mutating func abandon(_ expansion: Expansion, in tree: inout SearchTree) {
        need[expansion.node] = nil
        if let a = active { active = (a.node, max(0, a.open - 1)) }
    }

    public mutating func stop(in tree: inout SearchTree) {
        for e in queue { need[e.node] = nil }
        queue.removeAll()
        active = nil
        search = nil
        pool.removeAll()
    }

    public func isComplete(_ tree: SearchTree) -> Bool {
        started && queue.isEmpty && active == nil && search == nil
            && (pool.isEmpty || searchesStarted >= parameters.searches || rolloutsStarted + k > parameters.rolloutBudget)
    }

    /// The majority answer over finished rollouts (each weighted by its count).
    public func choose(in tree: SearchTree) -> NodeID? {
        AnswerAggregation.majority.choose(among: tree.finishedLeaves(), in: tree, marker: marker)
    }
}
