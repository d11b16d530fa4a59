/// A zero-latency evaluator for smoke tests and the engine benchmark: outcome items are correct
/// when the answer after the last step's `answer:` equals the problem's reference; step items get
/// a deterministic score in [0, 1) from a hash of the step, 0 (pruned) for a `rejectOneIn` share.
public struct RandomEvaluator: Evaluator {
    public let capabilities: EvaluatorCapabilities
    /// One step in this many scores 0; 0 never rejects.
    public let rejectOneIn: Int

    public init(kinds: Set<EvaluationKind> = [.outcome], rejectOneIn: Int = 0, maxBatch: Int = 1024) {
        capabilities = EvaluatorCapabilities(name: "random", version: "1", kinds: kinds, maxBatch: maxBatch)
        self.rejectOneIn = rejectOneIn
    }

    public func evaluate(_ items: [EvaluationItem]) async -> [EvaluationOutcome] {
        items.map(judge)
    }

    /// The verdict on one item (synchronous, for tests and the benchmark).
    public func judge(_ item: EvaluationItem) -> EvaluationOutcome {
        let last = item.steps.last ?? ""
        if item.finished && capabilities.kinds.contains(.outcome) {
            let a = AnswerMarker("answer:", atLineStart: true).extract(from: last)
            let ok = a != nil && a == item.problem.reference
            return EvaluationOutcome(status: .ok, score: ok ? 1 : 0, answer: a)
        }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for s in item.steps { for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 } }
        h = SeedMixer.mix(h)
        if rejectOneIn > 0 && h % UInt64(rejectOneIn) == 0 { return EvaluationOutcome(status: .ok, score: 0) }
        return EvaluationOutcome(status: .ok, score: Double(h >> 11) / Double(1 << 53))
    }
}
