/// Diverse verifier tree search (search-and-learn `sal/search/diverse_verifier_tree_search.py`):
/// N/M independent subtrees, each a greedy-by-PRM beam.
///
/// The prompt is expanded with N/M samples; each distinct first step roots a subtree (identical
/// first steps merge, so there may be fewer). Each subtree then repeatedly expands its tip M
/// times and moves to the best child by step score (ties: higher prior); it ends when that child
/// finishes, when every child is pruned, or after `maxIterations` steps. The final answer is the
/// best subtree result by `aggregation`.
public struct DVTS: SearchStrategy {
    /// Beam search's parameters, read per subtree: N samples in all, N/M subtrees each expanded
    /// M times per step (`beamWidth`), `maxIterations` steps per subtree, `aggregation` the final
    /// choice among subtree results, `earlyRejection` as in beam.
    public typealias Parameters = BeamSearch.Parameters

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
            return [Expansion(node: .root, samples: parameters.kept,
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
