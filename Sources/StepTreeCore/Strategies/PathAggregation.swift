/// How a path's step scores become one number (search-and-learn `agg_strategy`: last, min, prod).
public enum StepAggregation: String, Codable, Hashable, Sendable, CaseIterable {
    /// The last step's score (OpenR "prm-last", search-and-learn default).
    case last
    /// The lowest step score (OpenR "prm-min").
    case min
    /// The product of step scores (search-and-learn "prod").
    case product

    /// The aggregated score of the path root → `node`. Each step contributes its step score; a
    /// finished step without one contributes its outcome score (an outcome verifier's verdict
    /// counts as the last step's score); steps with neither are skipped; 0 when none has any.
    public func score(of node: NodeID, in tree: SearchTree) -> Double {
        var result: Double? = nil
        var cur = node.rawValue
        while cur != 0 && cur != NodeID.noneRaw {
            let r = tree.records[Int(cur)]
            if r.hasScore || r.hasReward {
                let s = Double(r.hasScore ? r.score : r.reward)
                switch self {
                case .last: if result == nil { result = s }
                case .min: result = Swift.min(result ?? s, s)
                case .product: result = (result ?? 1) * s
                }
            }
            cur = r.parent
        }
        return result ?? 0
    }
}

/// How best-of-N (and the beam/DVTS final pick) chooses among finished paths: OpenR's set
/// (`reason/reranking/vote_utils.py`: majority_vote, prm_min_max, prm_min_vote, prm_last_max,
/// prm_last_vote) plus search-and-learn's product aggregation.
public enum AnswerAggregation: String, Codable, Hashable, Sendable, CaseIterable {
    /// The most frequent answer, each path weighted by its sample count.
    case majority
    case prmLastMax = "prm-last-max"
    case prmLastVote = "prm-last-vote"
    case prmMinMax = "prm-min-max"
    case prmMinVote = "prm-min-vote"
    case prmProductMax = "prm-product-max"
    case prmProductVote = "prm-product-vote"

    var stepAggregation: StepAggregation? {
        switch self {
        case .majority: return nil
        case .prmLastMax, .prmLastVote: return .last
        case .prmMinMax, .prmMinVote: return .min
        case .prmProductMax, .prmProductVote: return .product
        }
    }

    /// Chooses one of `leaves` (finished nodes).
    ///
    /// `max`: the path with the highest aggregated score. `vote`: answers weighted by the sum of
    /// their paths' scores × counts (weighted self-consistency), then that answer's best path.
    /// `majority`: answers weighted by path counts. Ties go to the lower node id, so the choice
    /// is deterministic. Answers come from `AnswerMarker.answer(of:in:)`.
    public func choose(among leaves: [NodeID], in tree: SearchTree, marker: AnswerMarker?) -> NodeID? {
        guard !leaves.isEmpty else { return nil }
        let agg = stepAggregation ?? .last
        let scores = leaves.map { agg.score(of: $0, in: tree) }
        let best = { (ids: [Int]) -> Int in
            ids.max { a, b in scores[a] != scores[b] ? scores[a] < scores[b] : leaves[a] > leaves[b] }!
        }
        switch self {
        case .prmLastMax, .prmMinMax, .prmProductMax:
            return leaves[best(Array(leaves.indices))]
        case .majority, .prmLastVote, .prmMinVote, .prmProductVote:
            var groups: [String: (weight: Double, members: [Int])] = [:]
            var order: [String] = []
            for (i, leaf) in leaves.enumerated() {
                let key = AnswerMarker.answer(of: leaf, in: tree, marker: marker) ?? ""
                let w = Double(tree.records[leaf.index].count) * (self == .majority ? 1 : scores[i])
                if groups[key] == nil { order.append(key) }
                groups[key, default: (0, [])].weight += w
                groups[key]!.members.append(i)
            }
            var top = order[0]
            for key in order.dropFirst() where groups[key]!.weight > groups[top]!.weight { top = key }
            return leaves[best(groups[top]!.members)]
        }
    }
}
