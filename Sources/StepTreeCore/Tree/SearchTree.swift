#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One problem's search tree: an arena of fixed-size `NodeRecord`s plus side tables for the cold
/// payload (step text, token ids, per-token logprobs, finish reasons, seeds, verdicts).
///
/// Node 0 is the root (the rendered prompt). An expansion appends the children of one node as
/// one contiguous range, merging identical sibling samples (same token ids, or same text when the
/// generator returns no tokens) into one node with a `count`, so the tree is the prefix DAG that
/// value estimates need. A tree is a plain value owned by one task: no locks, no classes.
///
/// Files by concern: `SearchTree+Backup.swift` (virtual loss and backup),
/// `SearchTree+Invariants.swift` (the consistency checker).
public struct SearchTree: Sendable {
    public internal(set) var records: [NodeRecord]
    /// Step text of each node (the root holds the prompt), delimiter included as generated.
    public internal(set) var texts: [String]
    /// Token ids of each node's step; empty when the generator returned none.
    public internal(set) var tokens: [[Int32]]
    /// Per-token logprobs of each node's step; empty when the generator returned none.
    public internal(set) var logprobs: [[Float]]
    /// Why each node's sample ended (`.stop` for the root).
    public internal(set) var finishReasons: [FinishReason]
    /// Seed lineage of each node: the root's from (run seed, problem), a child's from its parent's
    /// and its sample index, so seeds do not depend on the order results arrive in.
    public internal(set) var seeds: [UInt64]
    /// Verdicts per node (sparse: most nodes of a large tree carry none or one).
    public internal(set) var verdicts: [UInt32: [NodeVerdict]] = [:]

    /// A tree holding only the root.
    /// - Parameters:
    ///   - prompt: the rendered prompt, the root's text.
    ///   - promptTokens: its token ids, when known.
    ///   - seed: the root's seed (see `SeedMixer.root`).
    public init(prompt: String, promptTokens: [Int32] = [], seed: UInt64 = 0) {
        var root = NodeRecord()
        root.prior = 1
        records = [root]
        texts = [prompt]
        tokens = [promptTokens]
        logprobs = [[]]
        finishReasons = [.stop]
        seeds = [seed]
    }

    /// Number of nodes, root included.
    public var count: Int { records.count }

    /// The record of `id`.
    @inline(__always) public subscript(id: NodeID) -> NodeRecord {
        get { records[id.index] }
    }

    /// Children of `id` in sample order.
    /// - Complexity: O(children).
    public func children(of id: NodeID) -> [NodeID] {
        records[id.index].childIndices.map { NodeID(index: $0) }
    }

    /// The path from the root to `id`, root first.
    /// - Complexity: O(depth).
    public func path(to id: NodeID) -> [NodeID] {
        var out = [NodeID](repeating: .root, count: Int(records[id.index].depth) + 1)
        var cur = id.rawValue
        var i = out.count - 1
        while i >= 0 {
            out[i] = NodeID(cur)
            cur = records[Int(cur)].parent
            i -= 1
        }
        return out
    }

    /// The generator prefix of `id`: the prompt, then each step down to `id`, each with its token
    /// ids and its segment key `(problem, node)`.
    /// - Complexity: O(depth).
    public func prefix(to id: NodeID, problem: UInt32) -> [PrefixSegment] {
        var out: [PrefixSegment] = []
        out.reserveCapacity(Int(records[id.index].depth) + 1)
        var cur = id.rawValue
        while cur != NodeID.noneRaw {
            let i = Int(cur)
            out.append(PrefixSegment(text: texts[i], tokens: tokens[i].isEmpty ? nil : tokens[i],
                                     key: SegmentKey(problem: problem, node: cur)))
            cur = records[i].parent
        }
        out.reverse()
        return out
    }

    /// Step texts from the first step down to `id` (the prompt excluded).
    /// - Complexity: O(depth).
    public func steps(to id: NodeID) -> [String] {
        var out: [String] = []
        out.reserveCapacity(Int(records[id.index].depth))
        var cur = id.rawValue
        while cur != 0 && cur != NodeID.noneRaw {
            out.append(texts[Int(cur)])
            cur = records[Int(cur)].parent
        }
        out.reverse()
        return out
    }

    /// Log-probability of the path root → `id` under the generator's model: the sum of its steps'
    /// token logprobs (0 for steps generated without logprobs).
    /// - Complexity: O(tokens on the path).
    public func pathLogprob(to id: NodeID) -> Double {
        var total = 0.0
        var cur = id.rawValue
        while cur != 0 && cur != NodeID.noneRaw {
            total += logprobs[Int(cur)].reduce(0.0) { $0 + Double($1) }
            cur = records[Int(cur)].parent
        }
        return total
    }

    /// Whether `id` is an open leaf: not expanded, not pending, not finished, pruned or failed.
    public func isOpenLeaf(_ id: NodeID) -> Bool {
        records[id.index].flags.isDisjoint(with: [.expanding, .expanded, .finished, .pruned, .failed])
    }

    /// All nodes whose path is finished and not pruned.
    /// - Complexity: O(nodes).
    public func finishedLeaves() -> [NodeID] {
        var out: [NodeID] = []
        for i in records.indices where records[i].flags.contains(.finished) && !records[i].flags.contains(.pruned) {
            out.append(NodeID(index: i))
        }
        return out
    }

    // MARK: Mutation (used by the search session and strategies)

