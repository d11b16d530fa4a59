/// Cost figures of one problem's search.
public struct ProblemCost: Codable, Hashable, Sendable {
    /// Generator requests issued (expansions).
    public var expansions = 0
    /// Tokens generated / run through the model, from the generator's cost reports.
    public var generatedTokens = 0
    public var forwardTokens = 0
    /// Requests the backend failed (after its retries).
    public var generatorFailures = 0
    /// Items sent to evaluators (the judge included; partial candidates of early rejection too).
    public var evaluatorItems = 0
    /// Early rejection (nil when off): candidates scored after their first K tokens, and those
    /// of them cut there (never continued, never nodes).
    public var partialCandidates: Int?
    public var earlyRejected: Int?
    /// Wall time from the first request to the final verdict, seconds.
    public var wallSeconds = 0.0
    public init() {}
}

/// The outcome of searching one problem: its tree, the chosen answer and how it was judged.
public struct ProblemResult: Sendable {
    /// Position of the problem in the run's list.
    public var index: Int
    public var problem: Problem
    public var tree: SearchTree
    /// The finished node the strategy chose, or nil when no path finished.
    public var chosen: NodeID?
    /// The chosen path's answer (`AnswerMarker.answer(of:in:marker:)`).
    public var answer: String?
    /// The judge's verdict on the chosen path (the `--judge` evaluator, else the outcome
    /// verdict of the guiding verifier); nil when nothing judged it.
    public var judgement: EvaluationOutcome?
    public var cost: ProblemCost
    /// Why the search stopped early ("budget: expansions", "budget: tokens", "budget: wall time"), if it did.
    public var stopReason: String?

    public init(index: Int, problem: Problem, tree: SearchTree, chosen: NodeID?, answer: String?,
                judgement: EvaluationOutcome?, cost: ProblemCost, stopReason: String?) {
        self.index = index
        self.problem = problem
        self.tree = tree
        self.chosen = chosen
        self.answer = answer
        self.judgement = judgement
        self.cost = cost
        self.stopReason = stopReason
    }

    /// Solved: judged `ok` with score ≥ 0.5.
    public var solved: Bool { judgement.map { $0.status == .ok && $0.score >= 0.5 } ?? false }
    /// Judged: a verdict with status `ok` or `unparseable` (an answer that cannot be read is
    /// wrong), or no path to judge (also wrong). Timeouts and errors are never counted as wrong.
    public var judged: Bool {
        chosen == nil || judgement.map { $0.status == .ok || $0.status == .unparseable } == true
    }
}

/// Totals of a run, printed as the final summary and written by `--summary-json`.
public struct RunSummary: Codable, Hashable, Sendable {
    public var problems = 0
    public var solved = 0
    /// Problems whose chosen answer got an `ok` or `unparseable` verdict (or that found no answer).
    public var judged = 0
    /// solved / judged (0 when nothing was judged).
    public var accuracy: Double { judged == 0 ? 0 : Double(solved) / Double(judged) }
    public var nodes = 0
    public var expansions = 0
    public var generatedTokens = 0
    public var forwardTokens = 0
    public var generatorFailures = 0
    public var evaluatorItems = 0
    /// Early rejection's partial candidates and those cut (nil when no problem used it).
    public var partialCandidates: Int?
    public var earlyRejected: Int?
    public var wallSeconds = 0.0
    public var tokensPerSecond: Double { wallSeconds > 0 ? Double(generatedTokens) / wallSeconds : 0 }

    public init() {}

    /// Adds one problem's figures (not the run's wall time, which the driver measures).
    public mutating func add(_ r: ProblemResult) {
        problems += 1
        if r.solved { solved += 1 }
        if r.judged { judged += 1 }
        nodes += r.tree.count
        expansions += r.cost.expansions
        generatedTokens += r.cost.generatedTokens
        forwardTokens += r.cost.forwardTokens
        generatorFailures += r.cost.generatorFailures
        evaluatorItems += r.cost.evaluatorItems
        if let p = r.cost.partialCandidates { partialCandidates = (partialCandidates ?? 0) + p }
        if let e = r.cost.earlyRejected { earlyRejected = (earlyRejected ?? 0) + e }
    }

    private enum CodingKeys: String, CodingKey {
        case problems, solved, judged, accuracy, nodes, expansions, generatedTokens, forwardTokens
        case generatorFailures, evaluatorItems, partialCandidates, earlyRejected, wallSeconds, tokensPerSecond
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(problems, forKey: .problems); try c.encode(solved, forKey: .solved)
        try c.encode(judged, forKey: .judged); try c.encode(accuracy, forKey: .accuracy)
        try c.encode(nodes, forKey: .nodes); try c.encode(expansions, forKey: .expansions)
        try c.encode(generatedTokens, forKey: .generatedTokens); try c.encode(forwardTokens, forKey: .forwardTokens)
        try c.encode(generatorFailures, forKey: .generatorFailures); try c.encode(evaluatorItems, forKey: .evaluatorItems)
        try c.encodeIfPresent(partialCandidates, forKey: .partialCandidates)
        try c.encodeIfPresent(earlyRejected, forKey: .earlyRejected)
        try c.encode(wallSeconds, forKey: .wallSeconds); try c.encode(tokensPerSecond, forKey: .tokensPerSecond)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        problems = try c.decode(Int.self, forKey: .problems); solved = try c.decode(Int.self, forKey: .solved)
        judged = try c.decode(Int.self, forKey: .judged); nodes = try c.decode(Int.self, forKey: .nodes)
        expansions = try c.decode(Int.self, forKey: .expansions); generatedTokens = try c.decode(Int.self, forKey: .generatedTokens)
        forwardTokens = try c.decode(Int.self, forKey: .forwardTokens)
        generatorFailures = try c.decode(Int.self, forKey: .generatorFailures)
        evaluatorItems = try c.decode(Int.self, forKey: .evaluatorItems); wallSeconds = try c.decode(Double.self, forKey: .wallSeconds)
        partialCandidates = try c.decodeIfPresent(Int.self, forKey: .partialCandidates)
        earlyRejected = try c.decodeIfPresent(Int.self, forKey: .earlyRejected)
    }
}
