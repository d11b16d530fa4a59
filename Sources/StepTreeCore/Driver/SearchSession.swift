/// One problem's search as a synchronous state machine: the strategy selects, the session turns
/// expansions into `StepRequest`s, adds the children of each `StepResult`, asks for verdicts
/// (step evaluators score every new node, outcome evaluators judge finished paths), prunes
/// rejected steps, and hands the children back to the strategy. `SearchDriver` runs many
/// sessions and batches their requests; tests drive one directly with scripted fakes.
public final class SearchSession {
    public let index: Int
    public let problem: Problem
    public internal(set) var tree: SearchTree
    public private(set) var strategy: any SearchStrategy
    public internal(set) var cost = ProblemCost()
    /// Why issuing stopped early, if it did.
    public private(set) var stopReason: String?
    let configuration: SearchConfiguration
    let roles: [EvaluatorRole]

    /// Issued requests not yet answered: request id → expansion and reserved tokens.
    var pending: [RequestID: PendingRequest] = [:]
    /// Expanded nodes waiting for verdicts: node → (expansion, children, verdicts outstanding).
    private var awaiting: [NodeID: AwaitingVerdicts] = [:]
    /// Expansions under early rejection whose partial candidates are being scored or continued.
    var partials: [NodeID: PartialExpansion] = [:]
    /// Surviving partial candidates waiting to be continued: (expanded node, sample index).
    var continuations: [(node: NodeID, sample: Int)] = []
    /// Keys for the prefix segments of partial candidates (above every node id).
    var nextPartialKey: UInt32 = 1 << 31
    var reservedTokens = 0
    private var stopped = false
    private let started: ContinuousClock.Instant
    /// Keys of nodes whose cached generator state can be freed (pruned or finished); drained by the driver.
    public var releasable: [SegmentKey] = []

    /// - Throws: `CoreError.unknownStrategy`.
    public init(index: Int, problem: Problem, configuration: SearchConfiguration, evaluators: [EvaluatorRole],
                promptTokens: [Int32] = []) throws {
        self.index = index
        self.problem = problem
        self.configuration = configuration
        self.roles = evaluators
        let entry = try StrategyRegistry.entry(named: configuration.strategy)
        strategy = entry.make(configuration.parameters, configuration.answerMarker)
        tree = SearchTree(prompt: problem.prompt, promptTokens: promptTokens,
                          seed: SeedMixer.root(runSeed: configuration.seed, problemID: problem.id))
        started = .now
    }

    /// Requests issued and not answered.
    public var pendingCount: Int { pending.count }
    /// True when the strategy is complete (or the budget stopped it) and nothing is outstanding.
    public var isDone: Bool {
        pending.isEmpty && awaiting.isEmpty && partials.isEmpty && (stopped || strategy.isComplete(tree))
    }

