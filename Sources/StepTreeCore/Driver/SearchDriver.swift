/// Progress figures the driver reports while it runs (the CLI's one-line display).
public struct RunProgress: Sendable {
    /// Problems finished and reported.
    public var problemsDone: Int
    public var problemsTotal: Int
    /// Finished problems judged solved.
    public var solved: Int
    /// Nodes of the finished problems' trees.
    public var nodes: Int
    /// Tokens generated for the finished problems.
    public var generatedTokens: Int
    public var elapsedSeconds: Double
}

/// Runs many problems' searches at once: collects the requests that all live trees emit,
/// dispatches them in batches under one global in-flight limit, hands results back to the owning
/// tree, batches verdict requests per evaluator, judges the chosen answers, and reports each
/// finished problem. The loop reads like the papers: select → expand → verify → backup → emit →
/// budget. Trees are owned by the loop alone; only generator and evaluator calls run concurrently.
///
/// The loop takes every result that arrived since its last pass, hands each to its tree, then
/// asks only the trees that changed for new requests, so many results become one batch. When a
/// tree stops on its wall-time budget its pending requests are cancelled: their results are
/// dropped, and a batch whose requests are all cancelled has its task cancelled (an HTTP
/// generator then closes the connections). Trees stopped by the expansion or token budget let
/// their pending requests finish, since those were issued within budget. Keys of finished and
/// pruned nodes, and of every node of a finished tree, are passed to `StepGenerator.release`.
///
///     let driver = SearchDriver(generator: gen, evaluators: [verifier], configuration: config)
///     let summary = try await driver.run(problems) { result in try writer.append(...) }
public struct SearchDriver: Sendable {
    public var generator: any StepGenerator
    /// Guiding evaluators (step scorers and/or outcome verifiers).
    public var evaluators: [any Evaluator]
    /// Grades the final chosen answer only, never guides. Nil: the guiding outcome verdict judges.
    public var judge: (any Evaluator)?
    public var configuration: SearchConfiguration

    public init(generator: any StepGenerator, evaluators: [any Evaluator] = [], judge: (any Evaluator)? = nil,
                configuration: SearchConfiguration) {
        self.generator = generator
        self.evaluators = evaluators
        self.judge = judge
        self.configuration = configuration
    }

    /// Searches `problems`; calls `onResult` as each finishes (in finishing order) and
    /// `onProgress` at most every 0.2 s and after each problem.
    /// - Returns: the run's totals.
    /// - Throws: `CoreError.unknownStrategy`; the generator's error when it is unusable; errors
    ///   thrown by `onResult`.
    public func run(_ problems: [Problem], onResult: (ProblemResult) async throws -> Void,
                    onProgress: ((RunProgress) -> Void)? = nil) async throws -> RunSummary {
        _ = try StrategyRegistry.entry(named: configuration.strategy)
        let loop = DriverLoop(driver: self, problems: problems)
        return try await loop.run(onResult: onResult, onProgress: onProgress)
    }
}

/// The driver's event loop state, confined to the task that runs `SearchDriver.run`.
final class DriverLoop {
    enum Event: Sendable {
        case generated(batch: Int, results: [StepResult])
        case generatorThrew(batch: Int, error: String)
        case evaluated(batch: Int, outcomes: [EvaluationOutcome])
        case tick
    }

    let driver: SearchDriver
    let problems: [Problem]
    let roles: [EvaluatorRole]
    let inFlightLimit: Int
    var live: [Int: SearchSession] = [:]
    var order: [Int] = []
    var nextProblem = 0
    /// Sessions that may emit requests (changed since they were last asked), in turn order.
    var ready: [Int] = []
    var isReady: Set<Int> = []
    /// Sessions that may have finished since the last check.
    var maybeDone: [Int] = []
    var tickPending = false
    var nextRequest: RequestID = 1
    var inFlight = 0
    /// request → owning session, for requests dispatched and not answered.
    var owner: [RequestID: Int] = [:]
    var generatorBatches: [Int: GeneratorBatch] = [:]
    var evalQueues: [[SessionJob]]
    var judgeQueue: [SessionJob] = []
    var evalBatches: [Int: EvaluatorBatch] = [:]
    var judging: Set<Int> = []
    var summary = RunSummary()
    var done = 0
    let started = ContinuousClock.now
    var lastProgress = ContinuousClock.now
    let mailbox = EventMailbox<Event>()

