import StepTreeCore

/// Drives one `SearchSession` synchronously with scripted samples and verdicts, checking the
/// tree's invariants after every step; for strategy tests without async code.
public enum SessionRunner {
    /// Runs a session to completion. `samples` answers each request; `verdict` answers each
    /// evaluation job. Expansions are answered in the order issued, `batch` at a time.
    /// - Returns: the finished session and the requests it issued, in order.
    public static func run(_ session: inout SearchSession, batch: Int = 64,
                           samples: (StepRequest) -> [StepSample],
                           verdict: (EvaluationJob) -> EvaluationOutcome = { _ in .init(status: .ok, score: 1) },
                           check: (SearchTree) -> Void = { _ in }) -> [StepRequest] {
        var nextID: RequestID = 1
        var issued: [StepRequest] = []
        var rounds = 0
        while !session.isDone && rounds < 100_000 {
            rounds += 1
            let reqs = session.requests(limit: batch, nextID: &nextID)
            issued += reqs
            check(session.tree)
            if reqs.isEmpty && session.pendingCount == 0 && !session.isDone { continue }
            for r in reqs {
                let s = samples(r)
                let tokens = s.reduce(0) { $0 + ($1.tokens?.count ?? 0) }
                var jobs = session.receive(StepResult(id: r.id, samples: s, cost: .init(generatedTokens: tokens)))
                while !jobs.isEmpty {
                    let j = jobs.removeFirst()
                    jobs += session.receive(verdict(j), for: j)
                }
                check(session.tree)
            }
        }
        return issued
    }

    /// A sample `text` with one synthetic token per character and the given mean logprob.
    public static func sample(_ text: String, logprob: Float = -0.5, finish: FinishReason = .stop) -> StepSample {
        let toks = text.unicodeScalars.map { Int32($0.value) }
        return StepSample(text: text, tokens: toks, logprobs: [Float](repeating: logprob, count: toks.count), finish: finish)
    }
}
