/// An expansion under early rejection (`EarlyRejection`) between its first phase and its children.
struct PartialExpansion {
    var expansion: Expansion
    /// Every sample by index: complete ones as generated, partial ones as their first K tokens
    /// until continued; nil once cut, or when the continuation failed.
    var samples: [StepSample?]
    /// Sample indices of the partial candidates.
    var partial: [Int]
    /// Lowest `ok` step score of each partial candidate (by sample index).
    var scores: [Int: Double] = [:]
    /// Verdicts, then continuations, still outstanding.
    var outstanding = 0
    /// Tokens the whole step may take.
    var maxTokens: Int
    /// Budget tokens reserved per partial candidate for its continuation, and those this
    /// expansion holds (candidates not cut and not yet issued).
    var reservedEach: Int
    var reserved: Int
}

/// Early rejection of partial steps: score candidates after K tokens, cut the weak ones, continue
/// the survivors (see `EarlyRejection` for the design).
extension SearchSession {
    /// The first phase's samples are in: partial candidates (stopped by the K-token limit) are
    /// sent to the step verifiers; with none, the expansion completes at once.
    func startPartial(_ e: Expansion, samples: [StepSample], partialTokens k: Int, maxTokens: Int) -> [EvaluationJob] {
        let partial = samples.indices.filter { samples[$0].finish == .length && !samples[$0].text.isEmpty }
        guard !partial.isEmpty else { return expand(e, with: samples) }
        let each = configuration.budget.maxGeneratedTokens == nil ? 0 : maxTokens - k
        reservedTokens += each * partial.count
        cost.partialCandidates = (cost.partialCandidates ?? 0) + partial.count
        cost.earlyRejected = cost.earlyRejected ?? 0
        var state = PartialExpansion(expansion: e, samples: samples, partial: partial, maxTokens: maxTokens,
                                     reservedEach: each, reserved: each * partial.count)
        let steps = tree.steps(to: e.node)
        var jobs: [EvaluationJob] = []
        for (ei, role) in roles.enumerated() where role.kinds.contains(.step) {
            for i in partial {
                let item = EvaluationItem(problem: problem, steps: steps + [samples[i].text], finished: false)
                jobs.append(EvaluationJob(evaluator: ei, kind: .step, node: e.node, expansion: e.node, item: item, partialSample: i))
            }
        }
        cost.evaluatorItems += jobs.count
        state.outstanding = jobs.count
        partials[e.node] = state
        return jobs.isEmpty ? decide(e.node) : jobs // no step verifier: every candidate continues
    }

    /// A step verdict on partial candidate `sample`; the last one decides the cut.
    func receivePartial(_ outcome: EvaluationOutcome, sample: Int, for job: EvaluationJob) -> [EvaluationJob] {
        guard var state = partials[job.node] else { return [] } // abandoned (wall time)
        if outcome.status == .ok {
            let s = outcome.stepScores?.last ?? outcome.score
            state.scores[sample] = min(state.scores[sample] ?? s, s)
        }
        state.outstanding -= 1
        partials[job.node] = state
        return state.outstanding == 0 ? decide(job.node) : []
    }

    /// Cuts the weak partial candidates and queues the survivors' continuations; completes the
    /// expansion when none survives.
    private func decide(_ node: NodeID) -> [EvaluationJob] {
        var state = partials[node]!
        let alive = state.expansion.earlyRejection!.survivors(state.partial.map { state.scores[$0] })
        for (i, keep) in zip(state.partial, alive) {
            if keep {
                continuations.append((node, i))
                state.outstanding += 1
            } else {
                state.samples[i] = nil
                cost.earlyRejected! += 1
                state.reserved -= state.reservedEach
                reservedTokens -= state.reservedEach
            }
        }
        partials[node] = state
        return state.outstanding == 0 ? complete(node) : []
    }

    /// Requests continuing the queued survivors: one sample each, the prefix ending with the
    /// partial text (a segment with its own key, above every node id), the seed from the
    /// candidate's lineage, `maxTokens` what the step has left.
    func continuationRequests(limit: Int, nextID: inout RequestID) -> [StepRequest] {
        var out: [StepRequest] = []
        while out.count < limit, !continuations.isEmpty {
            let (node, i) = continuations.removeFirst()
            guard var state = partials[node], let partial = state.samples[i] else { continue }
            let problemIndex = UInt32(truncatingIfNeeded: index)
            let key = SegmentKey(problem: problemIndex, node: nextPartialKey)
            nextPartialKey &+= 1
            var prefix = tree.prefix(to: node, problem: problemIndex)
            prefix.append(PrefixSegment(text: partial.text, tokens: partial.tokens, key: key))
            var sampling = configuration.sampling
            if state.expansion.greedy { sampling.temperature = 0 }
            let used = partial.tokens?.count ?? state.expansion.earlyRejection!.tokens
            let id = nextID
            nextID += 1
            pending[id] = PendingRequest(expansion: state.expansion, reserved: state.reservedEach, continuing: i, segment: key)
            state.reserved -= state.reservedEach
            partials[node] = state
            out.append(StepRequest(id: id, prefix: prefix, samples: 1, sampling: sampling, stop: configuration.stop,
                                   maxTokens: max(1, state.maxTokens - used),
                                   seed: SeedMixer.request(node: SeedMixer.child(of: tree.seeds[node.index], sample: i), round: 1)))
        }
        return out
    }

    /// A continuation's result: the candidate's whole step is its partial text and the
    /// continuation; a failed continuation drops the candidate.
    func continued(_ node: NodeID, sample i: Int, with result: StepResult) -> [EvaluationJob] {
        guard var state = partials[node] else { return [] }
        if result.failure == nil, let rest = result.samples.first, rest.finish != .cancelled, let head = state.samples[i] {
            state.samples[i] = Self.joined(head, rest)
        } else {
            state.samples[i] = nil
        }
        state.outstanding -= 1
        partials[node] = state
        return state.outstanding == 0 ? complete(node) : []
    }

    private func complete(_ node: NodeID) -> [EvaluationJob] {
        let state = partials.removeValue(forKey: node)!
        return expand(state.expansion, with: state.samples.compactMap { $0 })
    }

    /// Abandons every expansion under early rejection (the wall-time stop).
    func abandonPartials() {
        for (node, state) in partials {
            reservedTokens -= state.reserved
            tree.setFlags(.expanding, on: node, false)
            abandonExpansion(state.expansion)
        }
        partials.removeAll()
        continuations.removeAll()
    }

    /// One sample made of a partial step and its continuation.
    static func joined(_ head: StepSample, _ rest: StepSample) -> StepSample {
        func cat<T>(_ a: [T]?, _ b: [T]?) -> [T]? { a.flatMap { a in b.map { a + $0 } } }
        return StepSample(text: head.text + rest.text, tokens: cat(head.tokens, rest.tokens),
                          logprobs: cat(head.logprobs, rest.logprobs), entropies: cat(head.entropies, rest.entropies),
                          finish: rest.finish)
    }
}