    init(driver: SearchDriver, problems: [Problem]) {
        self.driver = driver
        self.problems = problems
        roles = driver.evaluators.map { EvaluatorRole(name: $0.capabilities.name, kinds: $0.capabilities.kinds) }
        inFlightLimit = max(1, driver.configuration.maxInFlight ?? driver.generator.capabilities.recommendedInFlight)
        evalQueues = Array(repeating: [], count: driver.evaluators.count)
    }

    func run(onResult: (ProblemResult) async throws -> Void, onProgress: ((RunProgress) -> Void)?) async throws -> RunSummary {
        let ticker: Task<Void, Never>? = driver.configuration.budget.maxWallSeconds == nil ? nil : Task { [mailbox] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                mailbox.post(.tick)
            }
        }
        defer {
            ticker?.cancel()
            for (_, b) in generatorBatches { b.task.cancel() }
        }
        try fill()
        try await pump(onResult: onResult, onProgress: onProgress)
        while done < problems.count {
            for event in await mailbox.take() { try handle(event) }
            try await pump(onResult: onResult, onProgress: onProgress)
        }
        // Requests cancelled on the way (wall time) end before the run does.
        for (_, b) in generatorBatches {
            b.task.cancel()
            await b.task.value
        }
        for r in releases { await r.value }
        summary.wallSeconds = elapsed
        onProgress?(progress)
        return summary
    }

    var elapsed: Double {
        let d = ContinuousClock.now - started
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    var progress: RunProgress {
        RunProgress(problemsDone: done, problemsTotal: problems.count, solved: summary.solved, nodes: summary.nodes,
                    generatedTokens: summary.generatedTokens, elapsedSeconds: elapsed)
    }

    /// Starts sessions up to the concurrency limit.
    func fill() throws {
        while live.count < max(1, driver.configuration.concurrency) && nextProblem < problems.count {
            let i = nextProblem
            nextProblem += 1
            live[i] = try SearchSession(index: i, problem: problems[i], configuration: driver.configuration, evaluators: roles)
            order.append(i)
            touch(i)
        }
    }

    /// Marks a session as changed: it is asked for requests and checked for completion.
    func touch(_ s: Int) {
        if isReady.insert(s).inserted { ready.append(s) }
        maybeDone.append(s)
    }

    // MARK: events

    func handle(_ event: Event) throws {
        switch event {
        case .generated(let batch, let results):
            guard let b = generatorBatches.removeValue(forKey: batch) else { return }
            inFlight -= b.ids.count
            for r in results {
                guard let s = owner.removeValue(forKey: r.id) else { continue }
                touch(s)
                guard let jobs = live[s]?.receive(r) else { continue }
                for j in jobs { evalQueues[j.evaluator].append(SessionJob(session: s, job: j)) }
            }
        case .generatorThrew(let batch, let error):
            generatorBatches[batch] = nil
            throw CoreError(.generatorFailed, "generator \(driver.generator.capabilities.backend) failed: \(error)")
        case .evaluated(let batch, let outcomes):
            guard let b = evalBatches.removeValue(forKey: batch) else { return }
            for (k, entry) in b.jobs.enumerated() {
                let outcome = k < outcomes.count ? outcomes[k]
                    : .failed(.error, "evaluator returned \(outcomes.count) outcomes for \(b.jobs.count) items")
                if entry.job.evaluator < 0 {
                    finishJudged(entry.session, outcome: outcome, node: entry.job.node)
                } else {
                    // A verdict on a partial candidate may complete its expansion: its children's jobs.
                    for j in live[entry.session]?.receive(outcome, for: entry.job) ?? [] {
                        evalQueues[j.evaluator].append(SessionJob(session: entry.session, job: j))
                    }
                    touch(entry.session)
                }
            }
        case .tick:
            tickPending = true
        }
    }

    // MARK: pump: budget → select → dispatch → finish

    func pump(onResult: (ProblemResult) async throws -> Void, onProgress: ((RunProgress) -> Void)?) async throws {
        // Budget: wall time (on the driver's clock ticks), with pending requests cancelled.
        if tickPending {
            tickPending = false
            for s in order where live[s]?.wallTimeExceeded == true {
                cancel(live[s]!.stop("budget: wall time"))
                touch(s)
            }
        }
        // Select: trees that changed emit requests, in turn, under the global in-flight limit.
        // A tree cut short by the limit stays ready for the next pump.
        var batch: [StepRequest] = []
        var polled = 0
        while polled < ready.count {
            let room = inFlightLimit - inFlight - batch.count
            if room <= 0 { break }
            let s = ready[polled]
            polled += 1
            guard let session = live[s] else { continue }
            if session.wallTimeExceeded { cancel(session.stop("budget: wall time")) }
            let reqs = session.requests(limit: room, nextID: &nextRequest)
            for r in reqs { owner[r.id] = s }
            batch.append(contentsOf: reqs)
            if reqs.count == room { ready.append(s) }
            maybeDone.append(s)
        }
        for s in ready[..<polled] { isReady.remove(s) }
        ready.removeFirst(polled)
        for s in ready { isReady.insert(s) }
        // Expand: dispatch in batches.
        var i = 0
        while i < batch.count {
            let chunk = Array(batch[i..<min(batch.count, i + max(1, driver.configuration.maxBatch))])
            i += chunk.count
            dispatch(chunk)
        }
        // Verify: batch each evaluator's queue.
        for (e, q) in evalQueues.enumerated() where !q.isEmpty {
            evalQueues[e] = []
            let maxB = max(1, driver.evaluators[e].capabilities.maxBatch)
            var j = 0
            while j < q.count {
                dispatchEval(e, Array(q[j..<min(q.count, j + maxB)]))
                j += maxB
            }
        }
        // Emit: finished trees are judged, reported, released; new problems start.
        let candidates = maybeDone
        maybeDone.removeAll(keepingCapacity: true)
        candidatesForRelease += candidates
        for s in candidates where live[s]?.isDone == true && !judging.contains(s) {
            try await finish(s, onResult: onResult)
        }
        if !judgeQueue.isEmpty, let judge = driver.judge {
            let q = judgeQueue
            judgeQueue = []
            let maxB = max(1, judge.capabilities.maxBatch)
            var j = 0
            while j < q.count {
                dispatchEval(-1, Array(q[j..<min(q.count, j + maxB)]))
                j += maxB
            }
        }
        let reported = pendingResults
        pendingResults.removeAll()
        for entry in reported { try await report(entry, onResult: onResult) }
        releaseDrained()
        try fill()
        if ContinuousClock.now - lastProgress > .milliseconds(200) {
            lastProgress = .now
            onProgress?(progress)
        }
        if !live.isEmpty && generatorBatches.isEmpty && evalBatches.isEmpty {
            // Nothing in flight but trees still live: every tree tries again on another pump.
            for s in order { touch(s) }
            mailbox.post(.tick)
        }
    }

    var pendingResults: [(Int, EvaluationOutcome?)] = []

    func finish(_ s: Int, onResult: (ProblemResult) async throws -> Void) async throws {
        releaseKeys(s, all: true)
        if driver.judge != nil {
            let session = live[s]!
            let (node, _) = session.choice()
            if let node {
                judging.insert(s)
                let item = EvaluationItem(problem: session.problem, steps: session.tree.steps(to: node), finished: true)
                judgeQueue.append(SessionJob(session: s, job: EvaluationJob(evaluator: -1, kind: .outcome, node: node, expansion: nil, item: item)))
                return
            }
        }
        pendingResults.append((s, nil))
        judging.insert(s)
    }

    func finishJudged(_ s: Int, outcome: EvaluationOutcome, node: NodeID) {
        live[s]?.recordJudgement(outcome, name: driver.judge?.capabilities.name ?? "judge", node: node)
        pendingResults.append((s, outcome))
    }

    func report(_ entry: (Int, EvaluationOutcome?), onResult: (ProblemResult) async throws -> Void) async throws {
        let (s, outcome) = entry
        guard let session = live.removeValue(forKey: s) else { return }
        judging.remove(s)
        order.removeAll { $0 == s }
        let result = session.result(judgement: outcome)
        summary.add(result)
        done += 1
        try await onResult(result)
    }

    // MARK: dispatch

    func dispatch(_ requests: [StepRequest]) {
        nextGeneratorBatch += 1
        let id = nextGeneratorBatch
        inFlight += requests.count
        let generator = driver.generator
        let task = Task { [mailbox] in
            do {
                let results = try await generator.generate(requests)
                mailbox.post(.generated(batch: id, results: results))
            } catch is CancellationError {
                mailbox.post(.generated(batch: id, results: []))
            } catch {
                if Task.isCancelled { mailbox.post(.generated(batch: id, results: [])) }
                else { mailbox.post(.generatorThrew(batch: id, error: "\(error)")) }
            }
        }
        generatorBatches[id] = GeneratorBatch(ids: requests.map(\.id), task: task)
    }

    var nextEvalBatch = 0
    var nextGeneratorBatch = 0

    func dispatchEval(_ evaluator: Int, _ jobs: [SessionJob]) {
        nextEvalBatch -= 1
        let id = nextEvalBatch
        evalBatches[id] = EvaluatorBatch(evaluator: evaluator, jobs: jobs)
        let ev: any Evaluator = evaluator < 0 ? driver.judge! : driver.evaluators[evaluator]
        let items = jobs.map(\.job.item)
        Task { [mailbox] in
            let outcomes = await ev.evaluate(items)
            mailbox.post(.evaluated(batch: id, outcomes: outcomes))
        }
    }

    /// Cancelled requests: dropped from their batch; a batch whose requests are all cancelled has
    /// its task cancelled (the HTTP generators close the connections).
    func cancel(_ ids: [RequestID]) {
        guard !ids.isEmpty else { return }
        for id in ids { owner[id] = nil }
        for (_, b) in generatorBatches where b.ids.allSatisfy({ owner[$0] == nil }) {
            b.task.cancel()
        }
    }

    /// Keys whose generator state may be freed, gathered from sessions and sent in one call.
    var toRelease: [SegmentKey] = []
    var candidatesForRelease: [Int] = []
    /// Release calls under way; the run awaits them before it returns.
    var releases: [Task<Void, Never>] = []

    func releaseKeys(_ s: Int, all: Bool) {
        guard let slot = live[s] else { return }
        toRelease += slot.releasable
        slot.releasable = []
        if all {
            let t = slot.tree
            for i in 0..<t.count where !t.records[i].flags.contains(.finished) && !t.records[i].flags.contains(.pruned) {
                toRelease.append(SegmentKey(problem: UInt32(truncatingIfNeeded: s), node: UInt32(i)))
            }
        }
    }

    func releaseDrained() {
        for s in candidatesForRelease where !(live[s]?.releasable.isEmpty ?? true) { releaseKeys(s, all: false) }
        candidatesForRelease.removeAll(keepingCapacity: true)
        guard !toRelease.isEmpty else { return }
        let keys = toRelease
        toRelease = []
        // Not awaited here: a generator may serve `release` after the batch it is computing.
        let generator = driver.generator
        releases.append(Task { await generator.release(keys) })
    }
}

/// A verdict request and the session that owns it.
struct SessionJob {
    var session: Int
    var job: EvaluationJob
}

/// Requests dispatched in one `generate` call, and the task running it.
struct GeneratorBatch {
    var ids: [RequestID]
    var task: Task<Void, Never>
}

/// Jobs dispatched in one `evaluate` call.
struct EvaluatorBatch {
    var evaluator: Int
    var jobs: [SessionJob]
}
