import StepTreeCore

/// Scripted trees for strategy tests: sample texts that depend only on the request's depth and
/// the sample index, so the shape of the tree is known in advance.
public enum TreeScripts {
    /// Each request at step depth d (< `depth`) returns `samples` samples
    /// `"d<d>-<i mod distinct>\n"`; at depth `depth` they are `"answer: <i mod answers>\n"`
    /// (ending the path through the countdown marker). Logprobs favour lower i.
    public static func layered(depth: Int, distinct: Int, answers: Int = 2) -> @Sendable (StepRequest) -> [StepSample] {
        { r in
            let d = r.prefix.count
            return (0..<r.samples).map { i in
                if d >= depth {
                    return SessionRunner.sample("answer: \(i % answers)\n", logprob: -0.1 * Float(i % answers + 1))
                }
                return SessionRunner.sample("d\(d)-\(i % distinct)\n", logprob: -0.1 * Float(i % distinct + 1))
            }
        }
    }

    /// The countdown answer marker.
    public static let marker = AnswerMarker("answer:", atLineStart: true)

    /// A configuration with the countdown marker, invariant checks on, and `strategy`.
    public static func configuration(_ strategy: String, budget: SearchBudget = .init()) -> SearchConfiguration {
        var c = SearchConfiguration()
        c.strategy = strategy
        c.answerMarker = marker
        c.checkInvariants = true
        c.budget = budget
        return c
    }

    /// `count` problems whose reference answer is "0".
    public static func problems(_ count: Int) -> [Problem] {
        (0..<count).map { Problem(id: "p\($0)", prompt: "problem \($0)\n", reference: "0") }
    }
}
