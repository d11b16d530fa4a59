/// Whether an evaluation judges a finished answer or a (possibly unfinished) step.
public enum EvaluationKind: String, Hashable, Sendable, Codable {
    case outcome
    case step
}

/// One path to judge: the problem, the steps so far, and whether the path is finished.
public struct EvaluationItem: Hashable, Sendable {
    public var problem: Problem
    /// Step texts from the root down, each with its delimiter as generated.
    public var steps: [String]
    /// True when the path ended (end of sequence or a terminal step): judge the outcome.
    public var finished: Bool

    public init(problem: Problem, steps: [String], finished: Bool) {
        self.problem = problem
        self.steps = steps
        self.finished = finished
    }
}

/// Whether a verdict could be reached. Only `ok` verdicts are correct/wrong signals; the others
/// are infrastructure or parsing outcomes and must never become a "wrong" label.
public enum VerdictStatus: String, Hashable, Sendable, Codable {
    case ok
    case unparseable
    case timeout
    case error
}

/// A verifier's answer for one item.
public struct EvaluationOutcome: Hashable, Sendable {
    public var status: VerdictStatus
    /// Score in [0, 1]: 1 correct, 0 wrong for outcome checks; a probability for step scorers.
    public var score: Double
    /// Optional per-step scores (PRMs), one per step of the item.
    public var stepScores: [Double]?
    /// The answer the verifier extracted, when it extracts one.
    public var answer: String?
    /// A short human-readable reason.
    public var detail: String?

    public init(status: VerdictStatus, score: Double, stepScores: [Double]? = nil, answer: String? = nil,
                detail: String? = nil) {
        self.status = status
        self.score = score
        self.stepScores = stepScores
        self.answer = answer
        self.detail = detail
    }

    /// An item that could not be judged because of infrastructure failure.
    public static func failed(_ status: VerdictStatus, _ detail: String) -> Self {
        .init(status: status, score: 0, detail: detail)
    }
}

/// What an evaluator offers, from its handshake.
public struct EvaluatorCapabilities: Hashable, Sendable {
    public var name: String
    public var version: String
    public var kinds: Set<EvaluationKind>
    public var maxBatch: Int

    public init(name: String, version: String, kinds: Set<EvaluationKind>, maxBatch: Int) {
        self.name = name
        self.version = version
        self.kinds = kinds
        self.maxBatch = maxBatch
    }
}

/// The evaluation side of the search: verifier plugins, PRM scorers, in-process checks.
///
/// Outcomes come back in item order, one per item. Infrastructure failure is reported per item
/// (`status` timeout or error), never thrown and never as a wrong answer.
public protocol Evaluator: Sendable {
    var capabilities: EvaluatorCapabilities { get }
    func evaluate(_ items: [EvaluationItem]) async -> [EvaluationOutcome]
}