    /// Seconds since the session started.
    public var elapsedSeconds: Double {
        let d = ContinuousClock.now - started
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Whether the wall-time budget is spent.
    public var wallTimeExceeded: Bool {
        configuration.budget.maxWallSeconds.map { elapsedSeconds >= $0 } ?? false
    }

    // MARK: select → requests

    /// Up to `limit` new requests (bounded by the tree's in-flight limit and the budgets).
    /// `nextID` is the run's request counter.
    public func requests(limit: Int, nextID: inout RequestID) -> [StepRequest] {
        if wallTimeExceeded { stop("budget: wall time"); return [] }
        // Continuations finish expansions already issued (their tokens are reserved), so they
        // go out even after a budget stop.
        var out = continuationRequests(limit: limit, nextID: &nextID)
        if stopped { return out }
        let budget = configuration.budget
        var room = min(limit - out.count, configuration.treeInFlight - pending.count)
        if let maxE = budget.maxExpansions {
            room = min(room, maxE - cost.expansions)
            if cost.expansions >= maxE { stop("budget: expansions"); return out }
        }
        guard room > 0 else { return out }
        let selected = strategy.select(in: &tree, limit: room)
        if selected.isEmpty && pending.isEmpty && awaiting.isEmpty && partials.isEmpty && !strategy.isComplete(tree) {
            stop("strategy stalled: nothing left to expand")
        }
        for e in selected {
            var maxTokens = configuration.stepMaxTokens
            let samples = max(1, e.samples)
            if let maxT = budget.maxGeneratedTokens {
                let left = maxT - cost.generatedTokens - reservedTokens
                maxTokens = min(maxTokens, left / samples)
            }
            if maxTokens < 1 {
                strategy.abandon(e, in: &tree)
                stop("budget: tokens")
                continue
            }
            let id = nextID
            nextID += 1
            let reserved = budget.maxGeneratedTokens == nil ? 0 : maxTokens * samples
            reservedTokens += reserved
            // Early rejection: first K tokens only, when K is shorter than the step may be.
            let partialTokens = e.earlyRejection.map(\.tokens).flatMap { $0 < maxTokens ? max(1, $0) : nil }
            pending[id] = PendingRequest(expansion: e, reserved: reserved, maxTokens: maxTokens, partialTokens: partialTokens)
            tree.setFlags(.expanding, on: e.node)
            cost.expansions += 1
            out.append(makeRequest(id: id, expansion: e, samples: samples, maxTokens: partialTokens ?? maxTokens))
        }
        if stopped { strategy.stop(in: &tree) }
        return out
    }

    private func makeRequest(id: RequestID, expansion e: Expansion, samples: Int, maxTokens: Int) -> StepRequest {
        let prefix = tree.prefix(to: e.node, problem: UInt32(truncatingIfNeeded: index))
        var sampling = configuration.sampling
        if e.greedy { sampling.temperature = 0 }
        return StepRequest(id: id, prefix: prefix, samples: samples, sampling: sampling, stop: configuration.stop,
                           maxTokens: maxTokens, seed: SeedMixer.request(node: tree.seeds[e.node.index], round: 0))
    }

    // MARK: expand → verify

    /// Adds the children of an answered request. Returns the verdicts they need; when none are
    /// needed the children are integrated at once. A result for an unknown (cancelled) request
    /// is ignored. Under early rejection, the first phase's result returns the verdicts its
    /// partial candidates need, and a continuation's result completes its expansion.
    public func receive(_ result: StepResult) -> [EvaluationJob] {
        guard let p = pending.removeValue(forKey: result.id) else { return [] }
        let e = p.expansion
        reservedTokens -= p.reserved
        var generated = result.cost.generatedTokens
        if generated == 0 { generated = result.samples.reduce(0) { $0 + ($1.tokens?.count ?? 0) } }
        cost.generatedTokens += generated
        cost.forwardTokens += result.cost.forwardTokens
        if result.failure != nil { cost.generatorFailures += 1 }
        if let sample = p.continuing {
            if let key = p.segment { releasable.append(key) }
            return continued(e.node, sample: sample, with: result)
        }
        if let k = p.partialTokens, result.failure == nil {
            return startPartial(e, samples: result.samples, partialTokens: k, maxTokens: p.maxTokens)
        }
        return expand(e, with: result.failure == nil ? result.samples : [])
    }

    /// Adds `samples` as the children of `e.node` and returns the verdicts they need; when none
    /// are needed the children are integrated at once.
    func expand(_ e: Expansion, with samples: [StepSample]) -> [EvaluationJob] {
        let marker = configuration.answerMarker
        let children = tree.expand(e.node, with: samples, rollout: e.rollout,
                                   maxDepth: configuration.maxDepth,
                                   isTerminal: { marker?.matches($0) ?? false })
        var jobs: [EvaluationJob] = []
        for c in children {
            let id = NodeID(UInt32(c))
            let finished = tree.records[c].flags.contains(.finished)
            var steps: [String]? = nil
            for (ei, role) in roles.enumerated() {
                let kind: EvaluationKind
                if finished && role.kinds.contains(.outcome) { kind = .outcome }
                else if role.kinds.contains(.step) { kind = .step }
                else { continue }
                if steps == nil { steps = tree.steps(to: id) }
                jobs.append(EvaluationJob(evaluator: ei, kind: kind, node: id, expansion: e.node,
                                          item: EvaluationItem(problem: problem, steps: steps!, finished: finished)))
            }
            if finished { releasable.append(SegmentKey(problem: UInt32(truncatingIfNeeded: index), node: id.rawValue)) }
        }
        cost.evaluatorItems += jobs.count
        if jobs.isEmpty {
            integrate(e, children: children)
        } else {
            // The expansion stays pending until its verdicts are in: selection must not enter
            // children that may yet be pruned.
            tree.setFlags(.expanding, on: e.node)
            awaiting[e.node] = AwaitingVerdicts(expansion: e, children: children, outstanding: jobs.count)
        }
        return jobs
    }

    /// Stores a verdict; a step verdict `ok` with score ≤ 0 or below `pruneBelow` prunes the
    /// node. When the expansion's last verdict arrives, its children are integrated. A verdict on
    /// a partial candidate (early rejection) may complete its expansion: the children's verdict
    /// jobs are returned then.
    @discardableResult
    public func receive(_ outcome: EvaluationOutcome, for job: EvaluationJob) -> [EvaluationJob] {
        if let sample = job.partialSample { return receivePartial(outcome, sample: sample, for: job) }
        let name = job.evaluator >= 0 && job.evaluator < roles.count ? roles[job.evaluator].name : "judge"
        tree.addVerdict(NodeVerdict(evaluator: name, kind: job.kind, outcome: outcome), to: job.node)
        if job.kind == .step && outcome.status == .ok {
            let s = outcome.stepScores?.last ?? outcome.score
            if (s <= 0 || s < configuration.pruneBelow) && !tree[job.node].flags.contains(.pruned) {
                tree.setFlags(.pruned, on: job.node)
                if !tree[job.node].flags.contains(.finished) {
                    releasable.append(SegmentKey(problem: UInt32(truncatingIfNeeded: index), node: job.node.rawValue))
                }
            }
        }
        guard let parent = job.expansion, var w = awaiting[parent] else { return [] }
        w.outstanding -= 1
        if w.outstanding > 0 { awaiting[parent] = w; return [] }
        awaiting[parent] = nil
        integrate(w.expansion, children: w.children)
        return []
    }

    /// Tells the strategy that `e` will never be integrated.
    func abandonExpansion(_ e: Expansion) {
        strategy.abandon(e, in: &tree)
    }

    private func integrate(_ e: Expansion, children: Range<Int>) {
        tree.setFlags(.expanding, on: e.node, false)
        strategy.integrate(e, children: children, in: &tree)
        if stopped { strategy.stop(in: &tree) }
        if configuration.checkInvariants {
            let bad = tree._invariantViolations()
            precondition(bad.isEmpty, "tree invariants of problem \(problem.id) violated: \(bad.joined(separator: "; "))")
        }
    }

    // MARK: stop and finish

    /// Stops issuing. Pending requests are cancelled only for a wall-time stop (their results
    /// would arrive after the deadline); returns the ids cancelled.
    @discardableResult
    public func stop(_ reason: String) -> [RequestID] {
        if !stopped {
            stopped = true
            stopReason = reason
            strategy.stop(in: &tree)
        }
        guard reason == "budget: wall time" else { return [] }
        let ids = Array(pending.keys)
        for id in ids {
            let p = pending.removeValue(forKey: id)!
            let e = p.expansion
            reservedTokens -= p.reserved
            // An expansion under early rejection is abandoned once, below.
            if let key = p.segment { releasable.append(key) }
            if p.continuing != nil { continue }
            tree.setFlags(.expanding, on: e.node, false)
            strategy.abandon(e, in: &tree)
        }
        abandonPartials()
        return ids
    }

    /// The chosen node and its answer, once done.
    public func choice() -> (node: NodeID?, answer: String?) {
        guard let node = strategy.choose(in: tree) else { return (nil, nil) }
        return (node, AnswerMarker.answer(of: node, in: tree, marker: configuration.answerMarker))
    }

    /// The result, judged by `judgement` (or, when nil, by the chosen node's own outcome verdict).
    public func result(judgement: EvaluationOutcome?) -> ProblemResult {
        let (node, answer) = choice()
        var j = judgement
        if j == nil, let node {
            j = tree.verdicts[node.rawValue]?.first(where: { $0.kind == .outcome })?.outcome
        }
        cost.wallSeconds = elapsedSeconds
        return ProblemResult(index: index, problem: problem, tree: tree, chosen: node, answer: answer, judgement: j,
                             cost: cost, stopReason: stopReason)
    }

    /// Records the judge's verdict on the chosen node in the tree.
    public func recordJudgement(_ outcome: EvaluationOutcome, name: String, node: NodeID) {
        tree.addVerdictWithoutScoring(NodeVerdict(evaluator: "judge:" + name, kind: .outcome, outcome: outcome), to: node)
        cost.evaluatorItems += 1
    }
}

/// An issued request: the expansion it serves and the tokens reserved for it.
struct PendingRequest {
    var expansion: Expansion
    var reserved: Int
    /// Tokens the expansion's step may take (`maxTokens` of a request without early rejection).
    var maxTokens: Int = 0
    /// Early rejection's first phase: the tokens asked for (K).
    var partialTokens: Int?
    /// A continuation: the sample index of the partial candidate it completes.
    var continuing: Int?
    /// A continuation: the key of its partial segment, freed when it is answered.
    var segment: SegmentKey?
}

/// An expansion whose children wait for verdicts.
struct AwaitingVerdicts {
    var expansion: Expansion
    var children: Range<Int>
    var outstanding: Int
}
