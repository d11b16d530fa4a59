#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monte Carlo tree search over steps with PUCT selection (AlphaZero; OpenR `vanila_mcts`).
///
/// One simulation: descend from the root by PUCT to an open leaf, expand it with `width`
/// samples (priors = exp(mean token logprob) normalised over siblings), take a leaf value, back
/// it up along the path. Several leaves of one tree are in flight at once: each descent adds
/// virtual loss (an in-flight count, counted as a visit of value 0) along its path, and a descent
/// that reaches a leaf whose expansion is pending is a collision and is cancelled, so a pending
/// leaf is never expanded twice (lc0's `TryStartScoreUpdate` / `CancelScoreUpdate`).
/// Reaching a finished leaf backs up its terminal value at once (a simulation without a request).
public struct MCTS: SearchStrategy {
    /// The PUCT exploration coefficient's form.
    public enum Exploration: String, Codable, Hashable, Sendable, CaseIterable {
        /// c(N) = `cPuct`, constant.
        case constant
        /// c(N) = ln((N + c_base + 1) / c_base) + c_init (AlphaZero pseudocode; OpenR tree.py).
        case alphazero
    }

    /// Where a leaf's value comes from.
    public enum LeafValue: String, Codable, Hashable, Sendable, CaseIterable {
        /// The leaf's step score from a step verifier / PRM (OpenR `init_critic_value`, prm-last).
        case prm
        /// A rollout from the leaf's most likely child to a finished path; the value is that
        /// path's outcome score (ReST-MCTS* simulation, rStar-Math terminal rewards).
        case rollout
        /// Only finished paths carry a value (their outcome score); an unfinished leaf backs up 0.
        case outcome
    }

    public struct Parameters: Codable, Hashable, Sendable {
        /// Simulations (descents) per problem. Default 32 (rStar-Math eval MCTS, 32 rollouts).
        public var simulations: Int = 32
        /// Samples per expansion. Default 4 (OpenR `tree_max_width` is set per run; rStar uses 8–12).
        public var width: Int = 4
        /// Form of the exploration coefficient. Default `alphazero` (OpenR).
        public var exploration: Exploration = .alphazero
        /// Constant c_puct for `exploration = constant`. Default 1.25 (= AlphaZero c_init); rStar-Math uses 2.
        public var cPuct: Double = 1.25
        /// AlphaZero c_base. Default 19652 (AlphaZero pseudocode, OpenR).
        public var cBase: Double = 19652
        /// AlphaZero c_init. Default 1.25 (AlphaZero pseudocode, OpenR).
        public var cInit: Double = 1.25
        /// Leaf value source. Default `rollout`.
        public var leafValue: LeafValue = .rollout
        /// Roll out at temperature 0. Default true (ReST-MCTS* greedy roll-forward).
        public var greedyRollouts: Bool = true

        public init(simulations: Int = 32, width: Int = 4, exploration: Exploration = .alphazero, cPuct: Double = 1.25,
                    cBase: Double = 19652, cInit: Double = 1.25, leafValue: LeafValue = .rollout, greedyRollouts: Bool = true) {
            self.simulations = simulations
            self.width = width
            self.exploration = exploration
            self.cPuct = cPuct
            self.cBase = cBase
            self.cInit = cInit
            self.leafValue = leafValue
            self.greedyRollouts = greedyRollouts
        }
    }

    public let parameters: Parameters
    /// Simulations started (descents that expanded a leaf or reached a finished one).
    public private(set) var started = 0
    /// Simulations whose value was backed up.
    public private(set) var completed = 0
    /// Descents cancelled because they reached a pending leaf.
    public private(set) var collisions = 0
    /// Rollout tip → the tree leaf whose simulation it serves.
    private var rollouts: [NodeID: NodeID] = [:]
    private var queuedRollouts: [Expansion] = []

    public init(parameters: Parameters) { self.parameters = parameters }

    public mutating func select(in tree: inout SearchTree, limit: Int) -> [Expansion] {
        var out = Array(queuedRollouts.prefix(limit))
        queuedRollouts.removeFirst(out.count)
        var failures = 0
        while out.count < limit && started < parameters.simulations && failures < limit {
            switch descend(&tree) {
            case .expand(let leaf):
                started += 1
                out.append(Expansion(node: leaf, samples: max(1, parameters.width)))
            case .terminal: started += 1; completed += 1
            case .collision: collisions += 1; failures += 1
            case .exhausted: failures = limit
            }
        }
        return out
    }

    private enum Descent { case expand(NodeID), terminal, collision, exhausted }

    private func explorationFactor(_ parentN: Double) -> Double {
        switch parameters.exploration {
        case .constant: return parameters.cPuct
        case .alphazero: return log((parentN + parameters.cBase + 1) / parameters.cBase) + parameters.cInit
        }
    }

    /// Terminal value of a finished node: outcome score, else step score, else 0.
    static func terminalValue(_ r: NodeRecord) -> Double {
        r.hasReward ? Double(r.reward) : (r.hasScore ? Double(r.score) : 0)
    }

