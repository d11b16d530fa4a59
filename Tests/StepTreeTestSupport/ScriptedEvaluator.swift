import StepTreeCore

/// An evaluator whose verdicts come from a closure; records every item it was asked about.
public final class ScriptedEvaluator: Evaluator, @unchecked Sendable {
    public let capabilities: EvaluatorCapabilities
    private let verdict: @Sendable (EvaluationItem) -> EvaluationOutcome
    private let lock = Lock()
    private var _items: [EvaluationItem] = []

    public init(name: String = "scripted", kinds: Set<EvaluationKind>, maxBatch: Int = 64,
                verdict: @escaping @Sendable (EvaluationItem) -> EvaluationOutcome) {
        capabilities = EvaluatorCapabilities(name: name, version: "1", kinds: kinds, maxBatch: maxBatch)
        self.verdict = verdict
    }

    public var items: [EvaluationItem] { lock.with { _items } }

    public func evaluate(_ items: [EvaluationItem]) async -> [EvaluationOutcome] {
        lock.with { _items += items }
        return items.map(verdict)
    }
}