    /// Sets or clears flags of one node.
    public mutating func setFlags(_ flags: NodeFlags, on id: NodeID, _ on: Bool = true) {
        if on { records[id.index].flags.formUnion(flags) } else { records[id.index].flags.subtract(flags) }
    }

    /// Records a verdict and, for `ok` ones, folds it into the node's `score` (step; the minimum
    /// over several step verifiers) or `reward` (outcome).
    public mutating func addVerdict(_ verdict: NodeVerdict, to id: NodeID) {
        verdicts[id.rawValue, default: []].append(verdict)
        guard verdict.outcome.status == .ok else { return }
        switch verdict.kind {
        case .step:
            let s = Float(verdict.outcome.stepScores?.last ?? verdict.outcome.score)
            let old = records[id.index].score
            records[id.index].score = old.isNaN ? s : min(old, s)
        case .outcome:
            records[id.index].reward = Float(verdict.outcome.score)
        }
    }

    /// Appends the children of `parent` from one generator result and marks `parent` expanded.
    ///
    /// Empty and cancelled samples are dropped (OpenR drops empty ones too); samples with equal
    /// token ids (or text, without tokens) are merged into one child whose `count` is the number
    /// of merged samples. Priors are count × exp(mean token logprob), normalised over the
    /// siblings (OpenR `reason/guided_search/tree.py`); uniform by count without logprobs.
    /// A child is `finished` when its sample ended with end-of-sequence or hit `maxTokens`
    /// (also `truncated`), or when `isTerminal` says its step completes the answer.
    /// A parent left with no children is marked `failed`. Children at depth `maxDepth` that did
    /// not finish otherwise are marked `finished` and `truncated` (the path is cut there).
    /// - Returns: the children's arena indices.
    /// - Complexity: O(samples² × step length) for the merge (samples per expansion are few).
    @discardableResult
    public mutating func expand(_ parent: NodeID, with samples: [StepSample], rollout: Bool = false,
                                maxDepth: Int = Int(UInt16.max), isTerminal: (String) -> Bool) -> Range<Int> {
        let first = records.count
        let depth = records[parent.index].depth &+ 1
        var weights: [Double] = []
        var allHaveLogprobs = true
        for (sampleIndex, sample) in samples.enumerated() {
            if sample.finish == .cancelled || sample.text.isEmpty { continue }
            let sampleTokens = sample.tokens ?? []
            if let dup = (first..<records.count).first(where: { i in
                sampleTokens.isEmpty || tokens[i].isEmpty ? texts[i] == sample.text : tokens[i] == sampleTokens
            }) {
                records[dup].count &+= 1
                weights[dup - first] += sample.meanLogprob.map { exp($0) } ?? 1
                continue
            }
            var r = NodeRecord()
            r.parent = parent.rawValue
            r.depth = depth
            var flags: NodeFlags = rollout ? [.rollout] : []
            switch sample.finish {
            case .endOfSequence: flags.insert(.finished)
            case .length: flags.formUnion([.finished, .truncated])
            default:
                if isTerminal(sample.text) { flags.insert(.finished) }
                else if Int(depth) >= maxDepth { flags.formUnion([.finished, .truncated]) }
            }
            r.flags = flags
            records.append(r)
            texts.append(sample.text)
            tokens.append(sampleTokens)
            logprobs.append(sample.logprobs ?? [])
            finishReasons.append(sample.finish)
            seeds.append(SeedMixer.child(of: seeds[parent.index], sample: sampleIndex))
            if let m = sample.meanLogprob { weights.append(exp(m)) } else { weights.append(1); allHaveLogprobs = false }
        }
        let n = records.count - first
        if !allHaveLogprobs { for i in 0..<n { weights[i] = Double(records[first + i].count) } }
        let total = weights.reduce(0, +)
        for i in 0..<n { records[first + i].prior = Float(total > 0 ? weights[i] / total : 1 / Double(n)) }
        records[parent.index].flags.remove(.expanding)
        records[parent.index].flags.insert(n == 0 ? [.expanded, .failed] : [.expanded])
        if n > 0 {
            records[parent.index].firstChild = UInt32(first)
            records[parent.index].childCount = UInt16(n)
        }
        return first..<records.count
    }
}

extension SearchTree {
    /// Records a verdict without folding it into the node's score or reward (the final judge,
    /// which must never guide the search).
    public mutating func addVerdictWithoutScoring(_ verdict: NodeVerdict, to id: NodeID) {
        verdicts[id.rawValue, default: []].append(verdict)
    }
}

extension SearchTree {
    /// Rebuilds a tree from stored columns (the tree-file reader). Seeds are not stored and
    /// read back as 0.
    /// - Throws: `CoreError.invariantViolated` when the columns disagree or break the tree's rules.
    public init(records: [NodeRecord], texts: [String], tokens: [[Int32]], logprobs: [[Float]],
                finishReasons: [FinishReason], verdicts: [UInt32: [NodeVerdict]]) throws {
        self.records = records
        self.texts = texts
        self.tokens = tokens
        self.logprobs = logprobs
        self.finishReasons = finishReasons
        self.seeds = Array(repeating: 0, count: records.count)
        self.verdicts = verdicts
        let bad = records.isEmpty ? ["no root"] : _invariantViolations()
        guard bad.isEmpty else {
            throw CoreError(.invariantViolated, "stored tree is inconsistent: \(bad.prefix(3).joined(separator: "; "))")
        }
    }
}