    private mutating func descend(_ tree: inout SearchTree) -> Descent {
        var node = NodeID.root
        while true {
            let r = tree[node]
            if r.flags.contains(.expanding) { return .collision }
            if r.flags.contains(.finished) {
                tree.backup(Self.terminalValue(r), from: node, started: false)
                return .terminal
            }
            if r.flags.contains(.failed) || r.flags.contains(.pruned) { return .exhausted }
            if !r.flags.contains(.expanded) {
                // Selected earlier in this call (in flight, not yet marked expanding): a collision.
                if r.inFlight > 0 { return .collision }
                tree.beginVisit(at: node)
                return .expand(node)
            }
            // PUCT: Q(c) + c(N_p) · P(c) · √N_p / (1 + N_c), counting in-flight visits as value 0.
            let parentN = Double(r.visits) + Double(r.inFlight)
            let c = explorationFactor(parentN) * parentN.squareRoot()
            let parentQ = r.meanValue ?? 0
            var best = -1, bestScore = -Double.infinity
            for i in r.childIndices {
                let ch = tree.records[i]
                if ch.flags.contains(.pruned) || ch.flags.contains(.failed) { continue }
                let n = Double(ch.visits) + Double(ch.inFlight)
                let q = n > 0 ? ch.valueSum / n : (ch.hasScore ? Double(ch.score) : parentQ)
                let u = q + c * Double(ch.prior) / (1 + n)
                if u > bestScore { bestScore = u; best = i }
            }
            if best < 0 {
                // Every child is dead: this node is a dead end worth 0.
                tree.setFlags(.failed, on: node)
                tree.backup(0, from: node, started: false)
                return .terminal
            }
            node = NodeID(UInt32(best))
        }
    }

    public mutating func integrate(_ expansion: Expansion, children: Range<Int>, in tree: inout SearchTree) {
        let live = tree.live(children)
        if let origin = rollouts.removeValue(forKey: expansion.node) {
            continueRollout(origin: origin, live: live, tree: &tree)
            return
        }
        let leaf = expansion.node
        guard !live.isEmpty else { finish(leaf, value: 0, tree: &tree); return }
        switch parameters.leafValue {
        case .prm:
            let r = tree[leaf]
            let value = r.hasScore ? Double(r.score)
                : live.reduce(0.0) { $0 + (tree[$1].hasScore ? Double(tree[$1].score) : 0) } / Double(live.count)
            finish(leaf, value: value, tree: &tree)
        case .outcome:
            finish(leaf, value: 0, tree: &tree)
        case .rollout:
            let next = live.max { tree[$0].prior != tree[$1].prior ? tree[$0].prior < tree[$1].prior : $0 > $1 }!
            continueRollout(origin: leaf, live: [next], tree: &tree)
        }
    }

    private mutating func continueRollout(origin: NodeID, live: [NodeID], tree: inout SearchTree) {
        guard let next = live.first else { finish(origin, value: 0, tree: &tree); return }
        if tree[next].flags.contains(.finished) {
            finish(origin, value: Self.terminalValue(tree[next]), tree: &tree)
        } else {
            rollouts[next] = origin
            tree.setFlags(.expanding, on: next)
            queuedRollouts.append(Expansion(node: next, samples: 1, greedy: parameters.greedyRollouts, rollout: true))
        }
    }

    private mutating func finish(_ leaf: NodeID, value: Double, tree: inout SearchTree) {
        tree.backup(value, from: leaf, started: true)
        completed += 1
    }

    public mutating func abandon(_ expansion: Expansion, in tree: inout SearchTree) {
        if expansion.rollout { tree.setFlags(.expanding, on: expansion.node, false) }
        let origin = rollouts.removeValue(forKey: expansion.node) ?? expansion.node
        tree.cancelVisit(at: origin)
    }

    public mutating func stop(in tree: inout SearchTree) {
        for e in queuedRollouts {
            tree.setFlags(.expanding, on: e.node, false)
            tree.cancelVisit(at: rollouts.removeValue(forKey: e.node) ?? e.node)
        }
        queuedRollouts.removeAll()
    }

    public func isComplete(_ tree: SearchTree) -> Bool {
        completed >= parameters.simulations && queuedRollouts.isEmpty && rollouts.isEmpty
    }

    /// The finished leaf with the highest mean value (its terminal value when never visited);
    /// ties go to more visits, then the lower id (llm-reasoners' `max_reward` output).
    public func choose(in tree: SearchTree) -> NodeID? {
        tree.finishedLeaves().max { a, b in
            let (ra, rb) = (tree[a], tree[b])
            let (va, vb) = (ra.meanValue ?? Self.terminalValue(ra), rb.meanValue ?? Self.terminalValue(rb))
            if va != vb { return va < vb }
            if ra.visits != rb.visits { return ra.visits < rb.visits }
            return a > b
        }
    }
}
